"""
Model-level round trips: a document → edXML → import as another unit's document gives the same
fields and files; a status event → edXML → import gives the same status on the dispatch.
"""
import datetime
import json

import pytest

from tests.factories import allow_issue_on_another_day

from documents.choices import AttachmentKind, DeliveryState, EventKind, IncomingStatus
from documents.edxml import build_document_package, make_document_id, parse_package
from documents.federation.mapping import DOCUMENT_FIELDS, document_to_package, organization_of, status_to_package
from documents.federation.inbound import package_import
from documents.federation.models import InboundPackage, StatusOutbox
from documents.models import Dispatch, DispatchEvent, Document, IncomingRecord
from documents.services import attachment_add, document_create, document_issue, document_send
from tests.documents.conftest import PDF

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def rich_document(province, **extra):
    clerk = province.clerk(province.snv)
    doc = document_create(owner_unit=province.snv, acting_user=clerk, subject="Về việc liên thông văn bản điện tử",
                          doc_type="QĐ", content="Nội dung quyết định", signer_name="Nguyễn Văn A",
                          signer_position="Giám đốc", signer_competence="KT.", urgency=2,
                          due_date=datetime.date(2026, 4, 1), page_amount=3, place="Nghệ An",
                          recipients_text="Như trên;\nLưu: VT, VP.", **extra)
    attachment_add(document=doc, acting_user=clerk, upload=PDF, name="quyet-dinh.pdf")
    attachment_add(document=doc, acting_user=clerk, upload=PNG, name="phu-luc.png", kind=AttachmentKind.APPENDIX,
                   description="Phụ lục I")
    allow_issue_on_another_day(clerk)
    return document_issue(document=doc, acting_user=clerk, issued_on=datetime.date(2026, 3, 5))


def as_remote(data: bytes, remote, to_units) -> bytes:
    """The same package as if ``remote`` had issued it (another portal's copy), addressed to ``to_units``."""
    with parse_package(data) as pkg:
        h = pkg.header
        h.from_ = organization_of(remote)
        h.to = [organization_of(u) for u in to_units]
        h.document_id = make_document_id(remote.code, h.promulgation_info.promulgation_date, h.code.code_number,
                                         h.code.code_notation)
        for t in pkg.trace_header_list.trace_headers:
            t.organ_id = remote.code
        return build_document_package(pkg)


def fields_of(doc):
    return {f: getattr(doc, f) for f in DOCUMENT_FIELDS if f != "document_id"}


def files_of(doc):
    return [(a.original_name, a.kind, a.mime_type, a.size, a.sha256, a.description)
            for a in doc.attachments.order_by("position")]


def export(doc, recipients):
    with document_to_package(doc, recipients=recipients) as pkg:
        return build_document_package(pkg)


def test_document_round_trip_gives_the_same_fields_and_files(province):
    doc = rich_document(province)
    data = as_remote(export(doc, [province.stc]), province.remote, [province.stc, province.district])
    report = package_import(source=data)
    assert report.result == "accepted", report.as_dict()
    copy = Document.objects.get(pk=report.document)
    assert copy.owner_unit == province.remote and copy.status == "issued"
    assert fields_of(copy) == fields_of(doc)
    assert copy.document_id == f"000.00.00.H42,2026/03/05,{doc.number_notation}"
    assert files_of(copy) == files_of(doc)
    records = IncomingRecord.objects.filter(document=copy).order_by("unit__code")
    assert [(r.unit, r.status, r.sender) for r in records] == [
        (province.stc, IncomingStatus.ARRIVED, province.remote), (province.district, IncomingStatus.ARRIVED,
                                                                  province.remote)]
    assert all(d.status_code == "01" and d.state == DeliveryState.DELIVERED for d in copy.dispatches.all())
    assert InboundPackage.objects.get().result == "accepted"


@pytest.mark.parametrize("btype", [1, 2, 3])
def test_followup_packages_act_on_the_earlier_document(province, btype):
    original = rich_document(province)
    first = package_import(source=as_remote(export(original, [province.stc]), province.remote, [province.stc]))
    earlier = Document.objects.get(pk=first.document)
    clerk = province.clerk(province.snv)
    followup = document_create(owner_unit=province.snv, acting_user=clerk, subject="Thu hồi / cập nhật",
                               doc_type="QĐ", signer_name="Nguyễn Văn A", business_type=btype,
                               related_document=original, business_reason="Sai sót")
    attachment_add(document=followup, acting_user=clerk, upload=PDF, name="thu-hoi.pdf")
    allow_issue_on_another_day(clerk)
    followup = document_issue(document=followup, acting_user=clerk, issued_on=datetime.date(2026, 3, 6))
    with document_to_package(followup, recipients=[province.stc]) as pkg:
        pkg.trace_header_list.bussiness.document_id = earlier.document_id  # the remote copy's id
        for info in pkg.trace_header_list.bussiness.replacement_info_list:
            info.document_id = earlier.document_id
        data = build_document_package(pkg)
    report = package_import(source=as_remote(data, province.remote, [province.stc]))
    assert report.result == "accepted", report.as_dict()
    copy = Document.objects.get(pk=report.document)
    assert copy.business_type == btype and copy.related_document == earlier and copy.business_reason == "Sai sót"
    rec = IncomingRecord.objects.get(document=earlier, unit=province.stc)
    assert rec.status == (IncomingStatus.ARRIVED if btype == 2 else IncomingStatus.CANCELLED)


