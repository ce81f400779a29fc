"""
The recipient's workflow (NĐ 30 Điều 20–24) and the statuses it reports to the sender:
accept (03) or reject (02) by the clerk; assignment (04) by a leader; progress (05) and
completion (06) by the handlers; take-back/update requests (13) from the sender answered by
the receiving clerk (15 agree / 16 refuse). Every step writes the status on the sender's
dispatch (through the dispatch state machine's ``status_emit``), an audit row and
notifications, in one transaction.
"""
from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.audit import audit_record
from egov.core.db import service
from egov.core.errors import InvalidInput, PermissionDeniedError, StateError
from egov.core.messages import Label, Msg
from egov.core.notifications import notification_send
from egov.core.text import actor_display
from units.choices import Role
from units.models import Membership
from units.permissions import require_role
from units.selectors import unit_members

from ..choices import (
    AuditVerb,
    DeliveryState,
    HandlerRole,
    IncomingStatus,
    NoteKind,
    NotificationKind,
    RegisterDirection,
    RequestKind,
    StatusCode,
)
from .. import messages as M
from ..models import Dispatch, Document, HandlingNote, IncomingAssignment, IncomingRead, IncomingRecord
from .dispatches import status_emit
from .registers import register_allocate
from .search import search_index_enqueue

__all__ = [
    "incoming_accept",
    "incoming_reject",
    "incoming_assign",
    "incoming_progress",
    "incoming_finish",
    "dispatch_request",
    "incoming_answer_request",
    "incoming_opinion",
    "incoming_mark_read",
]

OPEN = (IncomingStatus.ACCEPTED, IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS)


def _lock(incoming: IncomingRecord) -> IncomingRecord:
    return (IncomingRecord.objects.select_for_update(no_key=True, of=("self",))
            .select_related("unit", "document", "dispatch", "verification").get(pk=incoming.pk))


def _notify(user_ids, *, unit, kind, text: str | Msg, incoming: IncomingRecord) -> None:
    notification_send(user_ids=user_ids, unit_id=unit.pk, kind=kind, text=text, object_type="incoming",
                      object_id=incoming.pk)


@service
def incoming_accept(*, incoming: IncomingRecord, acting_user) -> IncomingRecord:
    """The clerk enters the document in the incoming register: incoming number, status 03."""
    rec = _lock(incoming)
    require_role(user=acting_user, unit=rec.unit, roles=(Role.CLERK,))
    if rec.status != IncomingStatus.ARRIVED:
        raise StateError(_("Only a newly arrived document can be accepted (it is %(status)s).")
                         % {"status": rec.get_status_display()})
    from signatures.services import policy_allows_accept

    allowed, policy_message = policy_allows_accept(unit=rec.unit, verification=rec.verification)
    if not allowed:
        raise StateError(policy_message, code="signature_policy")
    now = timezone.now()
    register, number = register_allocate(unit=rec.unit, direction=RegisterDirection.INCOMING,
                                         year=timezone.localdate(now).year)
    rec.register, rec.incoming_number = register, number
    rec.status, rec.accepted_at, rec.accepted_by = IncomingStatus.ACCEPTED, now, acting_user
    rec.save(update_fields=["register", "incoming_number", "status", "accepted_at", "accepted_by"])
    search_index_enqueue([rec.document_id], dispatch_ids=[rec.dispatch_id])  # "số đến 12" finds it
    status_emit(dispatch=rec.dispatch, code=StatusCode.ACCEPTED, acting_user=acting_user,
                note=M.NOTE_INCOMING_NUMBER(n=number), at=now)
    audit_record(actor=acting_user, unit=rec.unit, verb=AuditVerb.INCOMING_ACCEPTED, obj=rec,
                 details={"incoming_number": number, "register": register.pk, "signature_warning": policy_message})
    rec.policy_warning = policy_message  # shown by the UI/API: accepted despite an unverified signature
    leaders = [u for _unit, u in unit_members(unit_ids=[rec.unit_id], roles=Role.LEADER)]
    _notify(leaders, unit=rec.unit, kind=NotificationKind.INCOMING_ACCEPTED, incoming=rec,
            text=M.AWAITS_ASSIGNMENT(n=number, subject=rec.document.subject))
    return rec


