"""The follow-up API of issue 14: chases, extensions, content search with saved searches, the
handling reports and the access log, on the real services, scoped like the rest of /api/v1/."""
import datetime

import pytest
from rest_framework.test import APIClient

from documents.models import Chase, DeadlineExtension, Document, IncomingRecord
from documents.services import incoming_accept, incoming_assign, search_index_document
from egov.core.models import AccessLog

from .conftest import deliver_pending, send_via_api

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def world(province, make_api):
    """SNV sends through the API to STC; STC accepts and assigns to its specialist; the index is built."""
    snv, stc = make_api(province.snv), make_api(province.stc)
    doc = send_via_api(snv, [province.stc], subject="Kế hoạch phòng chống thiên tai năm nay")
    deliver_pending()
    search_index_document(document_id=doc)
    rec = IncomingRecord.objects.get(document_id=doc, unit=province.stc)
    incoming_accept(incoming=rec, acting_user=province.clerk(province.stc))
    incoming_assign(incoming=rec, acting_user=province.leader(province.stc),
                    main_handler=province.specialist(province.stc), deadline=TODAY + datetime.timedelta(days=3))
    return {"snv": snv, "stc": stc, "doc": doc, "rec": rec}


def _session(user):
    http = APIClient()
    http.force_login(user)
    return http


