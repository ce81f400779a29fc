"""
Local delivery: turning pending dispatches into the recipients' incoming records.

Design (docs/architecture.md, "Delivery"):
- A batch of dispatches is delivered in ONE transaction: lock the rows still undelivered
  (``skip_locked``: a concurrent run of the same batch skips them), create the incoming records,
  the events (sending, delivered, status 01), notifications and audit rows in bulk, and mark the
  dispatches delivered. A crash anywhere rolls the whole batch back to ``pending``.
- ``IncomingRecord.dispatch`` is unique: even a second delivery that somehow got past the state
  check could not create a second record.
- Failures: the batch is retried per dispatch; a dispatch that fails goes to ``retrying`` with
  exponential backoff and jitter, and to ``failed`` after DELIVERY_MAX_ATTEMPTS.
- The sweeper (Celery beat) re-enqueues dispatches whose delivery was asked for longer than
  DELIVERY_STUCK_AFTER seconds ago and retrying dispatches that are due, so nothing depends on
  the broker keeping a message.
"""
from __future__ import annotations

import logging
import random
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from units.choices import Role
from units.models import Membership

from ..choices import BusinessType, DeliveryState, EventKind, IncomingStatus, StatusCode
from ..models import AuditEvent, Dispatch, DispatchEvent, IncomingRecord, Notification

__all__ = [
    "enqueue_local_delivery",
    "deliver_local_batch",
    "dispatch_record_failure",
    "dispatch_sweep",
    "backoff_seconds",
]

log = logging.getLogger(__name__)
UNFINISHED = (DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.RETRYING)


def _conf(name: str, default):
    return getattr(settings, name, default)


def _chunks(ids: list[int], size: int):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def enqueue_local_delivery(dispatch_ids: list[int]) -> None:
    """
    After the current transaction commits, enqueue delivery tasks in batches. ``robust``: if
    the broker is down the send still succeeds; the dispatches stay pending and the sweeper
    enqueues them once the broker is back.
    """
    if not dispatch_ids:
        return
    from ..tasks import deliver_local_batch_task

    size = _conf("DELIVERY_BATCH_SIZE", 100)
    ids = list(dispatch_ids)

    def _publish():
        for chunk in _chunks(ids, size):
            deliver_local_batch_task.delay(chunk)

    transaction.on_commit(_publish, robust=True)


def _lock_undelivered(ids: list[int]):
    qs = Dispatch.objects.filter(pk__in=ids, state__in=UNFINISHED, is_remote=False).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, no_key=True)
    return list(qs.values("pk", "document_id", "recipient_id", "sender_id", "state"))


def deliver_local_batch(*, dispatch_ids: list[int]) -> int:
    """Deliver the given local dispatches that are not delivered yet. Returns how many were delivered."""
    with transaction.atomic():
        rows = _lock_undelivered(dispatch_ids)
        if not rows:
            return 0
        return _deliver_rows(rows)


