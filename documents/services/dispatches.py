"""
The dispatch state machine: the one module that writes ``Dispatch.state`` (and the business
status fields). docs/architecture.md, "Delivery".

    pending ──► sending ──► delivered                 (+ business statuses 01–16 reported back)
       ▲           │
       │           └──► retrying ──(attempts exhausted / permanent fault)──► failed
       └── requeued by the sweeper (state unchanged) · retried by a clerk (failed → pending)

Every transition writes its ``DispatchEvent`` row, its audit row and, where someone must act,
its notification, in the caller's transaction (each function runs as a service: durable when
called on its own, part of the caller's transaction inside another service). Transports
(``documents.transports``) call these functions to report what happened; they never write the
state themselves.
"""
from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.audit import audit_build, audit_bulk, audit_copy, audit_record
from egov.core.db import copy_insert, copy_insert_objects, service, service_atomic
from egov.core.errors import StateError
from egov.core.messages import Label, Msg
from egov.core.notifications import notification_send
from egov.core.text import actor_display
from units.choices import Role
from units.models import Unit
from units.permissions import require_role
from units.selectors import unit_members

from ..choices import AuditVerb, DeliveryState, EventKind, NotificationKind, StatusCode
from .. import messages as M
from ..models import Dispatch, DispatchEvent, Document
from ..transports import transport_for, transports, transports_enqueue

__all__ = [
    "UNFINISHED",
    "NO_TRANSPORT_REASON",
    "REQUEUED",
    "backoff_seconds",
    "dispatches_create",
    "dispatches_delivered_in_bulk",
    "dispatches_publish_failed",
    "dispatch_sending",
    "dispatch_delivered",
    "dispatch_record_failure",
    "dispatch_retry",
    "dispatches_requeue_stuck",
    "dispatches_claim",
    "dispatch_sweep",
    "status_emit",
]

log = logging.getLogger(__name__)
UNFINISHED = (DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.RETRYING)
NO_TRANSPORT_REASON = "no transport yet"
REQUEUED = "requeued"  # code of the transport event a sweeper's re-enqueue writes (the state is unchanged)