@service
def incoming_reject(*, incoming: IncomingRecord, acting_user, reason: str) -> IncomingRecord:
    """The clerk returns a document sent to the wrong place or failing checks: status 02 with the reason."""
    rec = _lock(incoming)
    require_role(user=acting_user, unit=rec.unit, roles=(Role.CLERK,))
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for the rejection."), field="reason")
    if rec.status != IncomingStatus.ARRIVED:
        raise StateError(_("Only a newly arrived document can be rejected (it is %(status)s).")
                         % {"status": rec.get_status_display()})
    rec.status, rec.rejected_reason = IncomingStatus.REJECTED, reason.strip()[:500]
    rec.save(update_fields=["status", "rejected_reason"])
    status_emit(dispatch=rec.dispatch, code=StatusCode.REJECTED, acting_user=acting_user, note=rec.rejected_reason)
    audit_record(actor=acting_user, unit=rec.unit, verb=AuditVerb.INCOMING_REJECTED, obj=rec, details={"reason": reason[:500]})
    return rec


def _members(unit, users, field: str):
    users = [u for u in users if u is not None]
    if not users:
        return []
    ok = set(Membership.objects.filter(unit=unit, user__in=users, is_active=True).values_list("user_id", flat=True))
    strangers = [u for u in users if u.pk not in ok]
    if strangers:
        # Generic on purpose: the name of a person of another unit is not this unit's business.
        raise InvalidInput(_("Choose people who work in this unit."), field=field)
    return users


@service
def incoming_assign(*, incoming: IncomingRecord, acting_user, main_handler, co_handlers=(), readers=(),
                    deadline: datetime.date | None = None, instruction: str = "") -> IncomingRecord:
    """A leader assigns the main handler, co-handlers and readers, with a deadline: status 04."""
    rec = _lock(incoming)
    require_role(user=acting_user, unit=rec.unit, roles=(Role.LEADER,))
    if rec.status not in OPEN:
        raise StateError(_("Only an accepted document can be assigned (it is %(status)s).")
                         % {"status": rec.get_status_display()})
    if main_handler is None:
        raise InvalidInput(_("Choose the main handler."), field="main_handler")
    _members(rec.unit, [main_handler], "main_handler")
    co = [u for u in _members(rec.unit, list(co_handlers), "co_handlers") if u.pk != main_handler.pk]
    info = [u for u in _members(rec.unit, list(readers), "readers") if u.pk != main_handler.pk]
    if deadline is not None and deadline < timezone.localdate():
        raise InvalidInput(_("The deadline is in the past."), field="deadline")
    now = timezone.now()
    rec.assignments.filter(is_active=True).update(is_active=False)
    IncomingAssignment.objects.bulk_create(
        [IncomingAssignment(incoming=rec, user=main_handler, role=HandlerRole.MAIN, assigned_by=acting_user,
                            assigned_at=now, deadline=deadline)]
        + [IncomingAssignment(incoming=rec, user=u, role=HandlerRole.CO, assigned_by=acting_user, assigned_at=now,
                              deadline=deadline) for u in co]
        + [IncomingAssignment(incoming=rec, user=u, role=HandlerRole.INFO, assigned_by=acting_user, assigned_at=now)
           for u in info])
    rec.main_handler, rec.instruction, rec.status = main_handler, instruction.strip(), IncomingStatus.ASSIGNED
    if deadline is not None:
        rec.deadline = deadline
    rec.save(update_fields=["main_handler", "instruction", "status", "deadline"])
    status_emit(dispatch=rec.dispatch, code=StatusCode.ASSIGNED, acting_user=acting_user,
                note=M.NOTE_MAIN_HANDLER(name=actor_display(main_handler)), at=now)
    audit_record(actor=acting_user, unit=rec.unit, verb=AuditVerb.INCOMING_ASSIGNED, obj=rec, details={
        "main": main_handler.pk, "co": [u.pk for u in co], "info": [u.pk for u in info],
        "deadline": deadline.isoformat() if deadline else None})
    _notify([u.pk for u in (main_handler, *co, *info)], unit=rec.unit, kind=NotificationKind.INCOMING_ASSIGNED,
            incoming=rec,
            text=M.ASSIGNED(subject=rec.document.subject))
    return rec