def _deliver_rows(rows: list[dict]) -> int:
    from ..models import Document

    now = timezone.now()
    ids = [r["pk"] for r in rows]
    # Belt and braces: a record may exist only if the dispatch is delivered; never create twice.
    existing = set(IncomingRecord.objects.filter(dispatch_id__in=ids).values_list("dispatch_id", flat=True))
    rows = [r for r in rows if r["pk"] not in existing]
    docs = Document.objects.in_bulk({r["document_id"] for r in rows})
    # The main file's signatures are checked once per document and batch at receipt (the same
    # bytes reach every recipient); each record keeps that verification as its evidence.
    verifications = _receipt_verifications(docs)
    records = []
    for r in rows:
        doc = docs[r["document_id"]]
        records.append(IncomingRecord(verification=verifications.get(doc.pk),
            dispatch_id=r["pk"], unit_id=r["recipient_id"], document_id=doc.pk, sender_id=r["sender_id"],
            status=IncomingStatus.ARRIVED, urgency=doc.urgency, arrived_at=now, deadline=doc.due_date,
            search_text=doc.search_text,
        ))
    IncomingRecord.objects.bulk_create(records, batch_size=1000)
    events = []
    for r in rows:
        events.append(DispatchEvent(dispatch_id=r["pk"], kind=EventKind.TRANSPORT, code=DeliveryState.SENDING, at=now))
        events.append(DispatchEvent(dispatch_id=r["pk"], kind=EventKind.TRANSPORT, code=DeliveryState.DELIVERED,
                                    at=now))
        events.append(DispatchEvent(dispatch_id=r["pk"], kind=EventKind.BUSINESS, code=StatusCode.ARRIVED, at=now,
                                    actor_name=_("System")))
    DispatchEvent.objects.bulk_create(events, batch_size=3000)
    delivered_ids = [r["pk"] for r in rows]
    Dispatch.objects.filter(pk__in=delivered_ids).update(
        state=DeliveryState.DELIVERED, delivered_at=now, attempts=F("attempts") + 1, state_reason="", last_error="",
        status_code=StatusCode.ARRIVED, status_at=now, status_by=_("System"), next_attempt_at=None,
    )
    # Notify the recipients' clerks: one query for all of them.
    by_unit = defaultdict(list)
    for r in rows:
        by_unit[r["recipient_id"]].append(r)
    clerks = Membership.objects.filter(unit_id__in=list(by_unit), role=Role.CLERK, is_active=True).values_list(
        "unit_id", "user_id")
    notes = []
    for unit_id, user_id in clerks:
        for r in by_unit[unit_id]:
            doc = docs[r["document_id"]]
            notes.append(Notification(user_id=user_id, unit_id=unit_id, kind="incoming.arrived",
                                      text=(_("New incoming document %(number)s: %(subject)s")
                                            % {"number": doc.number_notation, "subject": doc.subject})[:500],
                                      object_type="dispatch", object_id=r["pk"]))
    Notification.objects.bulk_create(notes, batch_size=1000)
    AuditEvent.objects.bulk_create(
        [AuditEvent(unit_id=r["recipient_id"], verb="document.delivered", object_type="documents.dispatch",
                    object_id=str(r["pk"]), details={"document": r["document_id"]}) for r in rows],
        batch_size=1000,
    )
    followups = [d for d in docs.values() if d.business_type in (BusinessType.REVOCATION, BusinessType.REPLACEMENT)]
    for doc in followups:
        _apply_followup(doc, [r["recipient_id"] for r in rows if r["document_id"] == doc.pk], now)
    return len(rows)


def _receipt_verifications(docs: dict) -> dict:
    from ..choices import AttachmentKind
    from ..models import Attachment
    from .drafting import verification_queue

    mains = Attachment.objects.filter(document_id__in=list(docs), kind=AttachmentKind.MAIN).only(
        "document_id", "file", "original_name", "sha256", "size")
    return {a.document_id: verification_queue(storage_name=a.file.name, filename=a.original_name, sha256=a.sha256,
                                              size=a.size) for a in mains}


