"""
The outbox scan behind webhooks (no change to the delivery services): every DispatchEvent row
is append-only and has an increasing id. A beat task (``webhook_scan_task``) reads the rows
after a cursor (``OutboxCursor``), turns them into webhook deliveries for the units concerned
(``egov.core.api.webhooks.webhook_deliveries_queue``: unique per webhook and event, so a
re-scan is harmless), advances the cursor in the same transaction, and the deliveries are
enqueued after commit. Bulk-created events (delivery creates them with ``bulk_create``, which
sends no signals) are seen like any other.

To avoid skipping an event whose transaction commits after a later id was scanned, the scan
stops at the first event younger than WEBHOOK_SCAN_LAG seconds. The cursor starts at the
events that existed when the first webhook was registered: history is not replayed.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from egov.core.api.models import OutboxCursor, WebhookEvent
from egov.core.api.webhooks import first_webhook_created_at, webhook_deliveries_queue
from egov.core.db import service_atomic

from .choices import EventKind, StatusCode
from .models import DispatchEvent, IncomingRecord

__all__ = ["webhook_scan"]

CURSOR = "dispatch_events"


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


def _cursor(first_hook_at) -> OutboxCursor:
    cursor = OutboxCursor.objects.select_for_update().filter(name=CURSOR).first()
    if cursor is None:
        last = DispatchEvent.objects.filter(at__lt=first_hook_at).aggregate(m=Max("pk"))["m"] or 0
        OutboxCursor.objects.get_or_create(name=CURSOR, defaults={"last_id": last})
        cursor = OutboxCursor.objects.select_for_update().get(name=CURSOR)
    return cursor


def webhook_scan(*, limit: int | None = None, now=None) -> int:
    """Turn new dispatch events into webhook deliveries; returns how many deliveries were created."""
    limit = limit or settings.WEBHOOK_SCAN_BATCH
    now = now or timezone.now()
    first_hook_at = first_webhook_created_at()
    if first_hook_at is None:
        return 0
    horizon = now - timedelta(seconds=settings.WEBHOOK_SCAN_LAG)
    with service_atomic():
        cursor = _cursor(first_hook_at)
        events = list(DispatchEvent.objects.filter(pk__gt=cursor.last_id).order_by("pk")
                      .select_related("dispatch__sender", "dispatch__recipient", "dispatch__document")[:limit])
        ready = []
        for e in events:
            if e.at > horizon:
                break
            ready.append(e)
        if not ready:
            return 0
        arrived = [e.dispatch_id for e in ready if e.kind == EventKind.BUSINESS and e.code == StatusCode.ARRIVED]
        incoming_ids = dict(IncomingRecord.objects.filter(dispatch_id__in=arrived)
                            .values_list("dispatch_id", "pk")) if arrived else {}
        entries = [(unit_id, event_type, f"dispatchevent:{e.pk}:{event_type}", data)
                   for e in ready for event_type, unit_id, data in _payloads(e, incoming_ids)]
        created_ids = webhook_deliveries_queue(entries, now=now)
        cursor.last_id = ready[-1].pk
        cursor.save(update_fields=["last_id", "updated_at"])
    return len(created_ids)
