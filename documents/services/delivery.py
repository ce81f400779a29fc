"""
Local delivery: the transport of units whose staff work in this portal. It turns pending
dispatches into the recipients' incoming records.

Design (docs/architecture.md, "Delivery"):
- A batch of dispatches is delivered in ONE transaction: lock the rows still undelivered
  (``skip_locked``: a concurrent run of the same batch skips them), create the incoming records,
  then the state machine (``dispatches``) writes the events (sending, delivered, status 01),
  the state and the audit rows in bulk; the recipients' clerks are notified. A crash anywhere
  rolls the whole batch back to ``pending``.
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
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.audit import audit_build, audit_bulk
from egov.core.db import copy_insert, service_atomic
from egov.core.notifications import Note, notifications_send
from units.choices import Role
from units.selectors import unit_members

from .. import messages as M
from ..choices import AttachmentKind, AuditVerb, BusinessType, EventKind, IncomingStatus, NotificationKind
from ..models import Attachment, Dispatch, DispatchEvent, Document, IncomingRecord
from ..transports import Transport
from .search import search_index_enqueue
from .dispatches import UNFINISHED, dispatches_delivered_in_bulk, dispatches_publish_failed, dispatches_requeue_stuck

__all__ = ["LocalTransport", "enqueue_local_delivery", "deliver_local_batch", "delivery_batch_size"]

log = logging.getLogger(__name__)


def _chunks(ids: list[int], size: int):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def delivery_batch_size(fan_out: int) -> int:
    """
    Recipients per delivery task. DELIVERY_BATCH_SIZE > 0 fixes it; 0 (the default) adapts to the
    fan-out (h17): the send is split into DELIVERY_PARALLEL_BATCHES batches so the worker
    processes share it, each between DELIVERY_BATCH_MIN and DELIVERY_BATCH_MAX dispatches (bigger
    batches pay fewer round trips; bench_exchange measures both ends).
    """
    if settings.DELIVERY_BATCH_SIZE > 0:
        return settings.DELIVERY_BATCH_SIZE
    share = -(-fan_out // max(1, settings.DELIVERY_PARALLEL_BATCHES))
    return max(settings.DELIVERY_BATCH_MIN, min(settings.DELIVERY_BATCH_MAX, share))


def enqueue_local_delivery(dispatch_ids: list[int]) -> None:
    """
    After the current transaction commits, enqueue delivery tasks in batches. ``robust``: if
    the broker is down the send still succeeds; the dispatches stay pending and the sweeper
    enqueues them once the broker is back.
    """
    if not dispatch_ids:
        return
    from ..tasks import deliver_local_batch_task

    ids = list(dispatch_ids)
    size = delivery_batch_size(len(ids))

    def _publish():
        chunks = list(_chunks(ids, size))
        for i, chunk in enumerate(chunks):
            try:
                deliver_local_batch_task.delay(chunk)
            except Exception:  # noqa: BLE001 - the broker is down: the send stands, the sweeper publishes
                # These (and the chunks not tried: the broker is gone for them too) are marked as
                # never published, so that the first sweep once the broker is back takes them,
                # without waiting for the queue to drain (h16: recovery within seconds).
                unsent = [pk for c in chunks[i:] for pk in c]
                log.warning("broker unavailable: %d dispatches left for the sweeper", len(unsent), exc_info=True)
                dispatches_publish_failed(unsent)
                return

    transaction.on_commit(_publish, robust=True)


class LocalTransport(Transport):
    """Units whose staff work in this portal: delivery is a database transaction."""

    name = "local"

    def handles(self, unit) -> bool:
        return unit.is_local

    def enqueue(self, dispatch_ids: list[int]) -> None:
        enqueue_local_delivery(dispatch_ids)

    def sweep(self, *, now) -> int:
        # h17 (docs/operations.md, "Recovery"): the batches held by workers whose heartbeat stopped,
        # and, when the delivery queue is empty, the unheld ones whose message the broker lost.
        from egov.core.queues import queue_length
        from egov.core.services import live_workers

        waiting = queue_length("delivery")
        with service_atomic():
            ids = dispatches_requeue_stuck(now=now, remote=False, live_workers=live_workers(),
                                           queue_empty=waiting == 0)
            enqueue_local_delivery(ids)
        return len(ids)


def _lock_undelivered(ids: list[int]):
    qs = Dispatch.objects.filter(pk__in=ids, state__in=UNFINISHED, is_remote=False).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, no_key=True)
    return list(qs.values("pk", "document_id", "recipient_id", "sender_id", "state"))


def deliver_local_batch(*, dispatch_ids: list[int]) -> int:
    """Deliver the given local dispatches that are not delivered yet. Returns how many were delivered."""
    with service_atomic():
        rows = _lock_undelivered(dispatch_ids)
        if not rows:
            return 0
        return _deliver_rows(rows)


def _deliver_rows(rows: list[dict]) -> int:
    now = timezone.now()
    ids = [r["pk"] for r in rows]
    # Belt and braces: a record may exist only if the dispatch is delivered; never create twice.
    existing = set(IncomingRecord.objects.filter(dispatch_id__in=ids).values_list("dispatch_id", flat=True))
    rows = [r for r in rows if r["pk"] not in existing]
    docs = Document.objects.in_bulk({r["document_id"] for r in rows})
    # The main file's signatures are checked once per document at receipt (the same bytes reach
    # every recipient); each record keeps that verification as its evidence.
    verifications = _receipt_verifications(docs)
    # One COPY for the batch (h17): no model instances, no per-row work but the values.
    copy_insert(IncomingRecord, [
        {"verification_id": verifications.get(r["document_id"]), "dispatch_id": r["pk"],
         "unit_id": r["recipient_id"], "document_id": r["document_id"], "sender_id": r["sender_id"],
         "status": IncomingStatus.ARRIVED, "urgency": docs[r["document_id"]].urgency, "arrived_at": now,
         "deadline": docs[r["document_id"]].due_date, "search_text": docs[r["document_id"]].search_text}
        for r in rows])
    dispatches_delivered_in_bulk(rows=rows, now=now)
    # Each recipient finds the document in its own search (after commit): this batch's records only.
    search_index_enqueue(docs, dispatch_ids=[r["pk"] for r in rows])
    # Notify the recipients' clerks: one query for all of them.
    by_unit = defaultdict(list)
    for r in rows:
        by_unit[r["recipient_id"]].append(r)
    notes = []
    for unit_id, user_id in unit_members(unit_ids=list(by_unit), roles=Role.CLERK):
        for r in by_unit[unit_id]:
            doc = docs[r["document_id"]]
            notes.append(Note(user_id=user_id, unit_id=unit_id, kind=NotificationKind.INCOMING_ARRIVED,
                              text=M.ARRIVED(number=doc.number_notation, subject=doc.subject),
                              object_type="dispatch", object_id=r["pk"]))
    notifications_send(notes)
    followups = [d for d in docs.values() if d.business_type in (BusinessType.REVOCATION, BusinessType.REPLACEMENT)]
    for doc in followups:
        _apply_followup(doc, [r["recipient_id"] for r in rows if r["document_id"] == doc.pk], now)
    return len(rows)


def _receipt_verifications(docs: dict) -> dict:
    """
    The verification at receipt of each document's main file: created (and queued) by the first
    batch that delivers the document, shared by every later batch. The first batch holds the
    main file's row until it commits, so a concurrent batch of the same document waits for it
    and reuses its verification instead of checking the same bytes again (h17).
    """
    from .drafting import verification_queue

    fields = ("document_id", "file", "original_name", "sha256", "size", "receipt_verification_id")
    mains = Attachment.objects.filter(document_id__in=list(docs), kind=AttachmentKind.MAIN)
    found = {a.document_id: a.receipt_verification_id for a in mains.only(*fields)
             if a.receipt_verification_id is not None}
    missing = [pk for pk in docs if pk not in found]
    if missing:
        for a in mains.filter(document_id__in=missing).select_for_update(no_key=True).order_by("pk").only(*fields):
            if a.receipt_verification_id is None:
                v = verification_queue(storage_name=a.file.name, filename=a.original_name, sha256=a.sha256,
                                       size=a.size)
                Attachment.objects.filter(pk=a.pk).update(receipt_verification=v)
                a.receipt_verification_id = v.pk
            found[a.document_id] = a.receipt_verification_id
    return found


def _apply_followup(doc, recipient_ids: list[int], now) -> None:
    """
    A revocation (or replacement) reached its recipients: their incoming record of the earlier
    document is cancelled and the sender is told (an event on the earlier dispatch).
    """
    earlier = (IncomingRecord.objects.select_for_update(no_key=True)
               .filter(document_id=doc.related_document_id, unit_id__in=recipient_ids)
               .exclude(status=IncomingStatus.CANCELLED))
    if doc.business_type == BusinessType.REVOCATION:
        reason_msg = M.NOTE_REVOKED(number=doc.number_notation)
    else:
        reason_msg = M.NOTE_REPLACED(number=doc.number_notation)
    fields = DispatchEvent.note_fields(reason_msg)
    reason = fields["note"]  # in the portal's language, for the record's cancel reason and the audit
    affected = list(earlier.values_list("pk", "dispatch_id", "unit_id"))
    if not affected:
        return
    IncomingRecord.objects.filter(pk__in=[a[0] for a in affected]).update(
        status=IncomingStatus.CANCELLED, cancelled_at=now, cancel_reason=reason[:500])
    DispatchEvent.objects.bulk_create([
        DispatchEvent(dispatch_id=dispatch_id, kind=EventKind.NOTE, code="cancelled", at=now,
                      actor_name=_("System"), **fields) for _pk, dispatch_id, _u in affected])
    audit_bulk(audit_build(verb=AuditVerb.INCOMING_CANCELLED, unit_id=unit_id, object_type="documents.incomingrecord",
                           object_id=pk, details={"reason": reason, "by_document": doc.pk})
               for pk, _d, unit_id in affected)
    # Tell the sender's clerks once, and the recipients' clerks about their own record.
    units = {pk: unit_id for pk, _d, unit_id in affected}
    text = M.FOLLOWUP(reason=reason_msg, subject=doc.subject)
    notes = []
    for unit_id, user_id in unit_members(unit_ids={doc.owner_unit_id, *units.values()}, roles=Role.CLERK):
        if unit_id == doc.owner_unit_id:
            notes.append(Note(user_id=user_id, unit_id=unit_id, kind=NotificationKind.FOLLOWUP_APPLIED, text=text,
                              object_type="document", object_id=doc.related_document_id))
        notes += [Note(user_id=user_id, unit_id=unit_id, kind=NotificationKind.INCOMING_CANCELLED, text=text,
                       object_type="incoming", object_id=pk) for pk, u in units.items() if u == unit_id]
    notifications_send(notes)