def _apply_followup(doc, recipient_ids: list[int], now) -> None:
    """
    A revocation (or replacement) reached its recipients: their incoming record of the earlier
    document is cancelled and the sender is told (an event on the earlier dispatch).
    """
    earlier = (IncomingRecord.objects.select_for_update(no_key=True)
               .filter(document_id=doc.related_document_id, unit_id__in=recipient_ids)
               .exclude(status=IncomingStatus.CANCELLED))
    if doc.business_type == BusinessType.REVOCATION:
        reason = _("Revoked by %(number)s") % {"number": doc.number_notation}
    else:
        reason = _("Replaced by %(number)s") % {"number": doc.number_notation}
    affected = list(earlier.values_list("pk", "dispatch_id"))
    if not affected:
        return
    IncomingRecord.objects.filter(pk__in=[a[0] for a in affected]).update(
        status=IncomingStatus.CANCELLED, cancelled_at=now, cancel_reason=reason[:500])
    DispatchEvent.objects.bulk_create([
        DispatchEvent(dispatch_id=dispatch_id, kind=EventKind.NOTE, code="cancelled", at=now,
                      actor_name=_("System"), note=reason) for _pk, dispatch_id in affected])
    AuditEvent.objects.bulk_create([
        AuditEvent(verb="incoming.cancelled", object_type="documents.incomingrecord", object_id=str(pk),
                   details={"reason": reason, "by_document": doc.pk}) for pk, _d in affected])
    # Tell the sender's clerks once, and the recipients' clerks about their own record.
    units = dict(IncomingRecord.objects.filter(pk__in=[a[0] for a in affected]).values_list("pk", "unit_id"))
    clerks = Membership.objects.filter(role=Role.CLERK, is_active=True,
                                       unit_id__in={doc.owner_unit_id, *units.values()}).values_list("unit_id",
                                                                                                      "user_id")
    text = (_("%(reason)s: %(subject)s") % {"reason": reason, "subject": doc.subject})[:500]
    notes = []
    for unit_id, user_id in clerks:
        if unit_id == doc.owner_unit_id:
            notes.append(Notification(user_id=user_id, unit_id=unit_id, kind="document.followup_applied", text=text,
                                      object_type="document", object_id=doc.related_document_id))
        notes += [Notification(user_id=user_id, unit_id=unit_id, kind="incoming.cancelled", text=text,
                               object_type="incoming", object_id=pk) for pk, u in units.items() if u == unit_id]
    Notification.objects.bulk_create(notes)


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with full jitter, capped: base·2^(n-1) ± jitter, at most DELIVERY_BACKOFF_MAX."""
    base = _conf("DELIVERY_BACKOFF_BASE", 5)
    cap = _conf("DELIVERY_BACKOFF_MAX", 3600)
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return delay / 2 + random.uniform(0, delay / 2)


def dispatch_record_failure(*, dispatch_id: int, error: str) -> str:
    """Count a failed attempt: ``retrying`` with a due time, or ``failed`` once attempts run out."""
    max_attempts = _conf("DELIVERY_MAX_ATTEMPTS", 8)
    with transaction.atomic():
        d = Dispatch.objects.select_for_update(no_key=True).filter(pk=dispatch_id, state__in=UNFINISHED).first()
        if d is None:
            return ""
        now = timezone.now()
        d.attempts += 1
        d.last_error = error[:4000]
        if d.attempts >= max_attempts:
            d.state, d.next_attempt_at = DeliveryState.FAILED, None
            d.state_reason = _("Delivery failed after %(n)d attempts") % {"n": d.attempts}
        else:
            d.state = DeliveryState.RETRYING
            d.next_attempt_at = now + timedelta(seconds=backoff_seconds(d.attempts))
        d.save(update_fields=["attempts", "last_error", "state", "next_attempt_at", "state_reason"])
        DispatchEvent.objects.create(dispatch=d, kind=EventKind.TRANSPORT, code=d.state, at=now,
                                     actor_name=_("System"), note=error[:1000])
        if d.state == DeliveryState.FAILED:
            clerks = Membership.objects.filter(unit_id=d.sender_id, role=Role.CLERK, is_active=True).values_list(
                "user_id", flat=True)
            Notification.objects.bulk_create([
                Notification(user_id=u, unit_id=d.sender_id, kind="dispatch.failed", object_type="dispatch",
                             object_id=d.pk, text=_("Delivery of a document failed; a clerk can retry it."))
                for u in clerks])
        return d.state


def dispatch_sweep(*, now=None) -> int:
    """
    Re-enqueue local dispatches whose delivery was asked for more than DELIVERY_STUCK_AFTER
    seconds ago and is still not done (worker killed, broker down, message lost), and retrying
    dispatches that are due. Claims rows with ``skip_locked`` so concurrent sweepers split the work.
    """
    now = now or timezone.now()
    stuck_before = now - timedelta(seconds=_conf("DELIVERY_STUCK_AFTER", 60))
    limit = _conf("DELIVERY_SWEEP_LIMIT", 5000)
    with transaction.atomic():
        qs = (Dispatch.objects.filter(is_remote=False)
              .filter(Q(state__in=[DeliveryState.PENDING, DeliveryState.SENDING])
                      & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stuck_before))
                      | Q(state=DeliveryState.RETRYING, next_attempt_at__lte=now)
                      & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=F("next_attempt_at"))))
              .order_by("pk"))
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, no_key=True)
        ids = list(qs.values_list("pk", flat=True)[:limit])
        if not ids:
            return 0
        Dispatch.objects.filter(pk__in=ids).update(enqueued_at=now)
        enqueue_local_delivery(ids)
    log.info("sweeper re-enqueued %d dispatches", len(ids))
    return len(ids)
