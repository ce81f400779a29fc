"""
Models of the REST API: API clients (hashed tokens), idempotency records, webhooks and
their deliveries. They belong to the base layer's app (label ``egov``; imported by
``egov/core/models.py``); the unit is a string reference, the base imports no app.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..crypto import EncryptedTextField


__all__ = ["ApiClient", "IdempotencyRecord", "Webhook", "WebhookDelivery", "WebhookAttempt", "OutboxCursor"]


class ApiClient(models.Model):
    """
    A named integration (another document system, the provincial LGSP, a reporting tool) that
    acts for one unit with a set of scopes. Its token is shown once; only a SHA-256 of it is
    kept (tokens are 256-bit random, so a fast hash is enough). Calls run as ``service_user``,
    a dedicated user holding memberships in ``unit`` derived from the scopes.
    """

    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="api_clients")
    scopes = models.JSONField(_("scopes"), default=list)
    service_user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("service user"),
                                        on_delete=models.PROTECT, related_name="api_client")
    token_prefix = models.CharField(_("token prefix"), max_length=16, unique=True)
    token_hash = models.CharField(_("token hash"), max_length=64)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("rate limit per minute"), default=0, help_text=_("0 uses the portal's default."))
    is_active = models.BooleanField(_("active"), default=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    rotated_at = models.DateTimeField(_("token rotated at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["unit", "name", "pk"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="egov_apiclient_unique_unit_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit.short_name})"

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class IdempotencyRecord(models.Model):
    """
    The first response to a POST carrying an ``Idempotency-Key``. Inserted before the work is
    done, in the same transaction as the work: a concurrent request with the same key waits on
    the unique index and then replays the stored response, so only one document is created.
    """

    principal = models.CharField(_("client or user"), max_length=40)
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="egov_idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"


class WebhookEvent(models.TextChoices):
    DOCUMENT_RECEIVED = "document.received", _("A document was received by the unit")
    DISPATCH_STATUS = "dispatch.status_changed", _("A recipient's status of a sent document changed")


class Webhook(models.Model):
    """An URL of an integrating system that receives signed event notifications for its client's unit."""

    client = models.ForeignKey(ApiClient, verbose_name=_("API client"), on_delete=models.CASCADE,
                               related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = EncryptedTextField(_("signing secret"), editable=False)  # stored encrypted
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["client", "pk"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Retrying")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one webhook. ``event_key`` makes a re-scanned event harmless."""

    webhook = models.ForeignKey(Webhook, verbose_name=_("webhook"), on_delete=models.CASCADE,
                                related_name="deliveries")
    uuid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    event_key = models.CharField(_("event key"), max_length=80)
    payload = models.JSONField(_("payload"), default=dict)
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=1000, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["webhook", "event_key"], name="egov_webhookdelivery_unique_event")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="egov_webhook_due",
                                condition=Q(state__in=["pending", "retrying"]))]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} [{self.state}]"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery, successful or not."""

    delivery = models.ForeignKey(WebhookDelivery, verbose_name=_("delivery"), on_delete=models.CASCADE,
                                 related_name="attempt_rows")
    at = models.DateTimeField(_("time"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=1000, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["delivery", "at", "pk"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error[:40]}"


class OutboxCursor(models.Model):
    """How far the webhook scanner has read an append-only table (by primary key)."""

    name = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("outbox cursor")
        verbose_name_plural = _("outbox cursors")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_id}"
