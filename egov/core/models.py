"""
Models of the base layer: worker heartbeats, the append-only audit trail and
in-app notifications. Relations to app models are string references ("units.Unit"): the
base layer imports no app.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["WorkerHeartbeat", "AuditEvent", "AuditCheckpoint", "AuditImmutable", "Notification", "AccessLog"]


class JobRun(models.Model):
    """
    The last run of each periodic (beat) job, written by the worker when the task finishes
    (egov.celery); read by the metrics (``egov_job_last_run_age_seconds``) and ``manage.py status``.
    """

    name = models.CharField(_("job"), max_length=200, unique=True)
    finished_at = models.DateTimeField(_("finished at"))
    succeeded = models.BooleanField(_("succeeded"), default=True)
    runtime_ms = models.PositiveIntegerField(_("run time (ms)"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self) -> str:
        return f"{self.name} @ {self.finished_at:%Y-%m-%d %H:%M:%S}"


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


class AuditImmutable(Exception):
    """Audit rows are never changed or deleted."""


class AuditQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        from django.db import transaction

        from .audit_chain import chain_assign

        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):  # no savepoint: its own or the caller's transaction
            chain_assign(objs)
            return super().bulk_create(objs, *args, **kwargs)

    def update(self, **kwargs):
        raise AuditImmutable("audit events are append-only")

    def delete(self):
        raise AuditImmutable("audit events are append-only")


class AuditEvent(models.Model):
    """
    Who did what to which object, when, acting for which unit. Written by every service in
    the same transaction as the change (``egov.core.audit``). Append-only: the ORM refuses
    updates and deletes, and on PostgreSQL a trigger refuses them too (documents migration
    0002, which created the table when the audit lived in the documents app).
    """

    at = models.DateTimeField(_("time"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), null=True, blank=True,
                             on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    verb = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    details = models.JSONField(_("details"), default=dict, blank=True)
    # The hash chain (egov/core/audit_chain.py): set when the row is inserted, never changed.
    shard = models.PositiveSmallIntegerField(_("chain shard"), default=0, editable=False)
    shard_seq = models.BigIntegerField(_("sequence in shard"), null=True, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True, editable=False)
    row_hash = models.CharField(_("row hash"), max_length=64, blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        db_table = "documents_auditevent"  # kept from the documents app (no data moved)
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"], name="documents_audit_object")]
        constraints = [models.UniqueConstraint(fields=["shard", "shard_seq"], name="egov_auditevent_unique_chain_seq")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.verb} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        from django.db import transaction

        from .audit_chain import chain_assign

        if self.pk is not None:
            raise AuditImmutable("audit events are append-only")
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            chain_assign([self])
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutable("audit events are append-only")


class AuditCheckpoint(models.Model):
    """The signed head of one audit chain shard at a moment (egov/core/audit_chain.py); append-only."""

    shard = models.PositiveSmallIntegerField(_("chain shard"))
    shard_seq = models.BigIntegerField(_("sequence in shard"))
    row_hash = models.CharField(_("row hash"), max_length=64)
    at = models.DateTimeField(_("time"))
    signature = models.CharField(_("signature"), max_length=128)
    # RFC 3161 time-stamp token (DER) of checkpoint_message(), when a TSA is configured.
    timestamp_token = models.BinaryField(_("RFC 3161 time-stamp"), blank=True, default=b"")
    timestamped_at = models.DateTimeField(_("time-stamped at"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        constraints = [models.UniqueConstraint(fields=["shard", "shard_seq"], name="egov_auditcheckpoint_unique")]

    def __str__(self) -> str:
        return f"{self.shard}#{self.shard_seq} @ {self.at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditImmutable("audit checkpoints are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutable("audit checkpoints are append-only")


class Notification(models.Model):
    """
    A message for one user about one object (a new incoming document, a status, a deadline).
    Written only by ``egov.core.notifications.notification_send`` (which also e-mails it when
    NOTIFICATIONS_EMAIL is on).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="notifications")
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    kind = models.CharField(_("kind"), max_length=40)
    text = models.CharField(_("text"), max_length=500)  # rendered in the portal's language when written
    # What the text says, as a code and parameters (egov.core.messages), rendered in the reader's
    # language; blank for rows written before codes existed (their text is shown as stored).
    message_code = models.CharField(_("message code"), max_length=80, blank=True)
    message_params = models.JSONField(_("message parameters"), default=dict, blank=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        db_table = "documents_notification"  # kept from the documents app (no data moved)
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"], name="documents_notif_user_unread")]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def display_text(self) -> str:
        """The text in the active language (the reader's)."""
        from .messages import render

        return render(self.message_code, self.message_params, fallback=self.text)


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutable("the access log is append-only")

    def delete(self):
        raise AuditImmutable("the access log is append-only")


class AccessLog(models.Model):
    """
    One view, download or printout of an object by a person (NĐ 30 Phụ lục VI III.6.a, l):
    who, for which unit, when, what (``object_type`` label + ``object_id``), how, from where.
    Written in batches by ``egov.core.access`` after the response is sent; append-only like the
    audit (ORM guard, and a PostgreSQL trigger in migration 0007_h14).
    """

    at = models.DateTimeField(_("time"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), null=True, blank=True,
                             on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    action = models.CharField(_("action"), max_length=12)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("access")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["object_type", "object_id", "-at"], name="egov_accesslog_object"),
                   models.Index(fields=["user", "-at"], name="egov_accesslog_user")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditImmutable("the access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutable("the access log is append-only")


from .api.models import *  # noqa: E402,F401,F403 - the REST API's models belong to the egov app
