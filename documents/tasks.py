"""
Celery tasks of the documents app. Thin: they take primary keys and call services. Delivery
tasks retry on database errors with exponential backoff and jitter; the state of record is
the Dispatch row, never the broker message.
"""
from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError

log = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=1,
             retry_backoff_max=settings.DELIVERY_DB_RETRY_MAX, retry_jitter=False, max_retries=40)
def deliver_local_batch_task(self, dispatch_ids: list[int]) -> int:
    """
    Deliver a batch of local dispatches; a dispatch that keeps failing alone is marked
    retrying/failed. The worker first takes the lease on the batch (``dispatches_claim``,
    committed on its own): if this worker dies, the sweeper re-enqueues the batch as soon as the
    worker's heartbeat stops. A database outage retries the task every DELIVERY_DB_RETRY_MAX
    seconds at most (after 40 tries the sweeper's safety net takes over).
    """
    from .services.delivery import deliver_local_batch
    from .services.dispatches import dispatch_record_failure, dispatches_claim

    try:
        dispatches_claim(dispatch_ids=dispatch_ids, worker=self.request.hostname or "")
        return deliver_local_batch(dispatch_ids=dispatch_ids)
    except (OperationalError, InterfaceError):
        raise  # the database itself is unwell: retry the whole batch later
    except DatabaseError as exc:
        if len(dispatch_ids) == 1:
            dispatch_record_failure(dispatch_id=dispatch_ids[0], error=repr(exc))
            return 0
        log.warning("batch delivery failed (%s); delivering one by one", exc)
    except Exception as exc:  # noqa: BLE001 - isolate the dispatch that breaks the batch
        if len(dispatch_ids) == 1:
            dispatch_record_failure(dispatch_id=dispatch_ids[0], error=repr(exc))
            return 0
        log.warning("batch delivery failed (%r); delivering one by one", exc)
    delivered = 0
    for pk in dispatch_ids:
        try:
            delivered += deliver_local_batch(dispatch_ids=[pk])
        except Exception as exc:  # noqa: BLE001
            dispatch_record_failure(dispatch_id=pk, error=repr(exc))
    return delivered


@shared_task(acks_late=True)
def sweep_dispatches_task() -> int:
    """Beat: every transport re-enqueues what a lost message or a dead worker left behind."""
    from .services.dispatches import dispatch_sweep

    return dispatch_sweep()


@shared_task(acks_late=True)
def search_index_sweep_task() -> int:
    """Beat: index the recent records and documents whose indexing task was lost (broker down)."""
    from .services.search import search_index_sweep

    return search_index_sweep()


@shared_task(acks_late=True)
def held_files_sweep_task() -> int:
    """Beat: remove compose files held across an error and never used (older than a day)."""
    from .services.held import held_files_sweep

    return held_files_sweep()


@shared_task(acks_late=True)
def remind_overdue_task() -> int:
    from .services.notifications import incoming_remind_overdue

    return incoming_remind_overdue()


@shared_task(acks_late=True)
def comment_reminders_task() -> int:
    from .services.drafts import comment_requests_remind

    return comment_requests_remind()


@shared_task(acks_late=True)
def webhook_scan_task() -> int:
    from .webhooks import webhook_scan

    return webhook_scan()


@shared_task(acks_late=True)
def operations_alerts_task() -> int:
    """Beat (h17): certificates expiring, stale CRLs, waiting deliveries → the admins who must act."""
    from .services.operations import operations_alerts

    return operations_alerts()


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=2,
             retry_backoff_max=120, retry_jitter=True, max_retries=8)
def search_index_task(document_ids: list[int], dispatch_ids: list[int] | None = None) -> int:
    """
    Extract the files' text (once) and rebuild the search entries of these documents; with
    ``dispatch_ids`` (a delivery batch) only the entries of those dispatches' records.
    """
    from .services.search import search_index_document

    return sum(search_index_document(document_id=pk, dispatch_ids=dispatch_ids) for pk in document_ids)