def test_status_event_round_trip_sets_the_same_status_on_the_dispatch(province):
    doc = rich_document(province)
    [d] = document_send(document=doc, acting_user=province.clerk(province.snv), units=[province.remote])
    assert d.state == DeliveryState.PENDING and d.state_reason == "no transport yet"  # no Peer configured
    base = datetime.datetime(2026, 3, 6, 8, 0, tzinfo=datetime.UTC)
    for i, (code, note) in enumerate([("01", ""), ("03", "Số đến 12"), ("04", "Chuyên viên B"), ("05", "50%"),
                                      ("06", "Đã trả lời"), ("02", "Gửi nhầm"), ("15", "Đồng ý"),
                                      ("16", "Không đồng ý")]):
        event = DispatchEvent(dispatch=d, kind=EventKind.BUSINESS, code=code, at=base + datetime.timedelta(hours=i),
                              actor_name="Trần Thị B", note=note)  # as the remote portal recorded it
        from documents.edxml import build_status_package

        report = package_import(source=build_status_package(status_to_package(event)))
        assert report.result == "accepted", report.as_dict()
        d.refresh_from_db()
        assert (d.status_code, d.status_at, d.status_note, d.status_by) == (code, event.at, note, "Trần Thị B")
        stored = DispatchEvent.objects.filter(dispatch=d, kind=EventKind.BUSINESS).latest("pk")
        assert (stored.code, stored.at, stored.note, stored.actor_name) == (code, event.at, note, "Trần Thị B")
        again = package_import(source=build_status_package(status_to_package(event)))
        assert again.result == "duplicate"
    assert d.state == DeliveryState.DELIVERED  # statuses prove the peer holds it


def test_take_back_request_travels_both_ways(province, peer):
    doc = rich_document(province)
    report = package_import(source=as_remote(export(doc, [province.stc]), province.remote, [province.stc]))
    copy = Document.objects.get(pk=report.document)
    d = Dispatch.objects.get(document=copy)
    # Status 01 of the arrival goes back to the peer that sent the document.
    assert list(StatusOutbox.objects.values_list("event__code", "peer__code")) == [("01", "peer-h42")]
    from documents.edxml import build_status_package

    ask = DispatchEvent(dispatch=d, kind=EventKind.BUSINESS, code="13", actor_name="Văn thư tỉnh Bên",
                        at=datetime.datetime(2026, 3, 7, 9, 0, tzinfo=datetime.UTC), note="Lấy lại: sai số")
    result = package_import(source=build_status_package(status_to_package(ask)))
    assert result.result == "accepted", result.as_dict()
    rec = IncomingRecord.objects.get(dispatch=d)
    assert rec.open_request == "take_back" and rec.open_request_reason == "Lấy lại: sai số"
    from documents.services import incoming_answer_request

    incoming_answer_request(incoming=rec, acting_user=province.clerk(province.stc), agree=True, note="Đồng ý")
    rec.refresh_from_db()
    assert rec.status == IncomingStatus.CANCELLED
    assert list(StatusOutbox.objects.order_by("pk").values_list("event__code", flat=True)) == ["01", "15"]


def test_dry_run_reports_without_storing(province):
    doc = rich_document(province)
    data = as_remote(export(doc, [province.stc]), province.remote, [province.stc, province.remote])
    report = package_import(source=data, dry_run=True)
    out = report.as_dict()
    assert out["result"] == "valid" and out["kind"] == "document" and out["from"] == "000.00.00.H42"
    assert out["to"] == ["000.00.05.H99", "000.00.00.H42"] and out["business_type"] == 0
    assert [a["name"] for a in out["attachments"]] == ["quyet-dinh.pdf", "phu-luc.png"]
    assert [(p["code"], p["fatal"]) for p in out["problems"]] == [("invalid_addressee", False)]
    assert "000.00.00.H42" in out["problems"][0]["message"]
    json.dumps(out)
    assert not Document.objects.filter(owner_unit=province.remote).exists()
    assert not InboundPackage.objects.exists()
