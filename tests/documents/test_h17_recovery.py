"""
Recovery in seconds (h17): the lease on a delivery batch is tied to the worker's heartbeat, a
message the broker lost is found when the delivery queue is empty, /healthz forgets a worker that
stopped, beat leads on one node at a time. Real database; the end-to-end fault scenarios (real
worker, beat, private PostgreSQL and broker) are in test_worker.py.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from documents.models import Dispatch, DispatchEvent
from documents.services import document_send
from documents.services.dispatches import REQUEUED, dispatches_claim, dispatches_requeue_stuck
from egov.core.models import WorkerHeartbeat
from egov.core.services import health_check, live_workers, worker_heartbeat_forget, worker_heartbeat_record

from .conftest import make_issued

pytestmark = [pytest.mark.isolated, pytest.mark.django_db]


def _send(province):
    # In a test transaction the after-commit publication never runs: the messages are "lost".
    clerk = province.clerk(province.ubnd)
    doc = make_issued(province.ubnd, clerk)
    return [d.pk for d in document_send(document=doc, acting_user=clerk, units=[province.snv, province.stc,
                                                                                  province.district])]


def test_the_batch_of_a_dead_worker_is_requeued_at_once(province, settings):
    ids = _send(province)
    worker_heartbeat_record(hostname="alive@a")
    dispatches_claim(dispatch_ids=ids[:2], worker="dead@b")
    dispatches_claim(dispatch_ids=ids[2:], worker="alive@a")
    now = timezone.now()
    # Neither stuck for DELIVERY_STUCK_AFTER nor "lost": only the dead worker's lease counts.
    requeued = dispatches_requeue_stuck(now=now, live_workers=live_workers(), queue_empty=False)
    assert sorted(requeued) == sorted(ids[:2])
    assert set(Dispatch.objects.filter(pk__in=ids[:2]).values_list("claimed_by", flat=True)) == {""}
    assert Dispatch.objects.get(pk=ids[2]).claimed_by == "alive@a"
    assert DispatchEvent.objects.filter(dispatch_id__in=ids, code=REQUEUED).count() == 2
    # Requeued once: the lease is gone, so the next sweep does not take them again.
    assert dispatches_requeue_stuck(now=now, live_workers=live_workers(), queue_empty=False) == []


def test_a_worker_whose_heartbeat_stopped_loses_its_lease(province, settings):
    ids = _send(province)
    worker_heartbeat_record(hostname="w@a")
    dispatches_claim(dispatch_ids=ids, worker="w@a")
    assert dispatches_requeue_stuck(now=timezone.now(), live_workers=live_workers()) == []
    WorkerHeartbeat.objects.filter(hostname="w@a").update(
        seen_at=timezone.now() - timedelta(seconds=settings.WORKER_STALE_AFTER + 1))
    assert sorted(dispatches_requeue_stuck(now=timezone.now(), live_workers=live_workers())) == sorted(ids)


def test_unheld_dispatches_are_lost_only_when_the_queue_is_empty_and_they_are_old(province, settings):
    ids = _send(province)
    now = timezone.now()
    assert dispatches_requeue_stuck(now=now, live_workers=set(), queue_empty=True) == []  # just sent
    later = now + timedelta(seconds=settings.DELIVERY_LOST_AFTER + 1)
    assert dispatches_requeue_stuck(now=later, live_workers=set(), queue_empty=False) == []  # still queued?
    assert sorted(dispatches_requeue_stuck(now=later, live_workers=set(), queue_empty=True)) == sorted(ids)



def test_claim_skips_finished_dispatches(province):
    ids = _send(province)
    Dispatch.objects.filter(pk=ids[0]).update(state="delivered")
    assert dispatches_claim(dispatch_ids=ids, worker="w@a") == len(ids) - 1


def test_health_forgets_a_stopped_worker_at_once_and_a_dead_one_within_the_stale_period(settings):
    worker_heartbeat_record(hostname="w@a")
    assert health_check()["worker"] is True
    worker_heartbeat_forget(hostname="w@a")
    assert health_check()["worker"] is False
    worker_heartbeat_record(hostname="w@b")
    WorkerHeartbeat.objects.filter(hostname="w@b").update(
        seen_at=timezone.now() - timedelta(seconds=settings.WORKER_STALE_AFTER + 1))
    assert health_check()["worker"] is False
    assert settings.WORKER_STALE_AFTER <= 3 * settings.WORKER_HEARTBEAT_SECONDS + 1  # seconds, not a minute


@pytest.mark.django_db(transaction=True)
def test_one_beat_scheduler_leads_at_a_time():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the beat leader lock is a PostgreSQL advisory lock; on SQLite every scheduler leads")
    from egov.core.beat import LeaderScheduler

    a, b = LeaderScheduler.__new__(LeaderScheduler), LeaderScheduler.__new__(LeaderScheduler)
    for s in (a, b):
        s._conn, s._leading = None, False
    try:
        assert a.is_leader() is True
        assert b.is_leader() is False
        assert a.is_leader() is True
        a._conn.close()  # the leader dies: its session ends, the lock is free (once the server sees it)
        from egov.devtools.workers import wait_until

        assert wait_until(b.is_leader, timeout=10, interval=0.1)
        assert a.is_leader() is False
    finally:
        for s in (a, b):
            if s._conn is not None and not s._conn.closed:
                s._conn.close()


def test_status_command_summarises_and_alerts(province):
    import json
    from io import StringIO

    from django.core.management import CommandError, call_command

    ids = _send(province)
    Dispatch.objects.filter(pk__in=ids).update(created_at=timezone.now() - timedelta(seconds=120))
    worker_heartbeat_record(hostname="w@a")
    out = StringIO()
    with pytest.raises(CommandError, match="waited"):
        call_command("status", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["dispatches_by_state"]["pending"] == len(ids)
    assert summary["oldest_waiting_seconds"]["local"] >= 120
    assert summary["live_workers"] == ["w@a"]
    assert "delivery" in summary["queues"]
    out = StringIO()
    call_command("status", "--json", "--alert-after", "600", stdout=out)
    assert json.loads(out.getvalue())["problems"] == []
