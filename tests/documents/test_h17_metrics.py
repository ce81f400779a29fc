"""Metrics for scrapers and alerts as metrics (h17)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from documents.models import Dispatch
from documents.services import document_send
from egov.core.services import worker_heartbeat_record
from .conftest import make_issued

pytestmark = pytest.mark.django_db


def test_metrics_are_for_scrapers_only(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    body = response.content.decode()
    assert "django_http_requests_total_by_method_total" in body  # django-prometheus
    assert 'egov_alert{alert="no_live_worker"} 1.0' in body
    assert "egov_live_workers 0.0" in body


def test_a_dispatch_waiting_over_a_minute_raises_the_alert(client, settings, province):
    settings.METRICS_TOKEN = "t"
    clerk = province.clerk(province.ubnd)
    doc = make_issued(province.ubnd, clerk)
    dispatches = document_send(document=doc, acting_user=clerk, units=[province.snv, province.stc])
    worker_heartbeat_record(hostname="w@a")
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode()
    assert 'egov_dispatches_waiting{state="pending"} 2.0' in body
    assert 'egov_alert{alert="dispatch_waiting"} 0.0' in body
    assert 'egov_alert{alert="no_live_worker"} 0.0' in body
    Dispatch.objects.filter(pk__in=[d.pk for d in dispatches]).update(created_at=timezone.now() - timedelta(seconds=90))
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode()
    assert 'egov_alert{alert="dispatch_waiting"} 1.0' in body
    line = next(x for x in body.splitlines() if x.startswith('egov_oldest_waiting_dispatch_seconds{transport="local"}'))
    assert float(line.split()[-1]) >= 90


def test_an_axis_peer_not_polled_for_ten_minutes_is_a_metric_and_an_alert(client, settings, province):
    """Poll lag per axis peer; the stale alert in egov_alert and, once an hour, to the province admins."""
    from documents.choices import NotificationKind
    from documents.federation.models import Peer
    from documents.services.operations import operations_alerts
    from egov.core.models import Notification
    from tests.factories import MembershipFactory, UserFactory
    from units.choices import Role

    settings.METRICS_TOKEN = "t"
    admin = UserFactory(username="qt.tinh")
    MembershipFactory(user=admin, unit=province.ubnd, role=Role.UNIT_ADMIN)
    now = timezone.now()
    fresh = Peer.objects.create(code="lgsp-na", name="LGSP Nghệ An", base_url="https://127.0.0.1:9/", protocol="axis")
    Peer.objects.filter(pk=fresh.pk).update(poll_last_ok_at=now - timedelta(seconds=30))
    Peer.objects.create(code="egov-peer", name="Cổng bên", base_url="https://127.0.0.1:9/")  # not an axis peer
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode()
    lag = next(x for x in body.splitlines() if x.startswith('egov_axis_poll_lag_seconds{peer="lgsp-na"}'))
    assert 30 <= float(lag.split()[-1]) < 120
    assert 'peer="egov-peer"' not in body
    assert 'egov_alert{alert="axis_poll_stale"} 0.0' in body
    assert operations_alerts() == 0
    Peer.objects.filter(pk=fresh.pk).update(poll_last_ok_at=now - timedelta(minutes=11))
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode()
    assert 'egov_alert{alert="axis_poll_stale"} 1.0' in body
    assert operations_alerts() == 1
    note = Notification.objects.get(kind=NotificationKind.AXIS_POLL_STALE)
    assert note.user_id == admin.pk and note.object_id == fresh.pk and "lgsp-na" in note.display_text
    assert operations_alerts() == 0  # once an hour


def test_each_beat_job_records_its_last_run(client, settings):
    """A beat job run by a worker leaves its last run (egov.core.JobRun), shown as a metric."""
    from egov.celery import app
    from egov.core.models import JobRun

    settings.METRICS_TOKEN = "t"
    task = app.tasks["documents.tasks.sweep_dispatches_task"]
    assert task.name in {e["task"] for e in app.conf.beat_schedule.values()}
    # Run as a worker runs it: the prerun/postrun signals around the task body.
    from celery import signals

    signals.task_prerun.send(sender=task, task_id="t1", task=task, args=(), kwargs={})
    task.run()
    signals.task_postrun.send(sender=task, task_id="t1", task=task, args=(), kwargs={}, retval=0, state="SUCCESS")
    run = JobRun.objects.get(name=task.name)
    assert run.succeeded and (timezone.now() - run.finished_at).total_seconds() < 60
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode()
    assert f'egov_job_last_run_ok{{job="{task.name}"}} 1.0' in body
    age = next(x for x in body.splitlines() if x.startswith(f'egov_job_last_run_age_seconds{{job="{task.name}"}}'))
    assert float(age.split()[-1]) < 60
    signals.task_postrun.send(sender=task, task_id="t2", task=task, args=(), kwargs={}, retval=None, state="FAILURE")
    assert not JobRun.objects.get(name=task.name).succeeded
