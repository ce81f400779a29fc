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
