"""
Deadline reminders of incoming documents (the notifications themselves: egov.core.notifications).
When they go out is set per unit (``ReminderPolicy``; settings REMINDER_DAYS_BEFORE and
REMINDER_EVERY_DAYS_AFTER for units without one): ``days_before`` the deadline, then every
``every_days_after`` days once it has passed.
"""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from egov.core.db import service_atomic
from egov.core.notifications import Note, notifications_send

from .. import messages as M
from ..choices import HandlerRole, NotificationKind
from ..models import IncomingAssignment, IncomingRecord, ReminderPolicy
from ..selectors import OPEN_STATUSES

__all__ = ["incoming_remind_overdue"]


def _policies() -> tuple[dict[int, ReminderPolicy], int, int]:
    return ({p.unit_id: p for p in ReminderPolicy.objects.all()},
            settings.REMINDER_DAYS_BEFORE, settings.REMINDER_EVERY_DAYS_AFTER)


def _due(rec: IncomingRecord, today: datetime.date, policies, default_before: int, default_every: int) -> str | None:
    """'soon', 'overdue' or None: whether this record is to be reminded today."""
    p = policies.get(rec.unit_id)
    if p is not None and not p.enabled:
        return None
    before = p.days_before if p is not None else default_before
    every = p.every_days_after if p is not None else default_every
    if rec.deadline < today:
        if rec.last_reminded_on is None or rec.last_reminded_on <= rec.deadline:
            return "overdue"
        return "overdue" if (today - rec.last_reminded_on).days >= every else None
    if before and (rec.deadline - today).days <= before and rec.last_reminded_on is None:
        return "soon"
    return None


def incoming_remind_overdue(*, today=None) -> int:
    """
    Remind the handlers of open incoming documents whose deadline is near or past, following
    each unit's reminder policy (in-app, and by e-mail when NOTIFICATIONS_EMAIL is on).
    Returns the number of records reminded.
    """
    today = today or timezone.localdate()
    policies, default_before, default_every = _policies()
    horizon = today + datetime.timedelta(days=max([default_before, *(p.days_before for p in policies.values())]))
    with service_atomic():
        candidates = list(
            IncomingRecord.objects.filter(status__in=OPEN_STATUSES, deadline__isnull=False, deadline__lte=horizon)
            .filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today))
            .select_for_update(no_key=True, of=("self",)).select_related("document"))
        due = [(rec, _due(rec, today, policies, default_before, default_every)) for rec in candidates]
        due = [(rec, why) for rec, why in due if why]
        if not due:
            return 0
        handlers = IncomingAssignment.objects.filter(
            incoming__in=[r for r, _w in due], is_active=True, role__in=[HandlerRole.MAIN, HandlerRole.CO]
        ).values_list("incoming_id", "user_id")
        by_record: dict[int, set[int]] = {}
        for incoming_id, user_id in handlers:
            by_record.setdefault(incoming_id, set()).add(user_id)
        notes = []
        for rec, why in due:
            if why == "overdue":
                kind, message = NotificationKind.INCOMING_OVERDUE, M.OVERDUE
            else:
                kind, message = NotificationKind.INCOMING_DUE_SOON, M.DUE_SOON
            text = message(date=rec.deadline, subject=rec.document.subject)
            notes += [Note(user_id=user_id, unit_id=rec.unit_id, kind=kind, text=text,
                           object_type="incoming", object_id=rec.pk) for user_id in by_record.get(rec.pk, ())]
        notifications_send(notes)
        IncomingRecord.objects.filter(pk__in=[r.pk for r, _w in due]).update(last_reminded_on=today)
    return len(due)
