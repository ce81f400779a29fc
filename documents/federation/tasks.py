"""
Celery tasks of the federation (loaded through CELERY_IMPORTS). Thin: they take primary keys
and call services; the state of record is in the database (Dispatch, StatusOutbox), never in
the broker message.
"""
from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=2,
             retry_backoff_max=60, retry_jitter=True, max_retries=8)
def peer_stream_task(self, peer_id: int) -> dict:
    """Drain one peer's stream (documents and statuses, oldest first). A second run for the same peer returns at once."""
    from .outbound import peer_stream_drain

    return peer_stream_drain(peer_id=peer_id)


@shared_task(acks_late=True)
def federation_sweep_task() -> int:
    from .outbound import federation_sweep

    return federation_sweep()


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=2,
             retry_backoff_max=60, retry_jitter=True, max_retries=8)
def axis_stream_task(self, peer_id: int) -> dict:
    """Drain one axis peer's outgoing stream (sendEdoc)."""
    from .axis.transport import axis_stream_drain

    return axis_stream_drain(peer_id=peer_id)


@shared_task(acks_late=True)
def axis_poll_task(peer_id: int) -> dict:
    """One poll of one axis peer (getReceivedEdocList → getEdoc → import → updateStatus)."""
    from .axis.poller import axis_poll

    return axis_poll(peer_id=peer_id)


@shared_task(acks_late=True)
def axis_poll_due_task() -> int:
    """Beat: poll the axis peers whose interval (or back-off) is over."""
    from .axis.poller import axis_poll_due

    return axis_poll_due()
