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


class LoginFailure(models.Model):
    """
    One failed login, kept for the lockout window (egov/auth.py): after LOGIN_LOCKOUT_THRESHOLD
    failures for a username within LOGIN_LOCKOUT_MINUTES, that username is refused until the
    oldest failure leaves the window. A successful login clears the username's rows.
    """

    username = models.CharField(_("username"), max_length=150)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        indexes = [models.Index(fields=["username", "at"], name="egov_loginfailure_user_at")]

    def __str__(self) -> str:
        return f"{self.username} @ {self.at:%Y-%m-%d %H:%M:%S}"


from .api.models import *  # noqa: E402,F401,F403 - the REST API's models belong to the egov app
