"""Append-only audit trail."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from units.models import Unit

__all__ = ["AuditEvent", "AuditImmutable"]


class AuditImmutable(Exception):
    """Audit rows are never changed or deleted."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutable("audit events are append-only")

    def delete(self):
        raise AuditImmutable("audit events are append-only")


class AuditEvent(models.Model):
    """
    Who did what to which object, when, acting for which unit. Written by every service in
    the same transaction as the change. Append-only: the ORM refuses updates and deletes, and
    on PostgreSQL a trigger refuses them too (migration 0002).
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.DO_NOTHING,
                             db_constraint=False, related_name="+")
    verb = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"], name="documents_audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.verb} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditImmutable("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutable("audit events are append-only")
