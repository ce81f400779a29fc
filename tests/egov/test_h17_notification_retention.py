"""
Retention of notifications (h17, docs/operations.md "Ten years of data"): the daily beat job
deletes the read notifications older than NOTIFICATION_RETENTION_DAYS, in batches, each with its
audit row; unread ones and recent ones stay; 0 disables it.
"""
import datetime

import pytest
from django.utils import timezone

from egov.core.models import AuditEvent, Notification
from egov.core.notifications import notifications_purge_read
from egov.core.tasks import notifications_purge_task

pytestmark = pytest.mark.django_db


def _note(user, *, age_days: int, read: bool) -> Notification:
    n = Notification.objects.create(user=user, kind="incoming.arrived", text=f"{age_days} {read}")
    created = timezone.now() - datetime.timedelta(days=age_days)
    # created_at is auto_now_add: set the age afterwards
    Notification.objects.filter(pk=n.pk).update(created_at=created, read_at=created if read else None)
    return n


def test_old_read_notifications_go_unread_and_recent_ones_stay(user_factory, settings):
    settings.NOTIFICATION_RETENTION_DAYS = 365
    user = user_factory()
    old_read = [_note(user, age_days=400 + i, read=True) for i in range(5)]
    old_unread = _note(user, age_days=800, read=False)
    recent_read = _note(user, age_days=30, read=True)
    recent_unread = _note(user, age_days=1, read=False)

    assert notifications_purge_read(batch=2) == 5  # three batches of at most two
    left = set(Notification.objects.values_list("pk", flat=True))
    assert left == {old_unread.pk, recent_read.pk, recent_unread.pk}
    assert not left & {n.pk for n in old_read}
    audits = AuditEvent.objects.filter(verb="notifications.purged").order_by("pk")
    assert [a.details["deleted"] for a in audits] == [2, 2, 1]
    assert all(a.details["days"] == 365 for a in audits)
    assert notifications_purge_read() == 0  # nothing left to do


def test_the_beat_job_follows_the_setting_and_zero_disables_it(user_factory, settings):
    user = user_factory()
    n = _note(user, age_days=400, read=True)
    settings.NOTIFICATION_RETENTION_DAYS = 0
    assert notifications_purge_task() == 0 and Notification.objects.filter(pk=n.pk).exists()
    settings.NOTIFICATION_RETENTION_DAYS = 500
    assert notifications_purge_task() == 0 and Notification.objects.filter(pk=n.pk).exists()
    settings.NOTIFICATION_RETENTION_DAYS = 365
    assert notifications_purge_task() == 1 and not Notification.objects.filter(pk=n.pk).exists()


def test_the_job_is_in_the_beat_schedule_on_the_default_queue(settings):
    from egov.core.queues import concern_of

    entry = settings.CELERY_BEAT_SCHEDULE["notifications-purge"]
    assert entry["task"] == "egov.core.tasks.notifications_purge_task"
    assert concern_of(entry["task"]) == "default"  # housekeeping, not the webhooks' queue
