"""Celery tasks of the API: webhook outbox scan (beat), delivery with retries, idempotency purge."""
from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def webhook_scan_task() -> int:
    from .webhooks import webhook_scan, webhook_sweep

    return webhook_scan() + webhook_sweep()


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

    horizon = timezone.now() - timedelta(seconds=getattr(settings, "API_IDEMPOTENCY_TTL", 86400))
    return IdempotencyRecord.objects.filter(created_at__lt=horizon).delete()[0]
