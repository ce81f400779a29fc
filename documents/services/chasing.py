"""
Follow-up of incoming documents (NĐ 30 Điều 24, Phụ lục VI III.1.l–m): a leader or the office
chases a handler (đôn đốc: nhắc nhở, phê bình, kiểm điểm), the handler acknowledges; a handler
asks for more time and the assigner grants or refuses; a leader removes a wrong assignee. Each
is a service with its audit row and notifications; nothing is deleted, so the history of a
record's chases, deadlines and assignees stays readable (and counted in the reports).
"""
from __future__ import annotations

import datetime

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.audit import audit_record
from egov.core.db import service
from egov.core.errors import InvalidInput, NotFoundError, PermissionDeniedError, StateError
from egov.core.messages import Label, message_fields
from egov.core.notifications import notification_send
from egov.core.text import actor_display
from units.choices import Role
from units.models import Membership, Unit
from units.permissions import require_role

from .. import messages as M
from ..choices import AuditVerb, ChaseKind, ExtensionState, HandlerRole, IncomingStatus, NotificationKind
from ..models import Chase, DeadlineExtension, IncomingAssignment, IncomingRecord, ReminderPolicy

__all__ = ["chase_send", "chase_acknowledge", "extension_request", "extension_decide", "assignee_remove",
           "reminder_policy_set", "CHASER_ROLES"]

OPEN = (IncomingStatus.ACCEPTED, IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS)
CHASER_ROLES = (Role.LEADER, Role.CLERK)  # the leader, or the office (văn thư) on the leader's behalf


def _lock(incoming: IncomingRecord) -> IncomingRecord:
    return (IncomingRecord.objects.select_for_update(no_key=True, of=("self",))
            .select_related("unit", "document").get(pk=incoming.pk))


def _notify(user_ids, *, rec: IncomingRecord, kind, text: str) -> None:
    notification_send(user_ids=user_ids, unit_id=rec.unit_id, kind=kind, text=text, object_type="incoming",
                      object_id=rec.pk)


@service
def chase_send(*, incoming: IncomingRecord, acting_user, kind: str, text: str = "", target=None) -> Chase:
    """
    Chase the handler of an open incoming document: the main handler unless ``target`` names
    another active handler. Numbered per record; notified in-app and by e-mail (when on).
    """
    rec = _lock(incoming)
    require_role(user=acting_user, unit=rec.unit, roles=CHASER_ROLES)
    if kind not in ChaseKind.values:
        raise InvalidInput(_("Choose how to chase: reminder, criticism or self-review."), field="kind")
    if rec.status not in OPEN:
        raise StateError(_("Only a document still being handled can be chased (it is %(status)s).")
                         % {"status": rec.get_status_display()})
    handlers = {a.user_id: a for a in rec.assignments.filter(is_active=True, role__in=[HandlerRole.MAIN,
                                                                                        HandlerRole.CO])}
    target = target or rec.main_handler
    if target is None or target.pk not in handlers:
        raise InvalidInput(_("Only a handler assigned to this document can be chased."), field="target")
    number = (rec.chases.aggregate(m=Max("number"))["m"] or 0) + 1
    chase = Chase.objects.create(incoming=rec, number=number, kind=kind, text=(text or "").strip(), target=target,
                                 created_by=acting_user, created_at=timezone.now())
    audit_record(actor=acting_user, unit=rec.unit, verb=AuditVerb.CHASE_SENT, obj=rec,
                 details={"chase": chase.pk, "number": number, "kind": kind, "target": target.pk})
    _notify([target.pk], rec=rec, kind=NotificationKind.INCOMING_CHASED,
            text=M.CHASED(kind=Label(M.CHASE_KIND, kind), n=number, who=actor_display(acting_user),
                          subject=rec.document.subject))
    return chase


