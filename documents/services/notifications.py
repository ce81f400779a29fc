"""Deadline reminders and e-mail copies of notifications."""
from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import HandlerRole
from ..models import IncomingAssignment, IncomingRecord, Notification
from ..selectors import incoming_overdue

__all__ = ["incoming_remind_overdue", "notifications_send_email", "notification_mark_read"]


def incoming_remind_overdue(*, today=None) -> int:
    """
    Once a day per record, remind the handlers (and the unit's leaders through the same
    notification) of every open incoming document past its deadline. Returns records reminded.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
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
            for user_id in by_record.get(rec.pk, ()):
                notes.append(Notification(user_id=user_id, unit_id=rec.unit_id, kind="incoming.overdue",
                                          text=text[:500], object_type="incoming", object_id=rec.pk))
        created = Notification.objects.bulk_create(notes)
        IncomingRecord.objects.filter(pk__in=[r.pk for r in records]).update(last_reminded_on=today)
        if getattr(settings, "NOTIFICATIONS_EMAIL", False) and created:
            from ..tasks import send_notification_emails_task

            ids = [n.pk for n in created if n.pk]
            transaction.on_commit(lambda: send_notification_emails_task.delay(ids), robust=True)
    return len(records)


def notifications_send_email(*, notification_ids: list[int]) -> int:
    """Send the e-mail copy of notifications not yet e-mailed, to users who have an address."""
    sent = 0
    for n in Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related("user"):
        if not n.user.email:
            continue
        send_mail(subject=_("[Document portal] %(text)s") % {"text": n.text[:80]}, message=n.text,
                  from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[n.user.email])
        Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def notification_mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
