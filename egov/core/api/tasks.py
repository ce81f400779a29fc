"""Celery tasks of the API plumbing: webhook delivery with retries and its sweeper, idempotency purge."""
from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def webhook_sweep_task() -> int:
    from .webhooks import webhook_sweep

    return webhook_sweep()


@shared_task(bind=True, acks_late=True, max_retries=None)
def webhook_deliver_task(self, delivery_id: int) -> None:
    from .webhooks import webhook_deliver

    retry_in = webhook_deliver(delivery_id=delivery_id)
    if retry_in is not None:
        raise self.retry(countdown=retry_in)


@shared_task(acks_late=True)
def idempotency_purge_task() -> int:
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from .models import IdempotencyRecord

    horizon = timezone.now() - timedelta(seconds=settings.API_IDEMPOTENCY_TTL)
    return IdempotencyRecord.objects.filter(created_at__lt=horizon).delete()[0]
