import datetime
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from documents.choices import DeliveryState, IncomingStatus
from documents.models import Dispatch, DispatchEvent, IncomingRecord
from egov.core.models import Notification
from documents.services import (
    deliver_local_batch,
    dispatch_record_failure,
    dispatch_retry,
    dispatch_sweep,
    document_send,
)
from egov.core.errors import StateError
from documents.tasks import deliver_local_batch_task

TODAY = datetime.date(2026, 3, 6)


def _send(province, issued, units):
    clerk = province.clerk(province.snv)
    doc = issued(province.snv, clerk)
    with mock.patch.object(deliver_local_batch_task, "delay"):
        return doc, document_send(document=doc, acting_user=clerk, units=units, on=TODAY)


@pytest.mark.django_db
def test_delivery_creates_incoming_records_and_status_01(province, issued):
    province.clerk(province.communes[0])
    doc, dispatches = _send(province, issued, province.communes)
    ids = [d.pk for d in dispatches]
    assert deliver_local_batch(dispatch_ids=ids) == 3
    for d in Dispatch.objects.filter(pk__in=ids):
        assert d.state == DeliveryState.DELIVERED and d.status_code == "01" and d.delivered_at
        assert list(d.events.values_list("code", flat=True)) == ["pending", "delivered", "01"]
    rec = IncomingRecord.objects.get(unit=province.communes[0])
    assert rec.status == IncomingStatus.ARRIVED and rec.document_id == doc.pk and rec.sender_id == province.snv.pk
    assert Notification.objects.filter(unit=province.communes[0], kind="incoming.arrived").count() == 1


@pytest.mark.django_db
def test_delivering_twice_changes_nothing(province, issued):
    doc, dispatches = _send(province, issued, province.communes)
    ids = [d.pk for d in dispatches]
    deliver_local_batch(dispatch_ids=ids)
    events = DispatchEvent.objects.count()
    assert deliver_local_batch(dispatch_ids=ids) == 0
    assert IncomingRecord.objects.count() == 3 and DispatchEvent.objects.count() == events


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_create_one_record(province, issued):
    doc, dispatches = _send(province, issued, province.communes)
    ids = [d.pk for d in dispatches]
    barrier = threading.Barrier(4)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(deliver_local_batch(dispatch_ids=ids))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sum(results) == 3
    assert IncomingRecord.objects.count() == 3
    assert DispatchEvent.objects.filter(code="delivered").count() == 3


@pytest.mark.django_db
def test_sweeper_reenqueues_stuck_dispatches_only(province, issued, settings):
    settings.DELIVERY_STUCK_AFTER = 60
    settings.DELIVERY_LOST_AFTER = 600  # only the "stuck" rule here (the lease rules: test_h17_recovery.py)
    doc, dispatches = _send(province, issued, province.communes)
    Dispatch.objects.filter(pk=dispatches[0].pk).update(enqueued_at=timezone.now() - timedelta(minutes=5))
    deliver_local_batch(dispatch_ids=[dispatches[2].pk])
    with mock.patch.object(deliver_local_batch_task, "delay") as delay:
        with mock.patch("django.db.transaction.on_commit", side_effect=lambda f, robust=False: f()):
            assert dispatch_sweep() == 1
    delay.assert_called_once_with([dispatches[0].pk])
    # Just re-enqueued: not again until it is stuck again.
    with mock.patch.object(deliver_local_batch_task, "delay") as delay:
        assert dispatch_sweep() == 0


@pytest.mark.django_db
def test_failures_back_off_then_fail_and_a_clerk_can_retry(province, issued, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 3
    doc, [d] = _send(province, issued, [province.stc])
    before = timezone.now()
    assert dispatch_record_failure(dispatch_id=d.pk, error="disk full") == DeliveryState.RETRYING
    d.refresh_from_db()
    assert d.next_attempt_at > before and d.attempts == 1
    assert dispatch_record_failure(dispatch_id=d.pk, error="disk full") == DeliveryState.RETRYING
    d.refresh_from_db()
    assert dispatch_record_failure(dispatch_id=d.pk, error="disk full") == DeliveryState.FAILED
    d.refresh_from_db()
    assert d.state == DeliveryState.FAILED and d.next_attempt_at is None
    assert Notification.objects.filter(kind="dispatch.failed", unit=province.snv).exists()
    with pytest.raises(Exception):
        dispatch_retry(dispatch=d, acting_user=province.specialist(province.snv))
    with mock.patch.object(deliver_local_batch_task, "delay"):
        dispatch_retry(dispatch=d, acting_user=province.clerk(province.snv))
    d.refresh_from_db()
    assert d.state == DeliveryState.PENDING
    with pytest.raises(StateError):
        dispatch_retry(dispatch=d, acting_user=province.clerk(province.snv))
    assert deliver_local_batch(dispatch_ids=[d.pk]) == 1


@pytest.mark.django_db
def test_backoff_grows_with_jitter():
    from documents.services import backoff_seconds

    samples = [backoff_seconds(n) for n in range(1, 8)]
    assert all(2.5 <= s <= 5 for s in [backoff_seconds(1) for _ in range(20)])
    assert samples[-1] > samples[0]
    assert max(backoff_seconds(50) for _ in range(20)) <= 3600


@pytest.mark.django_db
def test_task_isolates_a_failing_dispatch(province, issued):
    doc, dispatches = _send(province, issued, province.communes)
    ids = [d.pk for d in dispatches]
    from documents.services import delivery

    real = delivery._deliver_rows

    def flaky(rows):
        if any(r["pk"] == ids[1] for r in rows):
            raise ValueError("corrupt row")
        return real(rows)

    with mock.patch.object(delivery, "_deliver_rows", side_effect=flaky):
        assert deliver_local_batch_task.run(ids) == 2
    states = dict(Dispatch.objects.filter(pk__in=ids).values_list("pk", "state"))
    assert states[ids[0]] == states[ids[2]] == DeliveryState.DELIVERED
    assert states[ids[1]] == DeliveryState.RETRYING


@pytest.mark.parametrize("parallel,fan_out,expected", [
    (1, 3, 100),      # a small send: one batch (the minimum is a ceiling here, not a padding)
    (1, 452, 452),    # the province-wide send: one batch
    (1, 4_500, 500),  # a national fan-out: batches of the maximum
    (2, 452, 226),    # two pool processes share the province-wide send
    (4, 452, 113),
    (8, 452, 100),    # never below the minimum
])
def test_delivery_batch_adapts_to_the_fan_out(settings, parallel, fan_out, expected):
    from documents.services.delivery import _chunks, delivery_batch_size

    settings.DELIVERY_BATCH_SIZE, settings.DELIVERY_PARALLEL_BATCHES = 0, parallel
    settings.DELIVERY_BATCH_MIN, settings.DELIVERY_BATCH_MAX = 100, 500
    size = delivery_batch_size(fan_out)
    assert size == expected
    chunks = list(_chunks(list(range(fan_out)), size))
    assert sum(map(len, chunks)) == fan_out and max(map(len, chunks)) <= 500
    settings.DELIVERY_BATCH_SIZE = 250  # a fixed size wins
    assert delivery_batch_size(fan_out) == 250