def _system() -> str:
    return _("System")


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with full jitter, capped: base·2^(n-1), half of it random, at most DELIVERY_BACKOFF_MAX."""
    delay = min(settings.DELIVERY_BACKOFF_MAX, settings.DELIVERY_BACKOFF_BASE * (2 ** max(0, attempt - 1)))
    return delay / 2 + random.uniform(0, delay / 2)


# --- creation: → pending ---------------------------------------------------------------------

@service
def dispatches_create(*, document: Document, sender: Unit, targets: Sequence[tuple[Unit, Unit | None]],
                      verb, acting_user=None, actor_name: str = "", note: str = "", details: dict | None = None,
                      now=None) -> list[Dispatch]:
    """
    One ``pending`` dispatch per ``(recipient, addressed_to)`` target, its first event and one
    audit row (``verb``: the action that created them, e.g. a send or a received package), then
    each dispatch is handed to the transport registered for its recipient (published after
    commit). A recipient no transport reaches stays pending with the reason "no transport yet".
    """
    now = now or timezone.now()
    who = actor_name or actor_display(acting_user)
    carriers = {t.pk: transport_for(t) for t, _a in targets}
    new = [Dispatch(document=document, recipient=target, addressed_to=addressed, sender=sender,
                    is_remote=not target.is_local, state=DeliveryState.PENDING,
                    state_reason="" if carriers[target.pk] is not None else NO_TRANSPORT_REASON,
                    enqueued_at=now if carriers[target.pk] is not None else None)
           for target, addressed in targets]
    dispatches = copy_insert_objects(Dispatch, new)  # one COPY with ids from the sequence (h17)
    if any(d.pk is None for d in dispatches):  # backends that cannot return ids
        dispatches = list(Dispatch.objects.filter(document=document, recipient_id__in=[d.recipient_id for d in new]))
    actor_id = acting_user.pk if getattr(acting_user, "is_authenticated", False) else None
    copy_insert(DispatchEvent, [  # one COPY, no model instances
        {"dispatch_id": d.pk, "kind": EventKind.TRANSPORT, "code": DeliveryState.PENDING, "at": now,
         "actor_id": actor_id, "actor_name": who,
         **DispatchEvent.note_fields((M.NOTE_ADDRESSEE_GONE(name=d.addressed_to.name)
                                      if d.addressed_to_id else "") or note or d.state_reason)}
        for d in dispatches])
    audit_record(actor=acting_user, unit=sender, verb=verb,
                 obj=document, details={"dispatches": len(dispatches), **(details or {})})
    transports_enqueue((d.pk, carriers[d.recipient_id]) for d in dispatches)
    return dispatches


# --- local delivery in bulk: pending → sending → delivered (+ 01) --------------------------------

def dispatches_delivered_in_bulk(*, rows: list[dict], now) -> None:
    """
    The dispatches of ``rows`` (dicts with pk, recipient_id, document_id, locked by the caller)
    were delivered locally in the caller's transaction: their events, the state, and one audit
    row each, with one statement per table (COPY on PostgreSQL, h17).

    A local delivery goes from ``pending`` to ``delivered`` inside one transaction: nobody can
    ever see it ``sending``, so it writes two events, ``delivered`` and the business status 01
    (a remote transport, which really waits for the other side, still writes ``sending``).
    """
    if not rows:
        return
    system = _system()
    events = []
    for r in rows:
        events += [{"dispatch_id": r["pk"], "kind": EventKind.TRANSPORT, "code": DeliveryState.DELIVERED, "at": now},
                   {"dispatch_id": r["pk"], "kind": EventKind.BUSINESS, "code": StatusCode.ARRIVED, "at": now,
                    "actor_name": system}]
    copy_insert(DispatchEvent, events)
    Dispatch.objects.filter(pk__in=[r["pk"] for r in rows]).update(
        state=DeliveryState.DELIVERED, delivered_at=now, attempts=F("attempts") + 1, state_reason="", last_error="",
        status_code=StatusCode.ARRIVED, status_at=now, status_by=system, next_attempt_at=None,
    )
    audit_copy({"verb": AuditVerb.DISPATCH_DELIVERED, "unit_id": r["recipient_id"], "at": now,
                "object_type": "documents.dispatch", "object_id": r["pk"],
                "details": {"document": r["document_id"], "transport": "local"}} for r in rows)
    # A document that came from a unit served elsewhere: its 01 travels back to the sender's system.
    remote = set(Unit.objects.filter(pk__in={r["sender_id"] for r in rows}, is_local=False).values_list("pk", flat=True))
    if remote:
        forwarded = {r["pk"]: r["sender_id"] for r in rows if r["sender_id"] in remote}
        senders = Unit.objects.in_bulk(remote)
        for event in DispatchEvent.objects.filter(dispatch_id__in=list(forwarded), kind=EventKind.BUSINESS,
                                                  code=StatusCode.ARRIVED, at=now):
            _forward(event, senders[forwarded[event.dispatch_id]])


# --- one dispatch at a time (remote transports) ------------------------------------------------

def _locked(dispatch_id: int, states=UNFINISHED) -> Dispatch | None:
    return (Dispatch.objects.select_for_update(no_key=True).filter(pk=dispatch_id, state__in=states)
            .select_related("sender", "recipient").first())


@service
def dispatch_sending(*, dispatch_id: int, actor_name: str = "", note: str = "") -> bool:
    """An attempt to carry the dispatch started (pending/retrying → sending). False if it is already finished."""
    d = _locked(dispatch_id)
    if d is None:
        return False
    now = timezone.now()
    if d.state != DeliveryState.SENDING:
        d.state = DeliveryState.SENDING
        d.save(update_fields=["state"])
    DispatchEvent.objects.create(dispatch=d, kind=EventKind.TRANSPORT, code=DeliveryState.SENDING, at=now,
                                 actor_name=(actor_name or _system())[:200], **DispatchEvent.note_fields(note))
    audit_record(actor=None, unit=d.sender, verb=AuditVerb.DISPATCH_SENDING, obj=d, details={"note": str(note)[:500]})
    return True


@service
def dispatch_delivered(*, dispatch_id: int, actor_name: str = "", note: str = "") -> bool:
    """The recipient's system took the dispatch (→ delivered). False if it was already finished."""
    d = _locked(dispatch_id)
    if d is None:
        return False
    now = timezone.now()
    d.state, d.delivered_at, d.next_attempt_at, d.last_error, d.state_reason = (
        DeliveryState.DELIVERED, now, None, "", "")
    d.attempts += 1
    d.save(update_fields=["state", "delivered_at", "next_attempt_at", "last_error", "state_reason", "attempts"])
    DispatchEvent.objects.create(dispatch=d, kind=EventKind.TRANSPORT, code=DeliveryState.DELIVERED, at=now,
                                 actor_name=(actor_name or _system())[:200], **DispatchEvent.note_fields(note))
    audit_record(actor=None, unit=d.recipient if d.recipient.is_local else d.sender, verb=AuditVerb.DISPATCH_DELIVERED,
                 obj=d, details={"document": d.document_id, "note": str(note)[:500]})
    return True


