"""Idempotency, ETag/If-Match, cursor pagination, throttling, size limits, schema and offline docs."""
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from documents.models import Document, IncomingRecord

from .conftest import deliver_pending, draft_payload, send_via_api

pytestmark = pytest.mark.django_db


def test_idempotent_create_replays_and_rejects_another_body(province, make_api):
    api = make_api(province.snv)
    first = api.post("/api/v1/documents/", draft_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/api/v1/documents/", draft_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Document.objects.count() == 1
    other = api.post("/api/v1/documents/", draft_payload(subject="Khác"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    # Another client may use the same key for itself.
    assert make_api(province.stc).post("/api/v1/documents/", draft_payload(), format="json",
                                       HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201
    # An error response is replayed too (same request → same answer).
    bad1 = api.post("/api/v1/documents/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    bad2 = api.post("/api/v1/documents/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert bad1.status_code == bad2.status_code == 400 and bad1.json() == bad2.json()
    assert api.post("/api/v1/documents/", draft_payload(), format="json",
                    HTTP_IDEMPOTENCY_KEY="bad key with spaces").status_code == 400


def test_idempotent_send_does_not_send_twice(province, make_api):
    api = make_api(province.snv)
    doc = api.post("/api/v1/documents/", draft_payload(), format="json").json()["id"]
    from documents.services import attachment_add

    attachment_add(document=Document.objects.get(pk=doc), acting_user=api.user, upload=b"%PDF-1.4\n%%EOF\n",
                   name="a.pdf")
    api.post(f"/api/v1/documents/{doc}/issue/", {}, format="json")
    body = {"units": [province.stc.code]}
    r1 = api.post(f"/api/v1/documents/{doc}/send/", body, format="json", HTTP_IDEMPOTENCY_KEY="send-1")
    r2 = api.post(f"/api/v1/documents/{doc}/send/", body, format="json", HTTP_IDEMPOTENCY_KEY="send-1")
    assert r1.status_code == r2.status_code == 201 and r1.json() == r2.json()
    r3 = api.post(f"/api/v1/documents/{doc}/send/", body, format="json")
    assert r3.status_code == 400  # without the key the service says: already sent


@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_create_one_document(province, make_api):
    api = make_api(province.snv)
    results, barrier = [], threading.Barrier(6)

    def post():
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Bearer {api.token}")
        barrier.wait()
        try:
            r = c.post("/api/v1/documents/", draft_payload(), format="json", HTTP_IDEMPOTENCY_KEY="race-1")
            results.append((r.status_code, r.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Document.objects.count() == 1
    assert len(results) == 6 and {r for r in results} == {(201, Document.objects.get().pk)}


def test_etag_and_if_match_prevent_lost_updates(province, make_api):
    api = make_api(province.snv)
    doc = api.post("/api/v1/documents/", draft_payload(), format="json").json()["id"]
    etag = api.get(f"/api/v1/documents/{doc}/")["ETag"]
    r = api.patch(f"/api/v1/documents/{doc}/", {"subject": "Một"}, format="json", HTTP_IF_MATCH=etag)
    assert r.status_code == 200 and r["ETag"] != etag
    r = api.patch(f"/api/v1/documents/{doc}/", {"subject": "Hai"}, format="json", HTTP_IF_MATCH=etag)
    assert r.status_code == 412 and r.json()["error"]["code"] == "precondition_failed"
    assert Document.objects.get(pk=doc).subject == "Một"
    stc = make_api(province.stc)
    send_via_api(api, [province.stc])
    deliver_pending()
    rec = IncomingRecord.objects.get(unit=province.stc)
    stale = stc.get(f"/api/v1/incoming/{rec.pk}/")["ETag"]
    assert stc.post(f"/api/v1/incoming/{rec.pk}/accept/", HTTP_IF_MATCH=stale).status_code == 200
    assert stc.post(f"/api/v1/incoming/{rec.pk}/reject/", {"reason": "x"}, format="json",
                    HTTP_IF_MATCH=stale).status_code == 412


def test_cursor_pagination_is_stable_under_inserts(province, make_api):
    snv, stc = make_api(province.snv), make_api(province.stc)
    for i in range(7):
        send_via_api(snv, [province.stc], subject=f"Văn bản {i}")
    deliver_pending()
    seen, url = [], "/api/v1/incoming/?page_size=3"
    page = stc.get(url).json()
    seen += [r["id"] for r in page["results"]]
    send_via_api(snv, [province.stc], subject="Mới đến giữa chừng")  # arrives while the client pages
    deliver_pending()
    while page["next"]:
        page = stc.get(page["next"]).json()
        seen += [r["id"] for r in page["results"]]
    assert len(seen) == len(set(seen)) == 7
    assert stc.get("/api/v1/incoming/", {"cursor": "garbage"}).status_code == 404


def test_incoming_list_query_count_is_constant(province, make_api, django_assert_max_num_queries):
    snv, stc = make_api(province.snv), make_api(province.stc)
    for i in range(12):
        send_via_api(snv, [province.stc], subject=f"Văn bản {i}")
    deliver_pending()
    stc.get("/api/v1/incoming/?page_size=2")
    with django_assert_max_num_queries(9):  # 8 + the audit row's place in its hash chain (egov/core/audit_chain.py)
        assert len(stc.get("/api/v1/incoming/?page_size=12").json()["results"]) == 12


def test_rate_limit_per_client(province, make_api):
    api = make_api(province.snv, ["units:read"], rate=3)
    codes = [api.get("/api/v1/units/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = api.get("/api/v1/units/")
    assert r.json()["error"]["code"] == "throttled" and int(r["Retry-After"]) >= 1
    assert make_api(province.stc, ["units:read"]).get("/api/v1/units/").status_code == 200


def test_request_size_limit(province, make_api, settings):
    settings.API_MAX_REQUEST_BYTES = 1000
    api = make_api(province.snv)
    r = api.post("/api/v1/documents/", draft_payload(content="x" * 2000), format="json")
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"
    assert not Document.objects.exists()


def test_schema_and_offline_docs(client):
    r = client.get("/api/schema/?format=json")
    schema = r.json()
    assert schema["openapi"].startswith("3.") and "/api/v1/incoming/" in schema["paths"]
    assert "apiToken" in schema["components"]["securitySchemes"]
    op = schema["paths"]["/api/v1/documents/"]["post"]
    assert "409" in op["responses"] and any(p["name"] == "Idempotency-Key" for p in op["parameters"])
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower() and "/static/drf_spectacular_sidecar/" in html
    assert "/static/drf_spectacular_sidecar/" in client.get("/api/redoc/").content.decode()


@pytest.mark.parametrize("query", ["page_size=abc", "page_size=null&page_size=null", "page_size=0",
                                   "page_size=201", "page_size=-1", "page_size=5&page_size=6", "page_size=%D9%A3"])
def test_a_page_size_the_schema_does_not_allow_is_a_400_with_the_api_error_body(province, make_api, query):
    api = make_api(province.snv)
    r = api.get(f"/api/v1/units/?{query}")
    assert r.status_code == 400 and list(r.json()["error"]["fields"]) == ["page_size"], r.content
    assert api.get("/api/v1/units/?page_size=200").status_code == 200


def test_the_schema_declares_what_the_api_checks_on_page_size_and_idempotency_keys(client):
    schema = client.get("/api/schema/?format=json").json()
    ops = [op for item in schema["paths"].values() for op in item.values() if isinstance(op, dict)]
    page_sizes = [p["schema"] for op in ops for p in op.get("parameters", []) if p["name"] == "page_size"]
    assert page_sizes and all(s == {"type": "integer", "minimum": 1, "maximum": 200} for s in page_sizes)
    keys = [p["schema"] for op in ops for p in op.get("parameters", []) if p["name"] == "Idempotency-Key"]
    assert keys and all(s["pattern"] == "^[!-~]{1,255}$" and s["maxLength"] == 255 for s in keys)
