"""Deadline reminders of incoming documents (the notifications themselves: egov.core.notifications)."""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.db import service_atomic
from egov.core.notifications import Note, notifications_send

from ..choices import HandlerRole, NotificationKind
from ..models import IncomingAssignment, IncomingRecord
from ..selectors import incoming_overdue

__all__ = ["incoming_remind_overdue"]


def incoming_remind_overdue(*, today=None) -> int:
    """
    Once a day per record, remind the handlers of every open incoming document past its
    deadline (in-app, and by e-mail when NOTIFICATIONS_EMAIL is on). Returns records reminded.
    """
    today = today or timezone.localdate()
    with service_atomic():
        records = list(incoming_overdue(on=today).exclude(last_reminded_on=today)
                       .select_for_update(no_key=True, of=("self",)).select_related("document"))
        if not records:
            return 0
        handlers = IncomingAssignment.objects.filter(
            incoming__in=records, is_active=True, role__in=[HandlerRole.MAIN, HandlerRole.CO]
        ).values_list("incoming_id", "user_id")
        by_record: dict[int, set[int]] = {}
        for incoming_id, user_id in handlers:
            by_record.setdefault(incoming_id, set()).add(user_id)
        notes = []
        for rec in records:
            text = _("Overdue since %(date)s: %(subject)s") % {
                "date": rec.deadline.strftime("%d/%m/%Y"), "subject": rec.document.subject}
            notes += [Note(user_id=user_id, unit_id=rec.unit_id, kind=NotificationKind.INCOMING_OVERDUE, text=text,
                           object_type="incoming", object_id=rec.pk) for user_id in by_record.get(rec.pk, ())]
        notifications_send(notes)
        IncomingRecord.objects.filter(pk__in=[r.pk for r in records]).update(last_reminded_on=today)
    return len(records)