@service
def dispatch_record_failure(*, dispatch_id: int, error: str | Msg, permanent: bool = False, actor_name: str = "",
                            notify_text: str | Msg = "", reopen_delivered: bool = False) -> str:
    """
    A failed attempt: ``retrying`` with a due time (backoff with jitter), or ``failed`` when
    the attempts run out or the failure is ``permanent`` (the recipient's system refused the
    package); a failure notifies the sender's clerks. Returns the new state ("" if finished already).
    ``reopen_delivered`` (with ``permanent``): a store-and-forward hub that had taken the package
    reports later that the recipient's system refused it (axis reconciliation): delivered → failed.
    ``error`` and ``notify_text`` are a peer's own words (str) or a ``Msg``: the timeline note and
    the notification show it in the reader's language; ``last_error`` keeps the portal's language.
    """
    d = _locked(dispatch_id, states=(*UNFINISHED, DeliveryState.DELIVERED) if reopen_delivered and permanent
                else UNFINISHED)
    if d is None:
        return ""
    now = timezone.now()
    d.attempts += 1
    note = DispatchEvent.note_fields(error)
    error = error if isinstance(error, str) else note["note"]
    d.last_error = error[:4000]
    if permanent or d.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        d.state, d.next_attempt_at = DeliveryState.FAILED, None
        d.state_reason = (error if permanent else
                          _("Delivery failed after %(n)d attempts") % {"n": d.attempts})[:255]
    else:
        d.state = DeliveryState.RETRYING
        d.next_attempt_at = now + timedelta(seconds=backoff_seconds(d.attempts))
    d.save(update_fields=["attempts", "last_error", "state", "next_attempt_at", "state_reason"])
    DispatchEvent.objects.create(dispatch=d, kind=EventKind.TRANSPORT, code=d.state, at=now,
                                 actor_name=(actor_name or _system())[:200], **note)
    failed = d.state == DeliveryState.FAILED
    audit_record(actor=None, unit=d.sender, verb=AuditVerb.DISPATCH_FAILED if failed else AuditVerb.DISPATCH_RETRYING,
                 obj=d, details={"attempts": d.attempts, "error": error[:500], "permanent": permanent})
    if failed:
        notification_send(user_ids=[u for _unit, u in unit_members(unit_ids=[d.sender_id], roles=Role.CLERK)],
                          kind=NotificationKind.DISPATCH_FAILED, unit_id=d.sender_id, object_type="dispatch",
                          object_id=d.pk,
                          text=notify_text or M.DISPATCH_FAILED())
    return d.state