def _require_handler(rec: IncomingRecord, user, *, main_only: bool = False) -> None:
    roles = [HandlerRole.MAIN] if main_only else [HandlerRole.MAIN, HandlerRole.CO]
    if not rec.assignments.filter(user=user, is_active=True, role__in=roles).exists():
        raise PermissionDeniedError(_("Only the main handler can finish this document.") if main_only
                                    else _("Only the handlers assigned to this document can report on it."))


@service
def incoming_progress(*, incoming: IncomingRecord, acting_user, note: str, progress: int | None = None) -> HandlingNote:
    """A handler writes a note and the progress: status 05."""
    rec = _lock(incoming)
    _require_handler(rec, acting_user)
    if rec.status not in (IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS):
        raise StateError(_("Progress can be reported only on an assigned document."))
    if not (note or "").strip():
        raise InvalidInput(_("Write a note."), field="note")
    if progress is not None and not 0 <= progress <= 100:
        raise InvalidInput(_("Progress is a percentage between 0 and 100."), field="progress")
    hn = HandlingNote.objects.create(incoming=rec, author=acting_user, text=note.strip(), progress=progress)
    rec.status = IncomingStatus.IN_PROGRESS
    if progress is not None:
        rec.progress = progress
    rec.save(update_fields=["status", "progress"])
    status_emit(dispatch=rec.dispatch, code=StatusCode.IN_PROGRESS, acting_user=acting_user,
                note=f"{rec.progress}%")
    audit_record(actor=acting_user, unit=rec.unit, verb=AuditVerb.INCOMING_PROGRESS, obj=rec,
                 details={"note": hn.pk, "progress": progress})
    return hn


@service
def incoming_finish(*, incoming: IncomingRecord, acting_user, note: str = "",
                    reply_document: Document | None = None) -> IncomingRecord:
    """The main handler marks the document done, optionally linking the reply document: status 06."""
    rec = _lock(incoming)
    _require_handler(rec, acting_user, main_only=True)
    if rec.status not in (IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS):
        raise StateError(_("Only an assigned document can be finished."))
    if reply_document is not None and reply_document.owner_unit_id != rec.unit_id:
        raise InvalidInput(_("The reply must be a document of your unit."), field="reply_document")
    now = timezone.now()
    if note.strip():
        HandlingNote.objects.create(incoming=rec, author=acting_user, text=note.strip(), progress=100)
    rec.status, rec.finished_at, rec.progress, rec.reply_document = IncomingStatus.DONE, now, 100, reply_document
    rec.save(update_fields=["status", "finished_at", "progress", "reply_document"])
    status_emit(dispatch=rec.dispatch, code=StatusCode.DONE, acting_user=acting_user,
                note=M.NOTE_REPLY(n=reply_document.number_notation) if reply_document else note[:500],
                at=now)
    audit_record(actor=acting_user, unit=rec.unit, verb=AuditVerb.INCOMING_FINISHED, obj=rec,
                 details={"reply_document": reply_document.pk if reply_document else None})
    return rec


@service
def dispatch_request(*, dispatch: Dispatch, acting_user, kind: str, reason: str) -> Dispatch:
    """The sending clerk asks a recipient to give a document back or to take an update: status 13."""
    d = Dispatch.objects.select_for_update(no_key=True).select_related("sender", "recipient", "document").get(
        pk=dispatch.pk)
    require_role(user=acting_user, unit=d.sender, roles=(Role.CLERK,))
    if kind not in RequestKind.values:
        raise InvalidInput(_("Unknown request kind."), field="kind")
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for the request."), field="reason")
    if d.state != DeliveryState.DELIVERED:
        raise StateError(_("The document has not reached this recipient yet."))
    rec = IncomingRecord.objects.select_for_update(no_key=True).get(dispatch=d)
    if rec.status in (IncomingStatus.CANCELLED, IncomingStatus.REJECTED):
        raise StateError(_("The recipient no longer holds this document."))
    if rec.open_request:
        raise StateError(_("A request is already waiting for the recipient's answer."))
    rec.open_request, rec.open_request_reason = kind, reason.strip()[:500]
    rec.save(update_fields=["open_request", "open_request_reason"])
    status_emit(dispatch=d, code=StatusCode.TAKE_BACK_REQUESTED, acting_user=acting_user,
                note=M.NOTE_REQUEST(kind=Label(M.REQUEST_KIND, kind), reason=reason.strip()))
    audit_record(actor=acting_user, unit=d.sender, verb=AuditVerb.DISPATCH_REQUEST, obj=d, details={"kind": kind,
                                                                                          "reason": reason[:500]})
    clerks = [u for _unit, u in unit_members(unit_ids=[d.recipient_id], roles=Role.CLERK)]
    _notify(clerks, unit=d.recipient, kind=NotificationKind.INCOMING_REQUEST, incoming=rec,
            text=M.REQUEST(sender=d.sender.name, kind=Label(M.REQUEST_KIND, kind), subject=d.document.subject))
    return d