@service
def chase_acknowledge(*, chase: Chase, acting_user, answer: str = "") -> Chase:
    """The chased handler acknowledges the chase (optionally with an answer); the chaser is told."""
    c = Chase.objects.select_for_update(no_key=True).select_related("incoming", "incoming__document").get(pk=chase.pk)
    if c.target_id != acting_user.pk:
        raise PermissionDeniedError(_("Only the chased handler can acknowledge this."))
    if c.acknowledged_at is not None:
        raise StateError(_("This chase is already acknowledged."))
    c.acknowledged_at, c.acknowledgement = timezone.now(), (answer or "").strip()[:500]
    c.save(update_fields=["acknowledged_at", "acknowledgement"])
    audit_record(actor=acting_user, unit=c.incoming.unit, verb=AuditVerb.CHASE_ACKNOWLEDGED, obj=c.incoming,
                 details={"chase": c.pk, "number": c.number})
    _notify([c.created_by_id], rec=c.incoming, kind=NotificationKind.CHASE_ACKNOWLEDGED,
            text=M.CHASE_ACKNOWLEDGED(who=actor_display(acting_user), n=c.number, subject=c.incoming.document.subject))
    return c


@service
def extension_request(*, incoming: IncomingRecord, acting_user, deadline: datetime.date,
                      reason: str) -> DeadlineExtension:
    """A handler asks for a later deadline on their own assignment, with the reason."""
    rec = _lock(incoming)
    assignment = rec.assignments.filter(user=acting_user, is_active=True,
                                        role__in=[HandlerRole.MAIN, HandlerRole.CO]).first()
    if assignment is None:
        raise PermissionDeniedError(_("Only a handler assigned to this document can ask for more time."))
    if rec.status not in OPEN:
        raise StateError(_("The document is no longer being handled."))
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for the extension."), field="reason")
    current = assignment.deadline or rec.deadline
    if deadline is None or (current is not None and deadline <= current) or deadline < timezone.localdate():
        raise InvalidInput(_("The new deadline must be later than the current one."), field="deadline")
    if assignment.extensions.filter(state=ExtensionState.PENDING).exists():
        raise StateError(_("An extension request is already waiting for a decision."))
    ext = DeadlineExtension.objects.create(incoming=rec, assignment=assignment, requested_by=acting_user,
                                           requested_at=timezone.now(), reason=reason.strip()[:500],
                                           old_deadline=current, requested_deadline=deadline)
    audit_record(actor=acting_user, unit=rec.unit, verb=AuditVerb.EXTENSION_REQUESTED, obj=rec,
                 details={"extension": ext.pk, "from": current.isoformat() if current else None,
                          "to": deadline.isoformat()})
    _notify([assignment.assigned_by_id], rec=rec, kind=NotificationKind.EXTENSION_REQUESTED,
            text=M.EXTENSION_REQUESTED(who=actor_display(acting_user), date=deadline,
                                       subject=rec.document.subject))
    return ext


def _may_decide(user, ext: DeadlineExtension, unit: Unit) -> bool:
    if ext.assignment.assigned_by_id == user.pk:
        return True
    return Membership.objects.filter(user=user, unit=unit, role=Role.LEADER, is_active=True).exists()


@service
def extension_decide(*, extension: DeadlineExtension, acting_user, grant: bool,
                     deadline: datetime.date | None = None, note: str = "") -> DeadlineExtension:
    """
    The assigner (or a leader of the unit) grants the extension — the requested deadline or
    another later one — or refuses it. A granted extension moves the assignment's deadline
    and, for the main handler, the record's.
    """
    ext = DeadlineExtension.objects.select_for_update(no_key=True).select_related("assignment").get(pk=extension.pk)
    rec = _lock(ext.incoming)
    if not _may_decide(acting_user, ext, rec.unit):
        raise PermissionDeniedError(_("Only the person who assigned the work or a leader can decide."))
    if ext.state != ExtensionState.PENDING:
        raise StateError(_("This request has already been decided."))
    now = timezone.now()
    if grant:
        new = deadline or ext.requested_deadline
        if ext.old_deadline is not None and new <= ext.old_deadline:
            raise InvalidInput(_("The new deadline must be later than the current one."), field="deadline")
        ext.state, ext.new_deadline = ExtensionState.GRANTED, new
        IncomingAssignment.objects.filter(pk=ext.assignment_id).update(deadline=new)
        if ext.assignment.role == HandlerRole.MAIN:
            rec.deadline = new
            rec.save(update_fields=["deadline"])
    else:
        if not (note or "").strip():
            raise InvalidInput(_("Give the reason for the refusal."), field="note")
        ext.state = ExtensionState.REFUSED
    ext.decided_by, ext.decided_at, ext.decision_note = acting_user, now, (note or "").strip()[:500]
    ext.save(update_fields=["state", "new_deadline", "decided_by", "decided_at", "decision_note"])
    audit_record(actor=acting_user, unit=rec.unit,
                 verb=AuditVerb.EXTENSION_GRANTED if grant else AuditVerb.EXTENSION_REFUSED, obj=rec,
                 details={"extension": ext.pk, "deadline": ext.new_deadline.isoformat() if grant else None})
    text = (M.EXTENSION_GRANTED(date=ext.new_deadline, subject=rec.document.subject) if grant
            else M.EXTENSION_REFUSED(note=ext.decision_note, subject=rec.document.subject))
    _notify([ext.requested_by_id], rec=rec, kind=NotificationKind.EXTENSION_DECIDED, text=text)
    return ext


