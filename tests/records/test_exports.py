"""Exports of Phụ lục V and Phần II: the whole-file PDF with its index page, the XML, the plan."""
import io
import re

import pytest
from lxml import etree
from pypdf import PdfReader

from records.exports import FILE_XML_NS, file_index_csv, file_pdf, file_xml, files_index_pdf, plan_csv, plan_pdf

pytestmark = pytest.mark.django_db
NS = {"f": FILE_XML_NS}


def test_file_pdf_has_an_index_page_then_the_documents_in_date_order(office):
    f = office.closed_file(docs=3, pages=2)  # issued 10/3, 9/3, 8/3 (ordinals 1, 2, 3)
    data, pages = file_pdf(f)
    reader = PdfReader(io.BytesIO(data))
    assert pages == len(reader.pages) == 1 + 3 * 2
    index = reader.pages[0].extract_text()
    assert "MỤC LỤC VĂN BẢN" in index and f.code in index
    assert index.index("08/03/2026") < index.index("09/03/2026") < index.index("10/03/2026")
    assert "1-2" in index and "3-4" in index and "5-6" in index  # sheet numbers (Tờ số)
    # The documents follow in date order: the 8 March one (ordinal 3) first, two pages each.
    bodies = [reader.pages[i].extract_text() for i in (1, 3, 5)]
    assert [re.search(r" (\d) c", b).group(1) for b in bodies] == ["3", "2", "1"], bodies

def test_file_xml_has_the_part_two_fields(office):
    f = office.closed_file(docs=2, pages=3)
    root = etree.fromstring(file_xml(f))
    for tag in ("FileCode", "Title", "Maintenance", "Rights", "Creator", "Language", "StartDate", "EndDate",
                "DocTotal", "PageTotal", "Description"):
        assert root.find(f"f:{tag}", NS) is not None, tag
    assert root.findtext("f:FileCode/f:FileNotation", namespaces=NS) == "01.TCCB"
    assert root.findtext("f:FileCode/f:OrganId", namespaces=NS) == office.unit.code
    assert root.findtext("f:Maintenance", namespaces=NS) == "06"
    assert root.findtext("f:DocTotal", namespaces=NS) == "2"
    assert root.findtext("f:PageTotal", namespaces=NS) == "6"  # counted from the PDFs (3 pages each)
    assert root.findtext("f:StartDate", namespaces=NS) == "2026-03-09"
    assert root.findtext("f:EndDate", namespaces=NS) == "2026-03-10"
    docs = root.findall("f:Documents/f:Document", NS)
    assert [d.findtext("f:DocOrdinal", namespaces=NS) for d in docs] == ["1", "2"]
    first = docs[0]
    for tag in ("TypeName", "CodeNumber", "CodeNotation", "IssuedDate", "OrganName", "Subject", "Language",
                "SignerInfo/f:FullName", "SignerInfo/f:Position", "Priority"):
        assert first.find(f"f:{tag}", NS) is not None, tag
    assert first.findtext("f:TypeName", namespaces=NS) == "Công văn"
    assert first.findtext("f:CodeNotation", namespaces=NS) == "SNV-TCCB"
    assert [d.findtext("f:PageAmount", namespaces=NS) for d in docs] == ["3", "3"]


def test_indexes_and_plan_print_and_export(office):
    plan = office.plan()
    f = office.closed_file(docs=1)
    csv_text = file_index_csv(f).decode("utf-8-sig")
    assert csv_text.splitlines()[0] == 'STT,"Số, ký hiệu",Ngày tháng,Tác giả,Trích yếu nội dung,Tờ số,Ghi chú'
    assert "Văn bản số 1 của hồ sơ" in csv_text
    assert csv_text.splitlines()[1].split(",")[5] == "1"  # Tờ số: a one-page document on sheet 1
    text = PdfReader(io.BytesIO(plan_pdf(plan))).pages[0].extract_text()
    assert "DANH MỤC HỒ SƠ" in text and "01.TCCB" in text and "I. TỔ CHỨC CÁN BỘ" in text
    text = PdfReader(io.BytesIO(files_index_pdf(office.unit, [f]))).pages[0].extract_text()
    assert "MỤC LỤC HỒ SƠ" in text and "01.TCCB" in text
    exported = plan_csv(plan)
    from records.services import plan_create, plan_import_csv

    again = plan_create(unit=office.unit, year=2030, acting_user=office.clerk)
    assert plan_import_csv(plan=again, acting_user=office.clerk, data=exported) == 3  # round trip