@service
def incoming_answer_request(*, incoming: IncomingRecord, acting_user, agree: bool, note: str = "") -> IncomingRecord:
    """The receiving clerk answers a take-back/update request: 15 agree or 16 refuse. An agreed take-back cancels the record."""
    rec = _lock(incoming)
    require_role(user=acting_user, unit=rec.unit, roles=(Role.CLERK,))
    if not rec.open_request:
        raise StateError(_("There is no request to answer."))
    kind = rec.open_request
    if agree and kind == RequestKind.TAKE_BACK:
        rec.status, rec.cancelled_at = IncomingStatus.CANCELLED, timezone.now()
        rec.cancel_reason = (_("Taken back by the sender: %(r)s") % {"r": rec.open_request_reason})[:500]
    rec.open_request, rec.open_request_reason = "", ""
    rec.save(update_fields=["status", "cancelled_at", "cancel_reason", "open_request", "open_request_reason"])
    status_emit(dispatch=rec.dispatch, code=StatusCode.REQUEST_AGREED if agree else StatusCode.REQUEST_REFUSED,
                acting_user=acting_user, note=note)
    audit_record(actor=acting_user, unit=rec.unit, verb=AuditVerb.INCOMING_REQUEST_ANSWERED, obj=rec,
                 details={"kind": kind, "agree": agree, "note": note[:500]})
    return rec



@service
def incoming_opinion(*, incoming: IncomingRecord, acting_user, text: str) -> HandlingNote:
    """
    A co-handler (phối hợp) records their opinion for the main handler. It is internal to the
    receiving unit: no status goes to the sender, the progress does not change; the main
    handler is told.
    """
    rec = _lock(incoming)
    if not rec.assignments.filter(user=acting_user, is_active=True, role__in=[HandlerRole.CO, HandlerRole.MAIN]
                                  ).exists():
        raise PermissionDeniedError(_("Only the handlers assigned to this document can give an opinion on it."))
    if rec.status not in (IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS):
        raise StateError(_("An opinion can be given only on a document being handled."))
    if not (text or "").strip():
        raise InvalidInput(_("Write your opinion."), field="text")
    hn = HandlingNote.objects.create(incoming=rec, author=acting_user, kind=NoteKind.OPINION, text=text.strip())
    audit_record(actor=acting_user, unit=rec.unit, verb=AuditVerb.INCOMING_OPINION, obj=rec, details={"note": hn.pk})
    if rec.main_handler_id and rec.main_handler_id != acting_user.pk:
        _notify([rec.main_handler_id], unit=rec.unit, kind=NotificationKind.INCOMING_OPINION, incoming=rec,
                text=M.OPINION(name=actor_display(acting_user), subject=rec.document.subject))
    return hn


@service
def incoming_mark_read(*, incoming: IncomingRecord, acting_user) -> bool:
    """
    The user opened the record: it is no longer "unread" for them. Only the first opening is
    written (and audited: who saw an incoming document, and when); later ones do nothing.
    Returns True when this was the first time.
    """
    if not getattr(acting_user, "is_authenticated", False):
        return False
    _read, created = IncomingRead.objects.get_or_create(incoming_id=incoming.pk, user=acting_user,
                                                        defaults={"read_at": timezone.now()})
    if created:
        audit_record(actor=acting_user, unit=incoming.unit, verb=AuditVerb.INCOMING_READ, obj=incoming)
    return created
