"""
Webhooks: signed event notifications to integrating systems.

This module is the domain-free half: registration, queueing (``webhook_deliveries_queue``,
called by the apps' outbox scanners, e.g. ``documents.webhooks.webhook_scan`` over dispatch
events), signing, delivery with retries and the sweeper.

Delivery: POST of ``{"id", "event", "created_at", "data"}`` with
``X-Egov-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``. A delivery is
claimed with a lease (``next_attempt_at`` in the future) so duplicates of the task skip it;
every attempt writes a ``WebhookAttempt`` row; failures back off exponentially with jitter up
to WEBHOOK_MAX_ATTEMPTS, then the delivery is ``failed``. At-least-once: receivers dedupe on ``id``.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import secrets
import time
from collections import defaultdict
from datetime import timedelta
from urllib.parse import urlsplit


from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import AuditVerb, audit_record
from ..db import service, service_atomic
from ..errors import InvalidInput
from ..http import HttpError, http_check_url, http_request
from .models import ApiClient, DeliveryState, Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Egov-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does (also used by the example client and the tests)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    ts, mac = parts.get("t", ""), parts.get("v1", "")
    if not ts.isdigit() or abs(time.time() - int(ts)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body).split("v1=")[1], mac)


# --- Registration -------------------------------------------------------------------------
def _clean(url: str, events) -> tuple[str, list[str]]:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(_("The webhook URL must be an http or https URL."), field="url")
    try:
        http_check_url(url)  # refused now when it names a private address; checked again on every delivery
    except ValueError:
        raise InvalidInput(_("The webhook URL must point to a public address."), field="url") from None
    events = sorted(set(events or WebhookEvent.values))
    unknown = [e for e in events if e not in WebhookEvent.values]
    if unknown:
        raise InvalidInput(_("Unknown events: %(events)s") % {"events": ", ".join(unknown)}, field="events")
    return url, events


@service
def webhook_create(*, client: ApiClient, url: str, events=None, acting_user=None) -> Webhook:
    url, events = _clean(url, events)
    hook = Webhook.objects.create(client=client, url=url, events=events, secret=secrets.token_hex(32))
    audit_record(actor=acting_user, unit=client.unit, verb=AuditVerb.WEBHOOK_CREATED, obj=hook, details={"url": url,
                                                                                                "events": events})
    return hook


@service
def webhook_deactivate(*, webhook: Webhook, acting_user=None) -> Webhook:
    if webhook.is_active:
        webhook.is_active = False
        webhook.save(update_fields=["is_active"])
        audit_record(actor=acting_user, unit=webhook.client.unit, verb=AuditVerb.WEBHOOK_DEACTIVATED, obj=webhook)
    return webhook


# --- Queueing ---------------------------------------------------------------------------
def webhook_deliveries_queue(entries, *, now=None) -> list[int]:
    """
    Queue deliveries for ``entries`` = ``[(unit_id, event, event_key, data), ...]``: one per
    active webhook of that unit subscribed to the event, unique per (webhook, event_key) so a
    re-scan is harmless. Call inside the transaction that records how far the source was read;
    the deliveries are enqueued after commit. Returns the new deliveries' ids.
    """
    now = now or timezone.now()
    entries = list(entries)
    if not entries:
        return []
    hooks_by_unit = defaultdict(list)
    for hook in (Webhook.objects.filter(is_active=True, client__is_active=True,
                                        client__unit_id__in={e[0] for e in entries}).select_related("client")):
        hooks_by_unit[hook.client.unit_id].append(hook)
    rows = []
    for unit_id, event_type, key, data in entries:
        for hook in hooks_by_unit.get(unit_id, ()):
            if event_type in hook.events:
                rows.append(WebhookDelivery(webhook=hook, event=event_type, event_key=key,
                                            payload=json.loads(json.dumps(data, cls=DjangoJSONEncoder))))
    if not rows:
        return []
    WebhookDelivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    created_ids = list(WebhookDelivery.objects.filter(event_key__in=[r.event_key for r in rows],
                                                      state=DeliveryState.PENDING, enqueued_at__isnull=True)
                       .values_list("pk", flat=True))
    WebhookDelivery.objects.filter(pk__in=created_ids).update(enqueued_at=now)
    _enqueue(created_ids)
    return created_ids


def webhooks_exist() -> bool:
    return Webhook.objects.filter(is_active=True, client__is_active=True).exists()


def first_webhook_created_at():
    """When the first webhook was registered: sources start there (history is not replayed)."""
    return Webhook.objects.order_by("created_at").values_list("created_at", flat=True).first()


def webhook_sweep(*, now=None) -> int:
    """Re-enqueue deliveries that are due (a lost message, a worker killed mid-attempt)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.WEBHOOK_STUCK_AFTER)
    with service_atomic():
        ids = list(WebhookDelivery.objects.filter(state__in=[DeliveryState.PENDING, DeliveryState.RETRYING])
                   .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
                   .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
                   .order_by("pk").values_list("pk", flat=True)[:1000])
        WebhookDelivery.objects.filter(pk__in=ids).update(enqueued_at=now)
        _enqueue(ids)
    return len(ids)


