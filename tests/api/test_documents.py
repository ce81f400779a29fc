"""Outgoing and incoming documents through the API: happy paths, validation, permission boundaries."""
import datetime

import pytest

from documents.models import Document, IncomingRecord

from .conftest import PDF, deliver_pending, draft_payload, send_via_api, upload

pytestmark = pytest.mark.django_db


def test_send_and_the_recipient_works_it_through(province, make_api):
    snv, stc = make_api(province.snv), make_api(province.stc)
    doc = send_via_api(snv, [province.stc])
    assert deliver_pending() == 1
    inbox = stc.get("/api/v1/incoming/").json()["results"]
    assert len(inbox) == 1 and inbox[0]["document"]["id"] == doc and inbox[0]["status"] == "arrived"
    rec = inbox[0]["id"]
    r = stc.post(f"/api/v1/incoming/{rec}/accept/", format="json")
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["incoming_number"] == 1
    me = stc.user.pk
    r = stc.post(f"/api/v1/incoming/{rec}/assign/", {"main_handler": me, "instruction": "Xử lý"}, format="json")
    assert r.status_code == 200, r.json()
    r = stc.post(f"/api/v1/incoming/{rec}/progress/", {"note": "Đang làm", "progress": 40}, format="json")
    assert r.status_code == 200 and r.json()["progress"] == 40
    r = stc.post(f"/api/v1/incoming/{rec}/finish/", {"note": "Xong"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "done"
    # The sender sees every status per recipient.
    rows = snv.get(f"/api/v1/documents/{doc}/dispatches/").json()["results"]
    assert rows[0]["recipient"] == province.stc.code and rows[0]["status_code"] == "06"
    summary = snv.get(f"/api/v1/documents/{doc}/status/").json()
    assert summary["total"] == 1 and summary["statuses"] == {"06": 1}
    events = snv.get(f"/api/v1/dispatches/{rows[0]['id']}/").json()["events"]
    assert [e["code"] for e in events if e["kind"] == "business"] == ["01", "03", "04", "05", "06"]


def test_reject_needs_a_reason_and_records_it(province, make_api):
    snv, stc = make_api(province.snv), make_api(province.stc)
    send_via_api(snv, [province.stc])
    deliver_pending()
    rec = IncomingRecord.objects.get(unit=province.stc)
    r = stc.post(f"/api/v1/incoming/{rec.pk}/reject/", {}, format="json")
    assert r.status_code == 400 and "reason" in r.json()["error"]["fields"]
    r = stc.post(f"/api/v1/incoming/{rec.pk}/reject/", {"reason": "Gửi nhầm"}, format="json")
    assert r.status_code == 200 and r.json()["rejected_reason"] == "Gửi nhầm"
    r = stc.post(f"/api/v1/incoming/{rec.pk}/accept/", format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_state"


def test_take_back_request_and_answer(province, make_api):
    snv, stc = make_api(province.snv), make_api(province.stc)
    doc = send_via_api(snv, [province.stc])
    deliver_pending()
    dispatch = snv.get(f"/api/v1/documents/{doc}/dispatches/").json()["results"][0]["id"]
    r = snv.post(f"/api/v1/dispatches/{dispatch}/request/", {"kind": "take_back", "reason": "Sai sót"}, format="json")
    assert r.status_code == 200 and r.json()["status_code"] == "13"
    rec = IncomingRecord.objects.get(unit=province.stc)
    r = stc.post(f"/api/v1/incoming/{rec.pk}/answer-request/", {"agree": True}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


def test_revocation_is_a_new_document_pointing_at_the_earlier_one(province, make_api):
    snv, stc = make_api(province.snv), make_api(province.stc)
    first = send_via_api(snv, [province.stc])
    deliver_pending()
    revocation = send_via_api(snv, [province.stc], business_type=1, related_document=first,
                              business_reason="Thu hồi")
    deliver_pending()
    assert Document.objects.get(pk=revocation).related_document_id == first
    inbox = {r["document"]["id"]: r for r in stc.get("/api/v1/incoming/").json()["results"]}
    assert inbox[first]["status"] == "cancelled" and inbox[revocation]["document"]["business_type"] == 1


def test_draft_validation_errors_are_structured_and_nothing_half_written(province, make_api):
    snv = make_api(province.snv)
    r = snv.post("/api/v1/documents/", {"doc_type": "XX"}, format="json")
    body = r.json()["error"]
    assert r.status_code == 400 and body["code"] == "invalid" and {"subject", "doc_type"} <= set(body["fields"])
    # A main file that is not a PDF: the draft is not created either.
    r = snv.post("/api/v1/documents/", {**draft_payload(), "main_file": upload("a.pdf", b"PK\x03\x04 not a pdf")},
                 format="multipart")
    assert r.status_code == 400 and r.json()["error"]["fields"].keys() == {"file"}
    assert not Document.objects.exists()
    # Issue without a main file is refused by the service, as in the UI.
    doc = snv.post("/api/v1/documents/", draft_payload(), format="json").json()["id"]
    r = snv.post(f"/api/v1/documents/{doc}/issue/", {}, format="json")
    assert r.status_code == 400 and "attachments" in r.json()["error"]["fields"]
    r = snv.post(f"/api/v1/documents/{doc}/send/", {"units": ["000.00.00.H00"]}, format="json")
    assert r.status_code == 400 and "units" in r.json()["error"]["fields"]


def test_attachments_upload_download_with_range_and_delete(province, make_api):
    snv = make_api(province.snv)
    doc = snv.post("/api/v1/documents/", draft_payload(), format="json").json()["id"]
    r = snv.post(f"/api/v1/documents/{doc}/attachments/", {"file": upload(), "kind": "main"}, format="multipart")
    assert r.status_code == 201, r.json()
    att = r.json()
    r = snv.get(att["download_url"])
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF and r["Accept-Ranges"] == "bytes"
    r = snv.get(att["download_url"], HTTP_RANGE="bytes=0-7")
    assert r.status_code == 206 and b"".join(r.streaming_content) == PDF[:8]
    assert r["Content-Range"] == f"bytes 0-7/{len(PDF)}"
    r = snv.get(att["download_url"], HTTP_RANGE="bytes=-5")
    assert b"".join(r.streaming_content) == PDF[-5:]
    assert snv.get(att["download_url"], HTTP_RANGE=f"bytes={len(PDF)}-").status_code == 416
    r = snv.post(f"/api/v1/documents/{doc}/attachments/", {"file": upload("x.exe", b"MZ\x90\x00" * 10)},
                 format="multipart")
    assert r.status_code == 400 and r.json()["error"]["fields"] == {"file": [r.json()["error"]["message"]]}
    assert snv.delete(f"/api/v1/documents/{doc}/attachments/{att['id']}/").status_code == 204


def test_another_units_objects_are_404(province, make_api):
    snv, stc = make_api(province.snv), make_api(province.stc)
    commune = make_api(province.communes[0])
    doc = send_via_api(snv, [province.stc])
    deliver_pending()
    rec = IncomingRecord.objects.get(unit=province.stc)
    att = Document.objects.get(pk=doc).attachments.get()
    dispatch = rec.dispatch_id
    for url in (f"/api/v1/documents/{doc}/", f"/api/v1/incoming/{rec.pk}/", f"/api/v1/dispatches/{dispatch}/",
                f"/api/v1/attachments/{att.pk}/content/", f"/api/v1/documents/{doc}/dispatches/"):
        assert commune.get(url).status_code == 404, url
    assert commune.post(f"/api/v1/incoming/{rec.pk}/accept/", format="json").status_code == 404
    assert commune.post(f"/api/v1/documents/{doc}/send/", {"units": [province.communes[0].code]},
                        format="json").status_code == 404
    assert commune.get("/api/v1/incoming/").json()["results"] == []
    # The recipient may read the sender's file it received, not the sender's document record.
    assert stc.get(f"/api/v1/attachments/{att.pk}/content/").status_code == 200
    assert stc.get(f"/api/v1/documents/{doc}/").status_code == 404
    # related_document of another unit does not exist for the caller.
    r = commune.post("/api/v1/documents/", draft_payload(business_type=1, related_document=doc), format="json")
    assert r.status_code == 400 and "related_document" in r.json()["error"]["fields"]


def test_an_api_client_acts_only_for_its_unit(province, make_api):
    snv = make_api(province.snv)
    r = snv.post("/api/v1/documents/", draft_payload(owner_unit=province.stc.code), format="json")
    assert r.status_code == 400 and "owner_unit" in r.json()["error"]["fields"]


def test_inbox_filters_are_the_ui_filterset(province, make_api):
    snv, stc = make_api(province.snv), make_api(province.stc)
    send_via_api(snv, [province.stc], subject="Quyết định về nhân sự", urgency=2)
    send_via_api(snv, [province.stc], subject="Báo cáo tài chính")
    deliver_pending()
    got = stc.get("/api/v1/incoming/", {"q": "nhan su"}).json()["results"]
    assert [r["document"]["subject"] for r in got] == ["Quyết định về nhân sự"]
    assert len(stc.get("/api/v1/incoming/", {"urgent": "true"}).json()["results"]) == 1
    assert stc.get("/api/v1/incoming/", {"status": "bogus"}).status_code == 400


def test_register_export(province, make_api):
    snv, stc = make_api(province.snv), make_api(province.stc)
    send_via_api(snv, [province.stc])
    deliver_pending()
    rec = IncomingRecord.objects.get(unit=province.stc)
    stc.post(f"/api/v1/incoming/{rec.pk}/accept/", format="json")
    year = datetime.date.today().year
    r = stc.get("/api/v1/registers/export/", {"kind": "incoming", "year": year})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert "Sở Nội vụ" in r.content.decode("utf-8-sig")
    r = stc.get("/api/v1/registers/export/", {"kind": "incoming", "year": year, "file_format": "xlsx"})
    assert r.content[:2] == b"PK"
    r = stc.get("/api/v1/registers/export/", {"kind": "incoming", "year": year, "unit": province.snv.code})
    assert r.status_code == 404  # another unit's register does not exist for this client
