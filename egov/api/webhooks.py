"""
Webhooks: signed event notifications to integrating systems.

Outbox scan (no change to the documents services): every DispatchEvent row is append-only and
has an increasing id. A beat task (``webhook_scan_task``) reads the rows after a cursor
(``OutboxCursor``), turns them into ``WebhookDelivery`` rows for the webhooks of the units
concerned (unique per webhook and event, so a re-scan is harmless), advances the cursor in
the same transaction and enqueues the deliveries after commit. Bulk-created events (delivery
creates them with ``bulk_create``, which sends no signals) are seen like any other.

To avoid skipping an event whose transaction commits after a later id was scanned, the scan
stops at the first event younger than WEBHOOK_SCAN_LAG seconds.

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

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.choices import EventKind, StatusCode
from documents.models import DispatchEvent, IncomingRecord
from documents.services.common import InvalidInput, audit_record

from .models import ApiClient, DeliveryState, OutboxCursor, Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent

log = logging.getLogger(__name__)
CURSOR = "dispatch_events"
SIGNATURE_HEADER = "X-Egov-Signature"


def _conf(name, default):
    return getattr(settings, name, default)


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
    events = sorted(set(events or WebhookEvent.values))
    unknown = [e for e in events if e not in WebhookEvent.values]
    if unknown:
        raise InvalidInput(_("Unknown events: %(events)s") % {"events": ", ".join(unknown)}, field="events")
    return url, events


def _ensure_cursor() -> None:
    """The first webhook starts the cursor at the newest event: history is not replayed."""
    if not OutboxCursor.objects.filter(name=CURSOR).exists():
        last = DispatchEvent.objects.aggregate(m=Max("pk"))["m"] or 0
        OutboxCursor.objects.get_or_create(name=CURSOR, defaults={"last_id": last})


@transaction.atomic
def webhook_create(*, client: ApiClient, url: str, events=None, acting_user=None) -> Webhook:
    url, events = _clean(url, events)
    _ensure_cursor()
    hook = Webhook.objects.create(client=client, url=url, events=events, secret=secrets.token_hex(32))
    audit_record(actor=acting_user, unit=client.unit, verb="webhook.created", obj=hook, details={"url": url,
                                                                                                "events": events})
    return hook


@transaction.atomic
def webhook_deactivate(*, webhook: Webhook, acting_user=None) -> Webhook:
    if webhook.is_active:
        webhook.is_active = False
        webhook.save(update_fields=["is_active"])
        audit_record(actor=acting_user, unit=webhook.client.unit, verb="webhook.deactivated", obj=webhook)
    return webhook


# --- Outbox scan ----------------------------------------------------------------------------
def _payloads(event: DispatchEvent, incoming_ids: dict[int, int]) -> list[tuple[str, int, dict]]:
    """(event type, unit id to notify, data) for one dispatch event."""
    d = event.dispatch
    out = []
    base = {"dispatch_id": d.pk, "document_id": d.document_id, "sender": d.sender.code,
            "recipient": d.recipient.code, "kind": event.kind, "code": event.code, "at": event.at,
            "note": event.note}
    if event.kind in (EventKind.BUSINESS, EventKind.TRANSPORT):
        out.append((WebhookEvent.DISPATCH_STATUS, d.sender_id, base))
    if event.kind == EventKind.BUSINESS and event.code == StatusCode.ARRIVED:
        out.append((WebhookEvent.DOCUMENT_RECEIVED, d.recipient_id,
                    {"incoming_id": incoming_ids.get(d.pk), "document_id": d.document_id, "sender": d.sender.code,
                     "unit": d.recipient.code, "subject": d.document.subject,
                     "number_notation": d.document.number_notation, "at": event.at}))
    return out


def webhook_scan(*, limit: int | None = None, now=None) -> int:
    """Turn new dispatch events into webhook deliveries; returns how many deliveries were created."""
    limit = limit or _conf("WEBHOOK_SCAN_BATCH", 2000)
    now = now or timezone.now()
    horizon = now - timedelta(seconds=_conf("WEBHOOK_SCAN_LAG", 5))
    created_ids: list[int] = []
    with transaction.atomic():
        _ensure_cursor()
        cursor = OutboxCursor.objects.select_for_update().get(name=CURSOR)
        events = list(DispatchEvent.objects.filter(pk__gt=cursor.last_id).order_by("pk")
                      .select_related("dispatch__sender", "dispatch__recipient", "dispatch__document")[:limit])
        ready = []
        for e in events:
            if e.at > horizon:
                break
            ready.append(e)
        if not ready:
            return 0
        hooks_by_unit = defaultdict(list)
        for hook in Webhook.objects.filter(is_active=True, client__is_active=True).select_related("client"):
            hooks_by_unit[hook.client.unit_id].append(hook)
        if hooks_by_unit:
            arrived = [e.dispatch_id for e in ready if e.kind == EventKind.BUSINESS and e.code == StatusCode.ARRIVED]
            incoming_ids = dict(IncomingRecord.objects.filter(dispatch_id__in=arrived)
                                .values_list("dispatch_id", "pk")) if arrived else {}
            rows = []
            for e in ready:
                for event_type, unit_id, data in _payloads(e, incoming_ids):
                    for hook in hooks_by_unit.get(unit_id, ()):
                        if event_type in hook.events:
                            rows.append(WebhookDelivery(
                                webhook=hook, event=event_type, event_key=f"dispatchevent:{e.pk}:{event_type}",
                                payload=json.loads(json.dumps(data, cls=DjangoJSONEncoder))))
            WebhookDelivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
            keys = [r.event_key for r in rows]
            if keys:
                created_ids = list(WebhookDelivery.objects.filter(event_key__in=keys, state=DeliveryState.PENDING,
                                                                  enqueued_at__isnull=True)
                                   .values_list("pk", flat=True))
                WebhookDelivery.objects.filter(pk__in=created_ids).update(enqueued_at=now)
        cursor.last_id = ready[-1].pk
        cursor.save(update_fields=["last_id", "updated_at"])
        _enqueue(created_ids)
    return len(created_ids)


def webhook_sweep(*, now=None) -> int:
    """Re-enqueue deliveries that are due (a lost message, a worker killed mid-attempt)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=_conf("WEBHOOK_STUCK_AFTER", 120))
    with transaction.atomic():
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
    base, cap = _conf("WEBHOOK_BACKOFF_BASE", 10), _conf("WEBHOOK_BACKOFF_MAX", 3600)
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def webhook_deliver(*, delivery_id: int) -> float | None:
    """
    One attempt. Returns None when done (succeeded, failed for good, or not ours to try now),
    else the seconds after which to try again.
    """
    timeout = _conf("WEBHOOK_TIMEOUT", 10)
    now = timezone.now()
    with transaction.atomic():
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
        resp = requests.post(d.webhook.url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
        code = resp.status_code
        if not 200 <= code < 300:
            error = f"HTTP {code}"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
    elapsed = int((time.monotonic() - started) * 1000)
    done = timezone.now()
    with transaction.atomic():
        d = WebhookDelivery.objects.select_for_update(no_key=True).get(pk=d.pk)
        WebhookAttempt.objects.create(delivery=d, at=done, status_code=code, error=error, duration_ms=elapsed)
        d.attempts += 1
        d.last_status_code, d.last_error = code, error
        retry_in = None
        if not error:
            d.state, d.delivered_at, d.next_attempt_at = DeliveryState.SUCCEEDED, done, None
        elif d.attempts >= _conf("WEBHOOK_MAX_ATTEMPTS", 8):
            d.state, d.next_attempt_at = DeliveryState.FAILED, None
        else:
            retry_in = backoff(d.attempts)
            d.state, d.next_attempt_at = DeliveryState.RETRYING, done + timedelta(seconds=retry_in)
        d.save(update_fields=["attempts", "last_status_code", "last_error", "state", "delivered_at",
                              "next_attempt_at"])
    return retry_in
