"""Cross-cutting models of the portal itself (not of any domain app)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """Last time a Celery worker process reported itself alive; read by /healthz."""

    hostname = models.CharField(_("hostname"), max_length=255, unique=True)
    seen_at = models.DateTimeField(_("seen at"), db_index=True)

    class Meta:
        ordering = ["-seen_at"]
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.hostname} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
