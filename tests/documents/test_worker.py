"""Delivery through a real Celery worker process (not eager), on the configured database and broker."""
import json

import pytest

from egov.devtools.exchange import SEND_DAY, delivery_report, ensure_clerk, ensure_province, issue_document
from documents.models import Dispatch
from documents.services import document_send
from egov.devtools.workers import wait_until
from tests.conftest import run_manage

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_send_to_the_whole_province_is_delivered_exactly_once(live_worker):
    unit = ensure_province()
    clerk = ensure_clerk(unit)
    doc = issue_document(unit, clerk, "Gửi toàn tỉnh")
    dispatches = document_send(document=doc, acting_user=clerk, groups=["province"], on=SEND_DAY)
    assert len(dispatches) == 452  # UBND tỉnh + 19 other departments + 20 districts + 412 communes
    assert wait_until(lambda: delivery_report([doc])["exactly_once"], timeout=120, interval=0.2), \
        delivery_report([doc])
    assert not Dispatch.objects.filter(document=doc).exclude(status_code="01").exists()


def test_worker_killed_mid_send_then_restarted():
    proc = run_manage("exchange_faults", "--scenario", "kill-worker", "--json", timeout=400)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["killed_mid_send"] and result["exactly_once"]
    assert result["dispatches"] == result["incoming_records"] == 452


def test_broker_stopped_during_twenty_sends():
    import shutil

    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed for the broker fault test")
    proc = run_manage("exchange_faults", "--scenario", "stop-broker", "--json", timeout=400)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["sends"] == 20 and result["sent_while_broker_down"] == 10
    assert result["exactly_once"] and result["duplicate_arrivals"] == 0


def test_bench_exchange_runs_and_reports_exactly_once():
    proc = run_manage("bench_exchange", "--json", "--runs", "1", "--sustained", "2", timeout=400)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["recipients"] == 452 and result["sustained_deliveries"] == 904
    assert result["exactly_once"] is True
    assert result["province_send_seconds"] > 0 and result["deliveries_per_second"] > 0
    assert result["raw_insert_seconds"] > 0


def test_the_same_batch_enqueued_three_times_is_delivered_once(live_worker):
    from unittest import mock

    from documents.tasks import deliver_local_batch_task

    unit = ensure_province()
    clerk = ensure_clerk(unit)
    doc = issue_document(unit, clerk, "Giao trùng lặp")
    with mock.patch.object(deliver_local_batch_task, "delay"):  # hold the first publication back
        dispatches = document_send(document=doc, acting_user=clerk, groups=["departments"], on=SEND_DAY)
    ids = [d.pk for d in dispatches]
    for _ in range(3):  # the same batch three times, picked up concurrently by the pool
        deliver_local_batch_task.delay(ids)
    assert wait_until(lambda: delivery_report([doc])["exactly_once"], timeout=60, interval=0.1), \
        delivery_report([doc])
    from documents.models import DispatchEvent

    assert DispatchEvent.objects.filter(dispatch__document=doc, code="delivered").count() == len(ids)
