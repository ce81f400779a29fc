"""Structured logs (h17): a request id per request, carried by the tasks it enqueues, in JSON lines."""
from __future__ import annotations

import json
import logging

import pytest
import structlog
from kombu import Connection

from egov.celery import app
from egov.core.logs import _bind_task, json_formatter
from egov.core.queues import queue_name

pytestmark = pytest.mark.django_db


def test_request_id_is_echoed_or_made(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="req-1234abcd")["X-Request-ID"] == "req-1234abcd"
    made = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\n")["X-Request-ID"]
    assert len(made) == 32 and made != "bad id\n"


def test_a_task_enqueued_during_a_request_carries_its_id(settings):
    from documents.tasks import deliver_local_batch_task

    settings.CELERY_QUEUE_PREFIX = f"{settings.CELERY_QUEUE_PREFIX}logs."
    structlog.contextvars.bind_contextvars(request_id="req-feedbeef")
    try:
        deliver_local_batch_task.delay([])
    finally:
        structlog.contextvars.clear_contextvars()
    with Connection(settings.CELERY_BROKER_URL) as conn:
        queue = conn.SimpleQueue(queue_name("delivery"))
        message = queue.get(timeout=5)
        headers = message.headers
        message.ack()
        queue.close()
    assert headers["request_id"] == "req-feedbeef"
    # The worker side: the task's context (built from those headers) binds the same id.
    task = app.tasks["documents.tasks.deliver_local_batch_task"]
    task.push_request(**headers)
    try:
        _bind_task(task_id=headers["id"], task=task)
        bound = structlog.contextvars.get_contextvars()
    finally:
        task.pop_request()
        structlog.contextvars.clear_contextvars()
    assert bound["request_id"] == "req-feedbeef" and bound["task_id"] == headers["id"]


def test_log_lines_are_json_with_the_context():
    structlog.contextvars.bind_contextvars(request_id="req-0000aaaa", user="vanthu")
    try:
        record = logging.LogRecord("documents.x", logging.WARNING, __file__, 1, "batch %s failed", ("7",), None)
        line = json_formatter().format(record)
    finally:
        structlog.contextvars.clear_contextvars()
    data = json.loads(line)
    assert data["event"] == "batch 7 failed" and data["request_id"] == "req-0000aaaa" and data["user"] == "vanthu"
    assert data["level"] == "warning" and data["logger"] == "documents.x"
