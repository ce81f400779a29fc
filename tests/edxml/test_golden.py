"""
Golden files: the builder's exact output for every package kind, and the parser reading them
back. Regenerate after an intended format change with
``UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/edxml/test_golden.py`` and review the diff.
"""
import hashlib
import os
from datetime import date, datetime

import pytest
from lxml import etree

from documents.edxml import (
    VN_TZ,
    BussinessDocType,
    DocumentPackage,
    StatusPackage,
    build_document_package,
    build_status_package,
    parse_package,
)

from .conftest import GOLDEN_DIR
from .samples import APPENDIX_TEXT, GOLDEN, PDF_BYTES

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def build(pkg) -> bytes:
    return build_document_package(pkg) if isinstance(pkg, DocumentPackage) else build_status_package(pkg)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_builder_output_is_the_golden_file(name):
    data = build(GOLDEN[name]())
    if UPDATE:
        (GOLDEN_DIR / name).write_bytes(data)
    assert data == (GOLDEN_DIR / name).read_bytes()


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_parses_to_the_dataclass_and_rebuilds_byte_equal(name):
    original = GOLDEN[name]()
    with parse_package(GOLDEN_DIR / name) as parsed:
        assert type(parsed) is type(original)
        assert parsed == original
        assert parsed.warnings == []
        assert build(parsed) == (GOLDEN_DIR / name).read_bytes()


def test_every_business_kind_and_status_code_has_a_golden_file():
    kinds = {parse_package(GOLDEN_DIR / n).trace_header_list.bussiness.bussiness_doc_type
             for n in GOLDEN if n.startswith("document_")}
    codes = {parse_package(GOLDEN_DIR / n).status_code for n in GOLDEN if n.startswith("status_")}
    assert kinds == set(BussinessDocType)
    assert codes == {"01", "02", "03", "04", "05", "06", "13", "15", "16"}


def test_golden_layout_follows_the_standard(golden):
    root = etree.fromstring(golden("document_replacement.xml"))
    ns = {"e": "http://www.mic.gov.vn/TBT/QCVN_102_2016"}
    assert root.tag == "{http://www.mic.gov.vn/TBT/QCVN_102_2016}edXML"
    assert root.nsmap == {None: ns["e"]}
    envelope = root[0]
    assert envelope.prefix == "edXML" and etree.QName(envelope).localname == "edXMLEnvelope"
    header = "e:edXMLEnvelope/e:edXMLHeader"
    assert root.xpath(f"{header}/e:MessageHeader/e:PromulgationInfo/e:PromulgationDate/text()", namespaces=ns) == [
        "2025/07/15"]
    assert root.xpath(f"{header}/e:TraceHeaderList/e:TraceHeader/e:Timestamp/text()", namespaces=ns) == [
        "2025/07/15 09:30:05"]
    bussiness = f"{header}/e:TraceHeaderList/e:Bussiness"
    assert root.xpath(f"{bussiness}/e:BussinessDocType/text()", namespaces=ns) == ["3"]
    assert root.xpath(f"{bussiness}/e:ReplacementInfoList/e:ReplacementInfo/e:OrganIdList/e:OrganId/text()",
                      namespaces=ns) == ["000.00.00.G22", "000.01.00.H41"]
    manifest = root.find("e:edXMLEnvelope/e:edXMLBody/e:edXMLManifest", ns)
    assert manifest.get("version") == "1.0"
    assert [r.findtext("e:ContentId", namespaces=ns) for r in manifest] == ["cid:qd-15.pdf", "cid:phu-luc.zip"]
    # Attachments sit outside the envelope, their content under the edXML: prefix.
    encoded = root.find("e:AttachmentEncoded", ns)
    assert encoded is not None and encoded.getparent() is root
    cte = encoded.find("e:Attachment/e:ContentTransferEncoded", ns)
    assert cte.prefix == "edXML"


def test_attachments_survive_with_content_hash_and_zip_members():
    with parse_package(GOLDEN_DIR / "document_new.xml") as pkg:
        pdf, zipped = pkg.attachments
        assert pdf.read_bytes() == PDF_BYTES
        assert pdf.size == len(PDF_BYTES) and pdf.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
        assert pdf.zip_members == []
        assert zipped.is_zipped and zipped.attachment_name == "Phu-luc.txt"
        [member] = zipped.zip_members
        assert member.name == "Phu-luc.txt"
        assert member.read_bytes() == APPENDIX_TEXT
        assert member.sha256 == hashlib.sha256(APPENDIX_TEXT).hexdigest()


def test_official_status_sample_parses_to_its_values(golden):
    with parse_package(golden("official_status_05.xml")) as status:
        assert isinstance(status, StatusPackage)
        assert status.warnings == []
        assert status.from_.organ_id == "000.00.00.H41"
        assert status.from_.organ_name == "UBND Tỉnh Nghệ An"
        assert status.from_.organization_in_charge == "UBND Tỉnh Nghệ An"
        assert status.from_.organ_add == "Số 03, đường Trường Thi, Thành phố Vinh, Tỉnh Nghệ An, Việt Nam"
        assert (status.from_.email, status.from_.telephone, status.from_.fax, status.from_.website) == (
            "nghean@gov.vn", "0383 840418", "0383 843049", "www.nghean.vn")
        assert status.response_for.organ_id == "000.00.00.G22"
        assert status.response_for.code == "7816/VPCP-TTĐT"
        assert status.response_for.promulgation_date == date(2015, 9, 30)
        assert status.response_for.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
        assert status.staff_info.department == "Phong hanh chinh"
        assert status.staff_info.staff == "Nguyen thi ngoc tram"
        assert status.staff_info.mobile == "84912000001"
        assert status.staff_info.email == "ngoctram@nghean.vn"
        assert status.status_code == "05"
        assert status.description == "Đang xử lý văn bản đến"
        assert status.timestamp == datetime(2015, 9, 20, 11, 8, 36, tzinfo=VN_TZ)
        assert status.signature is None


def test_official_status_sample_rebuilds_with_the_same_elements_in_the_same_order(golden):
    official = golden("official_status_05.xml")
    rebuilt = build_status_package(parse_package(official))
    assert parse_package(rebuilt) == parse_package(official)

    def outline(data):
        return [(etree.QName(e).localname, (e.text or "").strip()) for e in etree.fromstring(data).iter()]

    assert outline(rebuilt) == outline(official)
