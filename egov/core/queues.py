"""
Celery queues per concern (h17, docs/operations.md "Queues and workers").

Every task is routed by its name to the queue of its concern (``settings.CELERY_QUEUE_ROUTES``:
glob pattern → concern, first match wins; no match → the default queue, for housekeeping). A
queue is named ``CELERY_QUEUE_PREFIX + concern`` so that test runs and portal instances sharing
one broker never take each other's tasks; "default" is ``CELERY_TASK_DEFAULT_QUEUE``.
"""
from __future__ import annotations

import logging
from fnmatch import fnmatchcase

from django.conf import settings

log = logging.getLogger(__name__)


def queue_name(concern: str) -> str:
    if concern == "default":
        return settings.CELERY_TASK_DEFAULT_QUEUE
    return f"{settings.CELERY_QUEUE_PREFIX}{concern}"


def queue_names(concerns=None) -> list[str]:
    """The queue names of ``concerns`` (default: every concern, the default queue included)."""
    return [queue_name(c) for c in (concerns or settings.CELERY_QUEUE_CONCERNS)]


def concern_of(task_name: str) -> str:
    for pattern, concern in settings.CELERY_QUEUE_ROUTES:
        if fnmatchcase(task_name, pattern):
            return concern
    return "default"


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery router (``task_routes``): the queue of the task's concern."""
    return {"queue": queue_name(concern_of(name))}


def queue_length(concern: str) -> int | None:
    """
    Messages waiting in the queue of ``concern`` (not those a worker holds), or None when the
    broker cannot tell (unreachable). A queue the broker does not know (Redis restarted empty)
    holds 0.
    """
    from celery import current_app

    name = queue_name(concern)
    try:
        with current_app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
            channel = conn.channel()
            try:
                return channel.queue_declare(queue=name, passive=True).message_count
            except Exception as exc:  # noqa: BLE001
                if "NOT_FOUND" in str(exc) or "404" in str(exc) or "does not exist" in str(exc).lower():
                    return 0
                raise
            finally:
                try:
                    channel.close()
                except Exception:  # noqa: BLE001
                    pass
    except Exception:  # noqa: BLE001 - "cannot tell" is an answer
        log.debug("queue length of %s unknown", name, exc_info=True)
        return None


def queue_lengths() -> dict[str, int | None]:
    return {c: queue_length(c) for c in settings.CELERY_QUEUE_CONCERNS}
