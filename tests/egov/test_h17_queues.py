"""Queues per concern (h17): every task of the portal is routed to the queue of its concern."""
from __future__ import annotations

from egov.celery import app
from egov.core.queues import concern_of, queue_name, route_task


def test_tasks_are_routed_by_concern(settings):
    app.loader.import_default_modules()
    expected = {
        "documents.tasks.deliver_local_batch_task": "delivery",
        "documents.federation.tasks.peer_stream_task": "transport",
        "signatures.verify_blob": "signatures",
        "egov.core.api.tasks.webhook_deliver_task": "webhooks",
        "egov.core.tasks.send_notification_emails_task": "webhooks",
        "documents.tasks.webhook_scan_task": "webhooks",
        "documents.tasks.sweep_dispatches_task": "default",
        "documents.federation.tasks.federation_sweep_task": "default",
        "signatures.sweep_pending": "default",
        "documents.tasks.remind_overdue_task": "default",
    }
    for name, concern in expected.items():
        assert name in app.tasks, name
        assert concern_of(name) == concern, name
        assert route_task(name, (), {}, {}) == {"queue": queue_name(concern)}
    # Every registered task of ours lands on a queue a worker group consumes.
    known = {queue_name(c) for c in settings.CELERY_QUEUE_CONCERNS}
    for name in app.tasks:
        if not name.startswith("celery."):
            assert route_task(name, (), {}, {})["queue"] in known


def test_queue_names_carry_the_prefix(settings):
    settings.CELERY_QUEUE_PREFIX = "p1."
    settings.CELERY_TASK_DEFAULT_QUEUE = "p1"
    assert queue_name("delivery") == "p1.delivery"
    assert queue_name("default") == "p1"


def test_a_published_task_lands_in_its_queue(settings):
    """Through the configured broker: the delivery task's message is in the delivery queue."""
    from egov.core.queues import queue_length

    settings.CELERY_QUEUE_PREFIX = f"{settings.CELERY_QUEUE_PREFIX}routing."
    before = queue_length("delivery") or 0
    from documents.tasks import deliver_local_batch_task

    deliver_local_batch_task.delay([])
    assert queue_length("delivery") == before + 1
    assert queue_length("signatures") in (0, None) or queue_length("signatures") == 0
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue_name("delivery"))
