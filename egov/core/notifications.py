"""
Notifications: the one way any app tells a user something (a new incoming document, a status
from a recipient, a deadline, an expiring certificate). ``notifications_send`` writes the
in-app rows in the caller's transaction and, when NOTIFICATIONS_EMAIL is on, e-mails them
after commit (one Celery task per chunk). Kinds are choices: each app has its
``NotificationKind`` in ``choices.py``.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .messages import Msg, message_fields
from .models import Notification

__all__ = ["Note", "notification_send", "notifications_send", "notifications_send_email",
           "notification_mark_read", "notifications_purge_read", "user_language"]

EMAIL_CHUNK = 500
PURGE_BATCH = 5000


@dataclass(frozen=True)
class Note:
    """One notification to write: for ``user_id``, about ``object_type``/``object_id``."""

    user_id: int
    kind: enum.Enum
    text: str | Msg  # a Msg (code and parameters, rendered in the reader's language) or plain text
    unit_id: int | None = None
    object_type: str = ""
    object_id: int | None = None


def _kind(kind) -> str:
    if not isinstance(kind, enum.Enum):
        raise TypeError(f"notification kinds are choices (an app's NotificationKind), not bare strings: {kind!r}")
    return str(kind.value)


def notifications_send(notes: Iterable[Note]) -> list[Notification]:
    """
    Write the notifications (one row per distinct user and object) and, when e-mail is on,
    e-mail them once the caller's transaction commits.
    """
    seen: set[tuple] = set()
    rows = []
    for n in notes:
        key = (n.user_id, _kind(n.kind), n.object_type, n.object_id)
        if key in seen:
            continue
        seen.add(key)
        f = message_fields(n.text)
        rows.append(Notification(user_id=n.user_id, unit_id=n.unit_id, kind=key[1], text=f["text"],
                                 message_code=f["code"], message_params=f["params"],
                                 object_type=n.object_type[:40], object_id=n.object_id))
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows, batch_size=1000)
    if settings.NOTIFICATIONS_EMAIL:
        ids = [n.pk for n in created if n.pk]
        from .tasks import send_notification_emails_task

        def publish():
            for i in range(0, len(ids), EMAIL_CHUNK):
                send_notification_emails_task.delay(ids[i:i + EMAIL_CHUNK])

        transaction.on_commit(publish, robust=True)
    return created


def notification_send(*, user_ids: Iterable[int], kind, text: str | Msg, unit_id: int | None = None,
                      object_type: str = "", object_id: int | None = None) -> list[Notification]:
    """The same notification for several users."""
    return notifications_send(Note(user_id=u, kind=kind, text=text, unit_id=unit_id, object_type=object_type,
                                   object_id=object_id) for u in user_ids)


def notifications_send_email(*, notification_ids: list[int]) -> int:
    """Send the e-mail copy of notifications not yet e-mailed, to users who have an address."""
    sent = 0
    for n in Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related("user"):
        if not n.user.email:
            continue
        with translation.override(user_language(n.user)):
            text = n.display_text
            subject = _("[Document portal] %(text)s") % {"text": text[:80]}
        send_mail(subject=subject, message=text, from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[n.user.email])
        Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def user_language(user) -> str:
    """
    The language e-mails to ``user`` are written in. The portal keeps no per-user language yet, so
    it is the portal's (settings.LANGUAGE_CODE); the texts themselves are stored as codes, so a
    per-user choice would only change this function.
    """
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def notification_mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when no ids are given)."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())


def notifications_purge_read(*, older_than_days: int | None = None, batch: int = PURGE_BATCH,
                             max_batches: int | None = None, now=None) -> int:
    """
    Retention (h17, docs/operations.md "Ten years of data"): delete the notifications that were
    read and were created more than ``older_than_days`` days ago (NOTIFICATION_RETENTION_DAYS;
    0 disables). Unread ones stay whatever their age. In batches of ``batch`` rows, each its own
    transaction with its audit row (a short lock, whatever the backlog); ``max_batches`` bounds
    one run (the next run goes on). Returns the number deleted.
    """
    from datetime import timedelta

    from .audit import AuditVerb, audit_build, audit_bulk
    from .db import service_atomic

    days = settings.NOTIFICATION_RETENTION_DAYS if older_than_days is None else older_than_days
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old_read = Notification.objects.filter(created_at__lt=cutoff, read_at__isnull=False)
    deleted, done = 0, 0
    while max_batches is None or done < max_batches:
        with service_atomic():
            ids = list(old_read.order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            n = Notification.objects.filter(pk__in=ids).delete()[0]
            audit_bulk([audit_build(verb=AuditVerb.NOTIFICATIONS_PURGED, object_type="egov.notification",
                                    object_id=f"{ids[0]}-{ids[-1]}",
                                    details={"deleted": n, "created_before": cutoff.isoformat(), "days": days})])
        deleted, done = deleted + n, done + 1
        if len(ids) < batch:
            break
    return deleted