@service
def assignee_remove(*, assignment: IncomingAssignment, acting_user, reason: str) -> IncomingAssignment:
    """
    A leader removes a wrongly assigned co-handler or reader (the main handler is changed by
    assigning again). The row stays, inactive, with who removed it, when and why.
    """
    a = IncomingAssignment.objects.select_for_update(no_key=True).get(pk=assignment.pk)
    rec = _lock(a.incoming)
    require_role(user=acting_user, unit=rec.unit, roles=(Role.LEADER,))
    if not a.is_active:
        raise StateError(_("This person is no longer assigned."))
    if a.role == HandlerRole.MAIN:
        raise StateError(_("To change the main handler, assign the document again."))
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for the removal."), field="reason")
    a.is_active, a.removed_at, a.removed_by, a.removed_reason = False, timezone.now(), acting_user, reason.strip()[:500]
    a.save(update_fields=["is_active", "removed_at", "removed_by", "removed_reason"])
    removed = message_fields(M.EXTENSION_ASSIGNEE_REMOVED())
    DeadlineExtension.objects.filter(assignment=a, state=ExtensionState.PENDING).update(
        state=ExtensionState.REFUSED, decided_by=acting_user, decided_at=a.removed_at,
        decision_note=removed["text"], decision_note_code=removed["code"], decision_note_params=removed["params"])
    audit_record(actor=acting_user, unit=rec.unit, verb=AuditVerb.ASSIGNEE_REMOVED, obj=rec,
                 details={"assignment": a.pk, "user": a.user_id, "role": a.role, "reason": a.removed_reason})
    _notify([a.user_id], rec=rec, kind=NotificationKind.ASSIGNEE_REMOVED,
            text=M.ASSIGNEE_REMOVED(subject=rec.document.subject, reason=a.removed_reason))
    return a


@service
def reminder_policy_set(*, unit: Unit, acting_user, days_before: int, every_days_after: int,
                        enabled: bool = True) -> ReminderPolicy:
    """A unit's leader or administrator sets when deadline reminders go out."""
    require_role(user=acting_user, unit=unit, roles=(Role.LEADER, Role.UNIT_ADMIN))
    if not 0 <= days_before <= 30:
        raise InvalidInput(_("Days before the deadline: between 0 and 30."), field="days_before")
    if not 1 <= every_days_after <= 30:
        raise InvalidInput(_("Repeat every 1 to 30 days."), field="every_days_after")
    policy, _created = ReminderPolicy.objects.update_or_create(
        unit=unit, defaults={"days_before": days_before, "every_days_after": every_days_after, "enabled": enabled})
    audit_record(actor=acting_user, unit=unit, verb=AuditVerb.REMINDER_POLICY_SET, obj=policy,
                 details={"days_before": days_before, "every_days_after": every_days_after, "enabled": enabled})
    return policy


def chase_of_user(*, pk: int, user) -> Chase:
    try:
        return Chase.objects.select_related("incoming").get(pk=pk, target=user)
    except Chase.DoesNotExist:
        raise NotFoundError(_("No such chase.")) from None
