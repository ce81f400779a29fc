"""Registers (sổ văn bản đi / đến) and their atomic number counters."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from units.models import Unit

from ..choices import RegisterDirection

__all__ = ["Register"]


class Register(models.Model):
    """
    A register of one unit for one year, direction and series. ``last_number`` is the counter:
    allocation locks this row (SELECT … FOR UPDATE), so numbers are unique and gap-free even
    under concurrent requests, and a rolled-back transaction gives its number back. A new year
    is a new row, so numbering restarts at 1 on 1 January.
    """

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="registers")
    direction = models.CharField(_("direction"), max_length=10, choices=RegisterDirection.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    series = models.CharField(_("series"), max_length=20, default="general",
                              help_text=_("general, secret, or one series per type of normative document"))
    name = models.CharField(pgettext_lazy("register", "name"), max_length=200, blank=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["unit", "-year", "direction", "series"]
        verbose_name = pgettext_lazy("journal of registered documents", "register")
        verbose_name_plural = pgettext_lazy("journal of registered documents", "registers")
        constraints = [
            models.UniqueConstraint(fields=["unit", "direction", "year", "series"],
                                    name="documents_register_unique_unit_direction_year_series"),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.unit.short_name} {self.get_direction_display()} {self.year} ({self.series})"
