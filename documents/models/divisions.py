"""Incoming documents assigned to divisions of the receiving unit (chủ trì / phối hợp / để biết)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import HandlerRole
from .routing import IncomingRecord

__all__ = ["IncomingDivisionAssignment"]


class IncomingDivisionAssignment(models.Model):
    """
    The leader's instruction for one division on an incoming document: lead (chủ trì),
    co-handling (phối hợp) or for information (để biết), with the division's deadline. The
    division head then assigns people (``IncomingAssignment`` rows naming the division) with
    deadlines of their own, no later than this one. Re-assigning deactivates, never deletes:
    the handling slip shows what was decided.
    """

    incoming = models.ForeignKey(IncomingRecord, verbose_name=_("incoming document"), on_delete=models.PROTECT,
                                 related_name="division_assignments")
    division = models.ForeignKey("units.Division", verbose_name=_("division"), on_delete=models.PROTECT,
                                 related_name="incoming_assignments")
    role = models.CharField(_("role"), max_length=10, choices=HandlerRole.choices)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    instruction = models.TextField(_("leader's instruction"), blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), on_delete=models.PROTECT,
                                    related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"))
    handed_on_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("handed on by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    handed_on_at = models.DateTimeField(_("handed on at"), null=True, blank=True)
    head_note = models.TextField(_("division head's instruction"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["incoming", "role", "pk"]
        verbose_name = _("division assignment")
        verbose_name_plural = _("division assignments")
        constraints = [
            models.UniqueConstraint(fields=["incoming", "division"], condition=Q(is_active=True),
                                    name="documents_incomingdivisionassignment_one_active"),
            models.UniqueConstraint(fields=["incoming"], condition=Q(is_active=True, role="main"),
                                    name="documents_incomingdivisionassignment_one_lead"),
        ]
        indexes = [models.Index(fields=["division", "is_active"], name="documents_divassign_division")]

    def __str__(self) -> str:
        return f"#{self.incoming_id} → {self.division_id} ({self.role})"
