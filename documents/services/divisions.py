"""
Incoming documents shared out inside the receiving unit by division (NĐ 30 Điều 24): the
leader names the lead division (chủ trì), co-handling divisions (phối hợp) and divisions
for information (để biết), each with a deadline; each division head then assigns people of
the division, with deadlines no later than the division's. The handling slip (phiếu giải
quyết văn bản đến, Phụ lục IV) shows both levels (``handling_slip``).
"""
from __future__ import annotations

import datetime

from django.db.models import Case, When
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.audit import audit_record
from egov.core.db import service
from egov.core.errors import InvalidInput, PermissionDeniedError, StateError
from egov.core.notifications import notification_send
from egov.core.text import actor_display
from units.choices import Role
from units.models import Division, Membership
from units.permissions import require_role
from units.selectors import division_members, user_heads_division

from .. import messages as M
from ..choices import AuditVerb, HandlerRole, IncomingStatus, NotificationKind, StatusCode
from ..models import IncomingAssignment, IncomingDivisionAssignment, IncomingRecord
from .dispatches import status_emit

__all__ = ["incoming_assign_divisions", "incoming_division_hand_on", "handling_slip"]

OPEN = (IncomingStatus.ACCEPTED, IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS)


def _lock(incoming: IncomingRecord) -> IncomingRecord:
    return (IncomingRecord.objects.select_for_update(no_key=True, of=("self",))
            .select_related("unit", "document", "dispatch").get(pk=incoming.pk))


def _check_divisions(rec: IncomingRecord, divisions, field: str) -> list[Division]:
    out = []
    for d in divisions:
        if d is None:
            continue
        if d.unit_id != rec.unit_id or not d.is_active:
            raise InvalidInput(_("%(division)s is not a division of %(unit)s.") % {"division": d.name,
                                                                                   "unit": rec.unit.name}, field=field)
        out.append(d)
    return out


@service
def incoming_assign_divisions(*, incoming: IncomingRecord, acting_user, lead_division: Division,
                              co_divisions=(), info_divisions=(), deadline: datetime.date | None = None,
                              co_deadline: datetime.date | None = None, instruction: str = "") -> IncomingRecord:
    """A leader gives the document to a lead division, co-handling and informed divisions: status 04."""
    rec = _lock(incoming)
    require_role(user=acting_user, unit=rec.unit, roles=(Role.LEADER,))
    if rec.status not in OPEN:
        raise StateError(_("Only an accepted document can be assigned (it is %(status)s).")
                         % {"status": rec.get_status_display()})
    if lead_division is None:
        raise InvalidInput(_("Choose the lead division."), field="lead_division")
    [lead] = _check_divisions(rec, [lead_division], "lead_division")
    co = [d for d in _check_divisions(rec, co_divisions, "co_divisions") if d.pk != lead.pk]
    info = [d for d in _check_divisions(rec, info_divisions, "info_divisions")
            if d.pk != lead.pk and d.pk not in {c.pk for c in co}]
    today = timezone.localdate()
    for value, field in ((deadline, "deadline"), (co_deadline, "co_deadline")):
        if value is not None and value < today:
            raise InvalidInput(_("The deadline is in the past."), field=field)
    if deadline and co_deadline and co_deadline > deadline:
        raise InvalidInput(_("Co-handling divisions cannot have a later deadline than the lead division."),
                           field="co_deadline")
    now = timezone.now()
    rec.division_assignments.filter(is_active=True).update(is_active=False)
    rows = ([IncomingDivisionAssignment(incoming=rec, division=lead, role=HandlerRole.MAIN, deadline=deadline,
                                        instruction=instruction.strip(), assigned_by=acting_user, assigned_at=now)]
            + [IncomingDivisionAssignment(incoming=rec, division=d, role=HandlerRole.CO,
                                          deadline=co_deadline or deadline, instruction=instruction.strip(),
                                          assigned_by=acting_user, assigned_at=now) for d in co]
            + [IncomingDivisionAssignment(incoming=rec, division=d, role=HandlerRole.INFO,
                                          instruction=instruction.strip(), assigned_by=acting_user, assigned_at=now)
               for d in info])
    IncomingDivisionAssignment.objects.bulk_create(rows)
    rec.instruction, rec.status = instruction.strip(), IncomingStatus.ASSIGNED
    if deadline is not None:
        rec.deadline = deadline
    rec.save(update_fields=["instruction", "status", "deadline"])
    status_emit(dispatch=rec.dispatch, code=StatusCode.ASSIGNED, acting_user=acting_user,
                note=M.NOTE_LEAD_DIVISION(name=lead.name), at=now)
    audit_record(actor=acting_user, unit=rec.unit, verb=AuditVerb.INCOMING_DIVISIONS_ASSIGNED, obj=rec, details={
        "lead": lead.pk, "co": [d.pk for d in co], "info": [d.pk for d in info],
        "deadline": deadline.isoformat() if deadline else None})
    heads = [u for _d, u in division_members(division_ids=[lead.pk, *[d.pk for d in co + info]], heads_only=True)]
    notification_send(user_ids=sorted(set(heads)), unit_id=rec.unit_id, kind=NotificationKind.INCOMING_DIVISION,
                      object_type="incoming", object_id=rec.pk,
                      text=M.DIVISION_ASSIGNED(subject=rec.document.subject))
    return rec


