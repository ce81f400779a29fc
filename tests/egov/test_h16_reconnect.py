"""
Recovery after a broker restart (issue 16): the worker's consumer and beat try to reconnect at
the configured intervals (every second), not with kombu's own back-off of 2, 4, 6 … 30 s, which
left a worker idle up to 10 s after the broker came back. Real connection attempts against a
closed port; the back-off is read from what each one logs.
"""
from __future__ import annotations

import logging
import re

import pytest
from kombu import Connection

from egov.celery import ReconnectingConsumer, app, reconnect_intervals
from egov.core.beat import LeaderScheduler
from egov.devtools.servers import free_port

FAST = {"interval_start": 0.2, "interval_step": 0.2, "interval_max": 0.4}


@pytest.fixture
def fast_retry(monkeypatch):
    monkeypatch.setitem(app.conf, "broker_transport_options", {**(app.conf.broker_transport_options or {}), **FAST})
    monkeypatch.setitem(app.conf, "broker_connection_max_retries", 3)
    return f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there


def _waits(records, pattern) -> list[float]:
    """The back-off each failed attempt announced ("now": under a second, as Celery words it)."""
    return [0.0 if m.group(1) == "now" else float(m.group(1)) for r in records
            if (m := re.search(pattern, r.getMessage()))]


def test_the_worker_is_configured_with_the_reconnecting_consumer(settings):
    assert app.conf.worker_consumer == "egov.celery:ReconnectingConsumer"
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        assert reconnect_intervals() == {"interval_start": 0.5, "interval_step": 0.5, "interval_max": 1.0}


def test_the_consumer_retries_at_the_configured_intervals(fast_retry, caplog):
    consumer = ReconnectingConsumer.__new__(ReconnectingConsumer)  # only the connection logic is exercised
    consumer.app, consumer.first_connection_attempt, consumer.broker_connection_retry_attempt = app, False, 0
    caplog.set_level(logging.ERROR, logger="celery.worker.consumer.consumer")
    with Connection(fast_retry, connect_timeout=1) as conn, pytest.raises(Exception):
        consumer.ensure_connected(conn)
    waits = _waits(caplog.records, r"Trying again (?:in )?(now|[\d.]+)")
    assert waits and max(waits) <= FAST["interval_max"], waits  # kombu's own would say 2.00, 4.00, 6.00


def test_beat_retries_at_the_configured_intervals(fast_retry, caplog):
    scheduler = LeaderScheduler.__new__(LeaderScheduler)
    scheduler.app = app
    scheduler.__dict__["connection"] = Connection(fast_retry, connect_timeout=1)  # a cached_property
    caplog.set_level(logging.ERROR, logger="egov.core.beat")
    try:
        with pytest.raises(Exception):
            scheduler._ensure_connected()
    finally:
        scheduler.connection.release()
    waits = _waits(caplog.records, r"trying again in ([\d.]+) s")
    assert waits and max(waits) <= FAST["interval_max"], waits
