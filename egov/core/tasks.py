"""Celery tasks of the base layer."""
from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, retry_jitter=True, max_retries=5)
def send_notification_emails_task(notification_ids: list[int]) -> int:
    from .notifications import notifications_send_email

    return notifications_send_email(notification_ids=notification_ids)


@shared_task(acks_late=True, ignore_result=True)
def audit_checkpoint_task() -> int:
    """Beat (AUDIT_CHECKPOINT_EVERY): sign the head of every audit chain shard."""
    from .audit_chain import checkpoint_write

    return len(checkpoint_write())


@shared_task(acks_late=True, ignore_result=True)
def partitions_ensure_task(months_ahead: int | None = None) -> int:
    """Beat (daily, h17): create the coming monthly partitions of the append-only tables ahead of time."""
    import logging

    from django.conf import settings
    from django.db import DatabaseError

    from .partitions import partitions_ensure

    try:
        return len(partitions_ensure(months_ahead=months_ahead or settings.PARTITIONS_MONTHS_AHEAD))
    except DatabaseError:  # e.g. a runtime role without CREATE: the deploy's partitions_ensure does it
        logging.getLogger(__name__).warning("partitions not created", exc_info=True)
        return 0


@shared_task(acks_late=True, ignore_result=True)
def notifications_purge_task() -> int:
    """Beat (daily, h17): delete the read notifications older than NOTIFICATION_RETENTION_DAYS."""
    from .notifications import notifications_purge_read

    return notifications_purge_read(max_batches=200)  # ≤ 1 M rows a run; the next run goes on