@service
def dispatch_retry(*, dispatch: Dispatch, acting_user) -> Dispatch:
    """A clerk of the sending unit puts a failed dispatch back in the queue (failed → pending)."""
    d = Dispatch.objects.select_for_update(no_key=True).select_related("sender", "recipient").get(pk=dispatch.pk)
    require_role(user=acting_user, unit=d.sender, roles=(Role.CLERK,))
    if d.state != DeliveryState.FAILED:
        raise StateError(_("Only a failed delivery can be retried."))
    now = timezone.now()
    d.state, d.next_attempt_at, d.enqueued_at, d.attempts = DeliveryState.PENDING, None, now, 0
    d.save(update_fields=["state", "next_attempt_at", "enqueued_at", "attempts"])
    DispatchEvent.objects.create(dispatch=d, kind=EventKind.TRANSPORT, code=DeliveryState.PENDING, at=now,
                                 actor=acting_user, actor_name=actor_display(acting_user),
                                 **DispatchEvent.note_fields(M.NOTE_RETRIED()))
    audit_record(actor=acting_user, unit=d.sender, verb=AuditVerb.DISPATCH_RETRIED, obj=d)
    transports_enqueue([(d.pk, transport_for(d.recipient))])
    return d


# --- the sweeper -------------------------------------------------------------------------------

def dispatches_claim(*, dispatch_ids: list[int], worker: str, now=None) -> int:
    """
    A worker took the message of these dispatches: it holds them (``claimed_by``) while its
    heartbeat is fresh. Committed on its own, before the delivery transaction, so the sweeper
    sees who holds what; rows being delivered right now (locked) are skipped. Not a state change.
    """
    if not dispatch_ids:
        return 0
    now = now or timezone.now()
    table = Dispatch._meta.db_table
    lock = " FOR NO KEY UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    placeholders = ",".join(["%s"] * len(dispatch_ids))
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} SET claimed_by = %s, claimed_at = %s WHERE id IN ("
            f"SELECT id FROM {table} WHERE id IN ({placeholders}) AND state IN (%s, %s, %s){lock})",
            [worker[:255], now, *dispatch_ids, *UNFINISHED])
        return cur.rowcount


def dispatches_publish_failed(dispatch_ids) -> int:
    """
    The messages of these dispatches could not be published (the broker is down): they are
    marked as never enqueued (``enqueued_at`` empty) unless a worker already holds them, so that
    the sweeper's first run once the broker is back re-enqueues them. Not a state change (no
    event, no audit row): the dispatch stays pending. If the database is down too, the sweeper
    still finds them as lost after DELIVERY_LOST_AFTER seconds.
    """
    ids = list(dispatch_ids)
    try:
        return Dispatch.objects.filter(pk__in=ids, claimed_by="", state__in=UNFINISHED).update(enqueued_at=None)
    except DatabaseError:
        log.warning("could not mark %d unpublished dispatches", len(ids), exc_info=True)
        return 0


def dispatches_requeue_stuck(*, now, remote: bool = False, limit: int | None = None,
                             live_workers: set[str] | None = None, queue_empty: bool = False) -> list[int]:
    """
    Claim dispatches whose delivery is not done and whose message is gone, and retrying ones
    that are due; stamp them, drop their lease, and write a ``requeued`` event and an audit row
    each. "Gone" (docs/operations.md, "Recovery"):
    - held by a worker that is not in ``live_workers`` (its heartbeat stopped: killed, crashed);
    - held by nobody, enqueued DELIVERY_LOST_AFTER seconds ago, while the delivery queue is
      empty (``queue_empty``: the broker lost the message, e.g. restarted empty);
    - and, whatever else, enqueued more than DELIVERY_STUCK_AFTER seconds ago (the safety net).
    Rows are claimed with SKIP LOCKED (a batch being delivered is locked, so it is never taken)
    and concurrent sweepers split the work. Returns the ids to enqueue again (the caller, a
    transport's sweep, enqueues them).
    """
    stuck_before = now - timedelta(seconds=settings.DELIVERY_STUCK_AFTER)
    limit = limit or settings.DELIVERY_SWEEP_LIMIT
    waiting = Q(state__in=[DeliveryState.PENDING, DeliveryState.SENDING])
    gone = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stuck_before)
    if live_workers is not None:
        gone |= ~Q(claimed_by="") & ~Q(claimed_by__in=sorted(live_workers))
    if queue_empty:
        gone |= Q(claimed_by="", enqueued_at__lt=now - timedelta(seconds=settings.DELIVERY_LOST_AFTER))
    with service_atomic():
        qs = (Dispatch.objects.filter(is_remote=remote)
              .filter(waiting & gone
                      | Q(state=DeliveryState.RETRYING, next_attempt_at__lte=now)
                      & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=F("next_attempt_at"))))
              .exclude(state_reason=NO_TRANSPORT_REASON)
              .order_by("pk"))
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, no_key=True)
        rows = list(qs.values_list("pk", "sender_id", "state")[:limit])
        if not rows:
            return []
        ids = [pk for pk, _s, _st in rows]
        Dispatch.objects.filter(pk__in=ids).update(enqueued_at=now, claimed_by="", claimed_at=None)
        DispatchEvent.objects.bulk_create(
            [DispatchEvent(dispatch_id=pk, kind=EventKind.TRANSPORT, code=REQUEUED, at=now, actor_name=_system(),
                           **DispatchEvent.note_fields(M.NOTE_REQUEUED(state=Label(M.DELIVERY_STATE, state))))
             for pk, _s, state in rows], batch_size=1000)
        audit_bulk(audit_build(verb=AuditVerb.DISPATCH_REQUEUED, unit_id=sender_id, object_type="documents.dispatch",
                               object_id=pk, details={"state": state}) for pk, sender_id, state in rows)
    log.info("sweeper re-enqueued %d dispatches", len(ids))
    return ids