def test_chase_created_listed_and_acknowledged(province, world):
    stc, rec = world["stc"], world["rec"]
    r = stc.post("/api/v1/chases/", {"incoming": rec.pk, "kind": "criticism", "text": "Khẩn trương"}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["number"], body["kind"], body["target"]) == (1, "criticism", province.specialist(province.stc).pk)
    assert stc.post("/api/v1/chases/", {"incoming": rec.pk, "kind": "reminder"}, format="json").json()["number"] == 2
    listing = stc.get(f"/api/v1/chases/?incoming={rec.pk}&acknowledged=false").json()
    assert [c["number"] for c in listing["results"]] == [2, 1] and "next" in listing
    # the handler acknowledges with a browser session; nobody else may
    specialist = _session(province.specialist(province.stc))
    chase_id = body["id"]
    refused = _session(province.clerk(province.stc)).post(f"/api/v1/chases/{chase_id}/acknowledge/", {},
                                                            format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"]
    ack = specialist.post(f"/api/v1/chases/{chase_id}/acknowledge/", {"answer": "Đang làm"}, format="json")
    assert ack.status_code == 200 and ack.json()["acknowledgement"] == "Đang làm"
    again = specialist.post(f"/api/v1/chases/{chase_id}/acknowledge/", {}, format="json")
    assert again.status_code == 409
    mine = specialist.get("/api/v1/chases/?mine=true&acknowledged=true").json()["results"]
    assert [c["id"] for c in mine] == [chase_id]
    assert Chase.objects.get(pk=chase_id).acknowledged_at is not None


def test_chase_errors_are_structured_and_other_units_see_nothing(province, world):
    snv, stc, rec = world["snv"], world["stc"], world["rec"]
    bad = stc.post("/api/v1/chases/", {"incoming": rec.pk, "kind": "scold"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()["error"]["fields"]
    not_handler = stc.post("/api/v1/chases/", {"incoming": rec.pk, "kind": "reminder",
                                               "target": province.clerk(province.stc).pk}, format="json")
    assert not_handler.status_code == 400 and "target" in not_handler.json()["error"]["fields"]
    assert stc.post("/api/v1/chases/", {"incoming": rec.pk, "kind": "reminder", "target": 2**31 - 1},
                    format="json").status_code == 400
    # the sender is another unit: the record is not found, nothing is written
    hidden = snv.post("/api/v1/chases/", {"incoming": rec.pk, "kind": "reminder"}, format="json")
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    stc.post("/api/v1/chases/", {"incoming": rec.pk, "kind": "reminder"}, format="json")
    assert snv.get("/api/v1/chases/").json()["results"] == []
    assert snv.get(f"/api/v1/chases/{Chase.objects.get().pk}/").status_code == 404
    assert Chase.objects.count() == 1
    assert stc.get("/api/v1/chases/?mine=maybe").status_code == 400


def test_extension_requested_granted_and_refused(province, world):
    stc, rec = world["stc"], world["rec"]
    specialist = _session(province.specialist(province.stc))
    asked = specialist.post("/api/v1/extensions/", {"incoming": rec.pk, "deadline": str(TODAY + datetime.timedelta(
        days=10)), "reason": "Chờ số liệu của các xã"}, format="json")
    assert asked.status_code == 201, asked.json()
    ext = asked.json()
    assert ext["state"] == "pending" and ext["old_deadline"] == str(TODAY + datetime.timedelta(days=3))
    twice = specialist.post("/api/v1/extensions/", {"incoming": rec.pk, "deadline": str(TODAY + datetime.timedelta(
        days=11)), "reason": "Lần nữa"}, format="json")
    assert twice.status_code == 409
    assert stc.get("/api/v1/extensions/?state=pending").json()["results"][0]["id"] == ext["id"]
    no_reason = stc.post(f"/api/v1/extensions/{ext['id']}/decide/", {"grant": False}, format="json")
    assert no_reason.status_code == 400 and "note" in no_reason.json()["error"]["fields"]
    granted = stc.post(f"/api/v1/extensions/{ext['id']}/decide/",
                       {"grant": True, "deadline": str(TODAY + datetime.timedelta(days=8))}, format="json")
    assert granted.status_code == 200 and granted.json()["state"] == "granted"
    rec.refresh_from_db()
    assert rec.deadline == TODAY + datetime.timedelta(days=8)
    assert stc.post(f"/api/v1/extensions/{ext['id']}/decide/", {"grant": True}, format="json").status_code == 409
    # a second request is refused with a reason; the history keeps both
    second = specialist.post("/api/v1/extensions/", {"incoming": rec.pk, "deadline": str(TODAY + datetime.timedelta(
        days=20)), "reason": "Thêm thời gian"}, format="json").json()
    refused = stc.post(f"/api/v1/extensions/{second['id']}/decide/", {"grant": False, "note": "Không đủ lý do"},
                       format="json")
    assert refused.json()["state"] == "refused"
    assert list(DeadlineExtension.objects.filter(incoming=rec).values_list("state", flat=True).order_by("pk")) == [
        "granted", "refused"]
    assert world["snv"].get("/api/v1/extensions/").json()["results"] == []
    assert stc.get("/api/v1/extensions/?state=nonsense").status_code == 400


def test_search_is_per_unit_diacritic_insensitive_and_saved(province, world):
    snv, stc = world["snv"], world["stc"]
    r = stc.get("/api/v1/search/", {"q": "phong chong thien tai"})
    assert r.status_code == 200, r.json()
    results = r.json()["results"]
    assert len(results) == 1 and results[0]["direction"] == "incoming"
    assert results[0]["incoming"]["id"] == world["rec"].pk and results[0]["document"]["id"] == world["doc"]
    assert stc.get("/api/v1/search/", {"q": "phong chong thien tai", "direction": "outgoing"}).json()["results"] == []
    # the sender finds its own outgoing entry, never the recipient's record
    mine = snv.get("/api/v1/search/", {"q": "Thiên tai", "ordering": "newest"}).json()["results"]
    assert [x["direction"] for x in mine] == ["outgoing"]
    assert stc.get("/api/v1/search/", {"q": "khong co tu nay"}).json()["results"] == []
    empty = stc.get("/api/v1/search/")
    assert empty.status_code == 400 and "q" in empty.json()["error"]["fields"]
    assert stc.get("/api/v1/search/", {"unit": province.snv.code, "q": "thien tai"}).status_code == 400
    # saved searches: save, list, run, delete
    saved = stc.post("/api/v1/saved-searches/", {"name": "Thiên tai", "q": "thien tai", "ordering": "newest",
                                                 "columns": ["date", "subject"]}, format="json")
    assert saved.status_code == 201, saved.json()
    sid = saved.json()["id"]
    assert [s["name"] for s in stc.get("/api/v1/saved-searches/").json()["results"]] == ["Thiên tai"]
    run = stc.get("/api/v1/search/", {"saved": sid}).json()["results"]
    assert [x["incoming"]["id"] for x in run] == [world["rec"].pk]
    assert snv.get("/api/v1/search/", {"saved": sid}).status_code == 404  # another client's saved search
    assert snv.delete(f"/api/v1/saved-searches/{sid}/").status_code == 404
    assert stc.delete(f"/api/v1/saved-searches/{sid}/").status_code == 204
    assert stc.get("/api/v1/saved-searches/").json()["results"] == []
    nameless = stc.post("/api/v1/saved-searches/", {"name": " ", "q": "x"}, format="json")
    assert nameless.status_code == 400


def test_reports_as_json(province, world):
    stc, snv = world["stc"], world["snv"]
    stc.post("/api/v1/chases/", {"incoming": world["rec"].pk, "kind": "reminder"}, format="json")
    period = {"start": str(TODAY.replace(day=1)), "end": str(TODAY)}
    r = stc.get("/api/v1/reports/incoming/", {**period, "group": "handler"})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["total"]["received"] == 1 and body["total"]["in_progress"] == 1 and body["total"]["chases"] == 1
    assert body["rows"][0]["key"] == province.specialist(province.stc).pk and body["group"] == "handler"
    out = snv.get("/api/v1/reports/outgoing/", period).json()
    assert out["total"]["issued"] == 1 and out["total"]["recipients"] == 1 and out["connection"] is None
    backwards = stc.get("/api/v1/reports/incoming/", {"start": str(TODAY), "end": str(TODAY.replace(day=1) -
                                                                                       datetime.timedelta(days=1))})
    assert backwards.status_code == 400 and backwards.json()["error"]["fields"]
    province_wide = stc.get("/api/v1/reports/outgoing/", {**period, "scope": "province"})
    assert province_wide.status_code == 403  # a department is not the provincial committee
    specialist = _session(province.specialist(province.stc))
    assert specialist.get("/api/v1/reports/incoming/", period).status_code == 403


def test_access_log_of_a_record_and_a_document(province, world):
    snv, stc, rec = world["snv"], world["stc"], world["rec"]
    att = Document.objects.get(pk=world["doc"]).attachments.get()
    for api in (stc, snv):  # the rows are written once the file has streamed to the client
        response = api.get(f"/api/v1/attachments/{att.pk}/content/")
        assert response.status_code == 200
        b"".join(response.streaming_content)
    assert AccessLog.objects.filter(object_type="documents.attachment", object_id=str(att.pk)).count() == 2
    counts = stc.get(f"/api/v1/incoming/{rec.pk}/access-counts/").json()
    assert counts["files"] == [{"attachment": att.pk, "name": att.original_name,
                                "counts": {"view": 0, "download": 1, "print": 0, "total": 1}}]
    rows = stc.get(f"/api/v1/incoming/{rec.pk}/accesses/").json()["results"]
    assert [(r["action"], r["unit"]) for r in rows] == [("download", province.stc.code)]  # own staff only
    doc_rows = snv.get(f"/api/v1/documents/{world['doc']}/accesses/").json()["results"]
    assert sorted(r["unit"] for r in doc_rows) == sorted([province.snv.code, province.stc.code])  # the issuer: all
    assert snv.get(f"/api/v1/incoming/{rec.pk}/accesses/").status_code == 404
    specialist = _session(province.specialist(province.stc))
    assert specialist.get(f"/api/v1/incoming/{rec.pk}/accesses/").status_code == 403
