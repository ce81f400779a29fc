"""Webhooks: outbox scan of dispatch events, HMAC-signed delivery, every attempt recorded, retries."""
import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from egov.core.api.models import WebhookAttempt, WebhookDelivery
from documents.webhooks import webhook_scan
from egov.core.api.webhooks import verify_signature, webhook_deliver

from .conftest import deliver_pending, send_via_api

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    """An HTTP server on loopback that records requests; answers with ``status`` (settable)."""
    got = {"requests": [], "status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got["requests"].append((dict(self.headers), body))
            self.send_response(got["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    got["url"] = f"http://127.0.0.1:{server.server_port}/hook"
    yield got
    server.shutdown()


def later():
    return timezone.now() + datetime.timedelta(seconds=60)


def test_received_and_status_events_are_signed_and_recorded(province, make_api, receiver):
    snv, stc = make_api(province.snv), make_api(province.stc)
    r = stc.post("/api/v1/webhooks/", {"url": receiver["url"], "events": ["document.received"]}, format="json")
    assert r.status_code == 201
    stc_secret = r.json()["secret"]
    r = snv.post("/api/v1/webhooks/", {"url": receiver["url"]}, format="json")
    snv_secret = r.json()["secret"]
    assert "secret" not in snv.get(f"/api/v1/webhooks/{r.json()['id']}/").json()
    doc = send_via_api(snv, [province.stc])
    deliver_pending()
    created = webhook_scan(now=later())
    assert created >= 2
    assert webhook_scan(now=later()) == 0  # the cursor moved: nothing twice
    for d in WebhookDelivery.objects.order_by("pk"):
        assert webhook_deliver(delivery_id=d.pk) is None
    events = {}
    for headers, body in receiver["requests"]:
        payload = json.loads(body)
        secret = stc_secret if payload["event"] == "document.received" else snv_secret
        assert verify_signature(secret, headers["X-Egov-Signature"], body)
        assert not verify_signature("wrong", headers["X-Egov-Signature"], body)
        events.setdefault(payload["event"], []).append(payload["data"])
    assert events["document.received"][0]["document_id"] == doc
    assert events["document.received"][0]["incoming_id"] is not None
    assert {e["code"] for e in events["dispatch.status_changed"]} >= {"pending", "delivered", "01"}
    assert WebhookDelivery.objects.filter(state="succeeded").count() == len(receiver["requests"])
    assert WebhookAttempt.objects.count() == len(receiver["requests"])
    # The receiving client reads its deliveries through the API.
    hook = stc.get("/api/v1/webhooks/").json()["results"][0]["id"]
    rows = stc.get(f"/api/v1/webhooks/{hook}/deliveries/").json()["results"]
    assert [r["event"] for r in rows] == ["document.received"] and rows[0]["attempts"] == 1


def test_failures_back_off_and_end_failed(province, make_api, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    snv, stc = make_api(province.snv), make_api(province.stc)
    stc.post("/api/v1/webhooks/", {"url": receiver["url"], "events": ["document.received"]}, format="json")
    send_via_api(snv, [province.stc])
    deliver_pending()
    webhook_scan(now=later())
    receiver["status"] = 503
    d = WebhookDelivery.objects.get()
    retry_in = webhook_deliver(delivery_id=d.pk)
    d.refresh_from_db()
    assert retry_in > 0 and d.state == "retrying" and d.last_status_code == 503 and d.next_attempt_at > timezone.now()
    assert webhook_deliver(delivery_id=d.pk) is None  # not due yet: no request
    assert len(receiver["requests"]) == 1
    WebhookDelivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now())
    assert webhook_deliver(delivery_id=d.pk) is None
    d.refresh_from_db()
    assert d.state == "failed" and d.attempts == 2 and WebhookAttempt.objects.filter(delivery=d).count() == 2


def test_webhook_validation_and_scope(province, make_api):
    stc = make_api(province.stc)
    r = stc.post("/api/v1/webhooks/", {"url": "ftp://x/"}, format="json")
    assert r.status_code == 400 and "url" in r.json()["error"]["fields"]
    r = stc.post("/api/v1/webhooks/", {"url": "http://127.0.0.1/x", "events": ["nope"]}, format="json")
    assert r.status_code == 400
    assert make_api(province.stc, ["units:read"]).get("/api/v1/webhooks/").status_code == 403