def dispatch_sweep(*, now=None) -> int:
    """Beat: every transport re-enqueues what was left behind. Returns the total."""
    now = now or timezone.now()
    total = 0
    for transport in transports():
        try:
            total += transport.sweep(now=now) or 0
        except Exception:  # noqa: BLE001 - one transport's trouble must not stop the others' sweep
            log.exception("sweep of transport %s failed", transport.name)
    return total


# --- business statuses from the recipient ----------------------------------------------------------

@service
def status_emit(*, dispatch: Dispatch, code: str, acting_user, note: str = "", at=None,
                actor_name: str = "", remote_incoming_number: str = "") -> DispatchEvent:
    """
    Record a business status (edXML 01–16) on the sender's dispatch, tell the sender's clerks,
    and hand it to the transport of the unit it concerns when that unit is served elsewhere
    (a recipient's status when the document came from a remote unit; a take-back request when
    the document went to one). The caller writes the audit row of the action behind it.
    ``remote_incoming_number``: the số đến a remote recipient reported with its 03, kept for the board.
    """
    at = at or timezone.now()
    who = (actor_name or actor_display(acting_user))[:200]
    fields = DispatchEvent.note_fields(note)
    event = DispatchEvent.objects.create(dispatch=dispatch, kind=EventKind.BUSINESS, code=code, at=at,
                                         actor=acting_user if getattr(acting_user, "is_authenticated", False) else None,
                                         actor_name=who, **fields)
    extra = {"remote_incoming_number": remote_incoming_number[:40]} if remote_incoming_number else {}
    Dispatch.objects.filter(pk=dispatch.pk).update(status_code=code, status_at=at, status_by=who,
                                                   status_note=fields["note"][:500], **extra)
    text = M.STATUS_CHANGED(unit=dispatch.recipient.name, status=Label(M.STATUS, code),
                            subject=dispatch.document.subject)
    notification_send(user_ids=[u for _unit, u in unit_members(unit_ids=[dispatch.sender_id], roles=Role.CLERK)],
                      kind=NotificationKind.for_status(code), text=text, unit_id=dispatch.sender_id,
                      object_type="dispatch", object_id=dispatch.pk)
    if code == StatusCode.TAKE_BACK_REQUESTED:
        concerned = dispatch.recipient if not dispatch.recipient.is_local else None
    else:
        concerned = dispatch.sender if not dispatch.sender.is_local else None
    if concerned is not None:
        _forward(event, concerned)
    return event


def _forward(event: DispatchEvent, unit: Unit) -> None:
    transport = transport_for(unit)
    if transport is None:
        log.info("status %s of dispatch %s stays here: no transport reaches %s", event.code, event.dispatch_id,
                 unit.code)
    else:
        transport.forward_status(event=event, unit=unit)
