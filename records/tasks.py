"""Periodic jobs of the records app (CELERY_BEAT_SCHEDULE in settings)."""
from __future__ import annotations

from celery import shared_task


@shared_task(name="records.tasks.transfer_reminders_task")
def transfer_reminders_task() -> int:
    """Remind the person in charge and the archive 30 days before a closed file is due (PL VI III.5.b)."""
    from .services.transfer import transfer_reminders_send

    return transfer_reminders_send()


@shared_task(name="records.tasks.retention_review_task")
def retention_review_task() -> int:
    """Once a year (RECORDS_RETENTION_REVIEW_MONTH): list files whose retention ended into proposals."""
    from django.conf import settings
    from django.utils import timezone

    from .services.retention import retention_review

    today = timezone.localdate()
    if today.month != settings.RECORDS_RETENTION_REVIEW_MONTH:
        return 0
    return len(retention_review(year=today.year))
