import pytest
from django.urls import reverse

from egov.core.models import WorkerHeartbeat
from egov.core.services import worker_heartbeat_record

pytestmark = pytest.mark.django_db


def test_healthz_is_503_without_a_live_worker(client):
    resp = client.get("/healthz")
    assert resp.status_code == 503
    body = resp.json()
    assert body["database"] is True and body["broker"] is True and body["worker"] is False
    assert body["ok"] is False


def test_healthz_is_green_with_a_recent_heartbeat(client):
    worker_heartbeat_record(hostname="celery@test")
    body = client.get("/healthz").json()
    assert body["ok"] is True and body["workers"][0]["hostname"] == "celery@test"


def test_stale_heartbeat_does_not_count(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    WorkerHeartbeat.objects.create(hostname="old", seen_at=timezone.now() - timedelta(seconds=settings.WORKER_STALE_AFTER + 5))
    assert client.get("/healthz").json()["worker"] is False


def test_login_page_is_vietnamese_by_default(client):
    html = client.get(reverse("login")).content.decode()
    assert "Đăng nhập" in html and 'lang="vi"' in html


def test_login_page_in_english_on_request(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in" in html


def test_home_requires_login(client):
    resp = client.get(reverse("home"))
    assert resp.status_code == 302 and reverse("login") in resp["Location"]