def _enqueue(ids: list[int]) -> None:
    if not ids:
        return
    from .tasks import webhook_deliver_task

    def publish():
        for pk in ids:
            webhook_deliver_task.delay(pk)

    transaction.on_commit(publish, robust=True)


# --- Delivery -------------------------------------------------------------------------------
def backoff(attempt: int) -> float:
    base, cap = settings.WEBHOOK_BACKOFF_BASE, settings.WEBHOOK_BACKOFF_MAX
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def webhook_deliver(*, delivery_id: int) -> float | None:
    """
    One attempt. Returns None when done (succeeded, failed for good, or not ours to try now),
    else the seconds after which to try again.
    """
    timeout = settings.WEBHOOK_TIMEOUT
    now = timezone.now()
    with service_atomic():
        d = (WebhookDelivery.objects.select_for_update(no_key=True).select_related("webhook")
             .filter(pk=delivery_id, state__in=[DeliveryState.PENDING, DeliveryState.RETRYING]).first())
        if d is None or (d.next_attempt_at is not None and d.next_attempt_at > now) or not d.webhook.is_active:
            return None
        # Lease: a duplicate task finds the delivery "not due" until the attempt is over.
        d.next_attempt_at = now + timedelta(seconds=timeout + 30)
        d.save(update_fields=["next_attempt_at"])
    body = json.dumps({"id": str(d.uuid), "event": d.event, "created_at": d.created_at, "data": d.payload},
                      cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "egov-webhooks/1", "X-Egov-Event": d.event,
               "X-Egov-Delivery": str(d.uuid), SIGNATURE_HEADER: sign(d.webhook.secret, ts, body)}
    started = time.monotonic()
    code, error = None, ""
    try:
        resp = http_request("POST", d.webhook.url, data=body, headers=headers, timeout=timeout)
        code = resp.status_code
        if not 200 <= code < 300:
            error = f"HTTP {code}"
    except HttpError as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
    elapsed = int((time.monotonic() - started) * 1000)
    done = timezone.now()
    with service_atomic():
        d = WebhookDelivery.objects.select_for_update(no_key=True).get(pk=d.pk)
        WebhookAttempt.objects.create(delivery=d, at=done, status_code=code, error=error, duration_ms=elapsed)
        d.attempts += 1
        d.last_status_code, d.last_error = code, error
        retry_in = None
        if not error:
            d.state, d.delivered_at, d.next_attempt_at = DeliveryState.SUCCEEDED, done, None
        elif d.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            d.state, d.next_attempt_at = DeliveryState.FAILED, None
        else:
            retry_in = backoff(d.attempts)
            d.state, d.next_attempt_at = DeliveryState.RETRYING, done + timedelta(seconds=retry_in)
        d.save(update_fields=["attempts", "last_status_code", "last_error", "state", "delivered_at",
                              "next_attempt_at"])
    return retry_in