def _division_people(division: Division, users, field: str):
    users = [u for u in users if u is not None]
    if not users:
        return []
    ok = set(Membership.objects.filter(division=division, user__in=users, is_active=True)
             .values_list("user_id", flat=True))
    strangers = [u for u in users if u.pk not in ok]
    if strangers:
        raise InvalidInput(_("%(name)s does not work in %(division)s.")
                           % {"name": actor_display(strangers[0]), "division": division.name}, field=field)
    return users


@service
def incoming_division_hand_on(*, division_assignment: IncomingDivisionAssignment, acting_user, main_handler=None,
                              co_handlers=(), readers=(), deadline: datetime.date | None = None,
                              note: str = "") -> IncomingDivisionAssignment:
    """
    The head of the division assigns people of the division: for the lead division the main
    handler (who will finish the document) and helpers; for a co-handling division its
    handlers; for an informed division its readers. Deadlines no later than the division's.
    """
    da = (IncomingDivisionAssignment.objects.select_for_update(no_key=True, of=("self",))
          .select_related("division", "incoming").get(pk=division_assignment.pk))
    rec = _lock(da.incoming)
    if not user_heads_division(user=acting_user, division=da.division):
        raise PermissionDeniedError(_("Only a head of %(division)s assigns its people.")
                                    % {"division": da.division.name})
    if not da.is_active:
        raise StateError(_("The leader has changed this assignment; it is no longer in force."))
    if rec.status not in (IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS):
        raise StateError(_("Only an assigned document can be handed on."))
    if da.role == HandlerRole.MAIN and main_handler is None:
        raise InvalidInput(_("Choose the main handler."), field="main_handler")
    if da.role == HandlerRole.INFO:
        main_handler, co_handlers = None, ()
    main = _division_people(da.division, [main_handler], "main_handler")
    co = [u for u in _division_people(da.division, list(co_handlers), "co_handlers")
          if not main or u.pk != main[0].pk]
    info = [u for u in _division_people(da.division, list(readers), "readers")
            if u.pk not in {x.pk for x in main + co}]
    if deadline is not None:
        if deadline < timezone.localdate():
            raise InvalidInput(_("The deadline is in the past."), field="deadline")
        if da.deadline and deadline > da.deadline:
            raise InvalidInput(_("The deadline cannot be later than the division's (%(date)s).")
                               % {"date": da.deadline.strftime("%d/%m/%Y")}, field="deadline")
    deadline = deadline or da.deadline
    now = timezone.now()
    rec.assignments.filter(is_active=True, division=da.division).update(is_active=False)
    person_role = HandlerRole.MAIN if da.role == HandlerRole.MAIN else HandlerRole.CO
    rows = ([IncomingAssignment(incoming=rec, user=u, role=person_role, assigned_by=acting_user, assigned_at=now,
                                deadline=deadline, division=da.division) for u in main]
            + [IncomingAssignment(incoming=rec, user=u, role=HandlerRole.CO, assigned_by=acting_user, assigned_at=now,
                                  deadline=deadline, division=da.division) for u in co]
            + [IncomingAssignment(incoming=rec, user=u, role=HandlerRole.INFO, assigned_by=acting_user,
                                  assigned_at=now, division=da.division) for u in info])
    if person_role == HandlerRole.MAIN and main:
        # One main handler for the document: an earlier direct assignment gives way.
        rec.assignments.filter(is_active=True, role=HandlerRole.MAIN).update(is_active=False)
        rec.main_handler = main[0]
        rec.save(update_fields=["main_handler"])
    IncomingAssignment.objects.bulk_create(rows)
    da.handed_on_by, da.handed_on_at, da.head_note = acting_user, now, note.strip()
    da.save(update_fields=["handed_on_by", "handed_on_at", "head_note"])
    audit_record(actor=acting_user, unit=rec.unit, verb=AuditVerb.INCOMING_DIVISION_HANDED_ON, obj=rec, details={
        "division": da.division_id, "main": [u.pk for u in main], "co": [u.pk for u in co],
        "info": [u.pk for u in info], "deadline": deadline.isoformat() if deadline else None})
    notification_send(user_ids=[u.pk for u in main + co + info], unit_id=rec.unit_id,
                      kind=NotificationKind.INCOMING_ASSIGNED, object_type="incoming", object_id=rec.pk,
                      text=M.ASSIGNED(subject=rec.document.subject))
    return da


def handling_slip(*, incoming: IncomingRecord) -> dict:
    """
    What the handling slip (Phụ lục IV) prints: the leader's instruction with the lead and
    co-handling divisions and their deadlines; per division, the head's assignment with the
    people and their deadlines; the handlers' proposals (their notes). Four queries.
    """
    rank = Case(When(role=HandlerRole.MAIN, then=0), When(role=HandlerRole.CO, then=1), default=2)
    divisions = list(incoming.division_assignments.filter(is_active=True).select_related(
        "division", "assigned_by", "handed_on_by").order_by(rank, "pk"))
    people = list(incoming.assignments.filter(is_active=True).select_related("user", "assigned_by", "division")
                  .order_by(rank, "pk"))
    notes = list(incoming.notes.select_related("author").order_by("created_at", "pk"))
    by_division: dict[int | None, list] = {}
    for a in people:
        by_division.setdefault(a.division_id, []).append(a)
    return {
        "rec": incoming,
        "divisions": [{"assignment": d, "people": by_division.get(d.division_id, [])} for d in divisions],
        "direct": by_division.get(None, []),
        "notes": notes,
        "leader": divisions[0].assigned_by if divisions else (people[0].assigned_by if people else None),
    }
