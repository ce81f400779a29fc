"""Copies: permissions, numbering, the agency signature (pyHanko), scans, the paper layout."""
import io
import re

import pytest
from pypdf import PdfReader

from egov.core.errors import InvalidInput, NotFoundError, PermissionDeniedError, StateError
from records.choices import CopyForm, CopyMedium, CopyState
from records.services import copy_file, copy_order, copy_permission_set, copy_sign, scan_check
from records.services.copies import COPY_BOX

from .conftest import scan_pdf

pytestmark = pytest.mark.django_db


def _verify(pdf: bytes):
    from signatures.services.verification import verification_run

    return verification_run(content=pdf, filename="copy.pdf", etsi_report=False)


def test_only_people_the_head_allowed_order_and_sign(signing_office):
    o = signing_office
    doc = o.issue(pages=2)
    with pytest.raises(PermissionDeniedError):
        copy_order(unit=o.unit, acting_user=o.keeper, form=CopyForm.SAO_Y, medium=CopyMedium.E2E, document=doc)
    with pytest.raises(PermissionDeniedError):
        copy_permission_set(unit=o.unit, user=o.keeper, acting_user=o.clerk, may_order=True, may_sign=True)
    rec = copy_order(unit=o.unit, acting_user=o.clerk, form=CopyForm.SAO_Y, medium=CopyMedium.E2E, document=doc)
    with pytest.raises(PermissionDeniedError):
        copy_sign(copy=rec, acting_user=o.clerk)  # may order, may not sign
    rec = copy_sign(copy=rec, acting_user=o.leader)
    assert rec.state == CopyState.SIGNED
    with pytest.raises(StateError):
        copy_sign(copy=rec, acting_user=o.leader)
    with pytest.raises(NotFoundError):  # a document the unit does not hold
        copy_order(unit=o.unit, acting_user=o.clerk, form=CopyForm.SAO_Y, medium=CopyMedium.E2E,
                   document=_foreign(o))


def _foreign(o):
    from documents.services import document_create, document_issue, attachment_add
    from egov.devtools.pki import make_pdf

    clerk = o.p.clerk(o.p.stc)
    d = document_create(owner_unit=o.p.stc, acting_user=clerk, subject="Khác", doc_type="CV", notation_suffix="VP",
                        signer_name="A", signer_position="B")
    attachment_add(document=d, acting_user=clerk, upload=make_pdf(), name="x.pdf")
    return document_issue(document=d, acting_user=clerk)


def test_electronic_copy_carries_a_valid_agency_signature_top_right_without_image(signing_office):
    o = signing_office
    doc = o.issue(pages=2)
    rec = copy_sign(copy=copy_order(unit=o.unit, acting_user=o.clerk, form=CopyForm.SAO_Y, medium=CopyMedium.E2E,
                                    document=doc), acting_user=o.leader)
    pdf = copy_file(rec)
    v = _verify(pdf)
    assert v.verdict == "valid", v.signatures
    assert [s["signer"] for s in v.signatures] == ["Ủy ban nhân dân xã Thử"]
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf))
    emb = reader.embedded_signatures[-1]
    widget = emb.sig_field
    rect = [float(x) for x in widget["/Rect"]]
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    w, h = float(page.mediabox.width), float(page.mediabox.height)
    assert rect[2] > w - 40 and rect[3] > h - 40, rect  # top right
    assert rect[0] >= w / 2 - 1 and rect[1] > h * 0.85
    assert round(rect[2] - rect[0]) == COPY_BOX[0]
    page_ref = widget.raw_get("/P")
    assert page_ref.idnum == reader.find_page_for_modification(0)[0].idnum  # page 1

    def images(xobj, depth=0):
        found = 0
        for _name, ref in (xobj.get("/Resources", {}).get("/XObject", {}) or {}).items():
            x = ref.get_object()
            found += 1 if x.get("/Subtype") == "/Image" else images(x, depth + 1)
        return found

    assert images(widget["/AP"]["/N"].get_object()) == 0  # no image
    assert stamp_text(pdf) .startswith("SAO Y, Sở Nội vụ")  # form of copy, copying agency
    assert re.search(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", stamp_text(pdf))  # signing time, ISO 8601
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2


def stamp_text(pdf: bytes) -> str:
    """The text of the last signature's appearance (its widget on page 1)."""
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    for annot in page.get("/Annots", []):
        a = annot.get_object()
        if a.get("/FT") == "/Sig" or a.get("/Subtype") == "/Widget":
            last = a
    return page.extract_xform_text(last["/AP"]["/N"].get_object())


def test_one_running_number_per_unit_and_year_for_all_forms(signing_office):
    o = signing_office
    doc = o.issue(pages=3)
    a = copy_sign(copy=copy_order(unit=o.unit, acting_user=o.clerk, form=CopyForm.SAO_Y, medium=CopyMedium.E2E,
                                  document=doc), acting_user=o.leader)
    b = copy_sign(copy=copy_order(unit=o.unit, acting_user=o.clerk, form=CopyForm.TRICH_SAO, medium=CopyMedium.E2E,
                                  document=doc, pages="2-3"), acting_user=o.leader)
    c = copy_sign(copy=copy_order(unit=o.unit, acting_user=o.clerk, form=CopyForm.SAO_LUC, medium=CopyMedium.E2P,
                                  document=doc, recipients="Sở Tài chính; Lưu: VT"), acting_user=o.leader)
    assert [a.number, b.number, c.number] == [1, 2, 3]
    assert [a.notation, b.notation, c.notation] == ["01/SY-SNV", "02/TS-SNV", "03/SL-SNV"]
    assert b.page_count == 2  # the extract holds pages 2-3 only
    paper = PdfReader(io.BytesIO(copy_file(c)))
    assert len(paper.pages) == 3 + 1  # content, then the copy block
    block = paper.pages[-1].extract_text()
    assert "SAO LỤC" in block and "Số: 03/SL-SNV" in block and "Nơi nhận" in block and "Sở Tài chính" in block
    with pytest.raises(InvalidInput):
        copy_order(unit=o.unit, acting_user=o.clerk, form=CopyForm.TRICH_SAO, medium=CopyMedium.E2E, document=doc,
                   pages="4")


def test_scan_checks_pdf_colour_and_resolution():
    assert scan_check(scan_pdf(dpi=200, pages=2)) == {"pages": 2, "min_dpi": 200}
    with pytest.raises(InvalidInput, match="colour"):
        scan_check(scan_pdf(dpi=300, mode="L"))
    with pytest.raises(InvalidInput, match="150 dpi"):
        scan_check(scan_pdf(dpi=150))
    with pytest.raises(InvalidInput, match="PDF"):
        scan_check(b"\x89PNG\r\n\x1a\n" + b"0" * 100)


def test_paper_to_electronic_is_marked_converted_and_signed(signing_office):
    o = signing_office
    with pytest.raises(InvalidInput):
        copy_order(unit=o.unit, acting_user=o.clerk, form=CopyForm.SAO_Y, medium=CopyMedium.P2E,
                   scan=scan_pdf(dpi=100), source_description="QĐ 5/QĐ-UBND ngày 2/1/2020")
    rec = copy_order(unit=o.unit, acting_user=o.clerk, form=CopyForm.SAO_Y, medium=CopyMedium.P2E,
                     scan=scan_pdf(dpi=200), source_description="QĐ 5/QĐ-UBND ngày 2/1/2020")
    rec = copy_sign(copy=rec, acting_user=o.leader)
    pdf = copy_file(rec)
    assert _verify(pdf).verdict == "valid"
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata["/Converted"] == "Chuyển đổi từ văn bản giấy"
    assert "SAO Y (CHUYỂN ĐỔI TỪ GIẤY), Sở Nội vụ" in stamp_text(pdf)


def test_the_copies_register_prints_and_exports_in_number_order(signing_office):
    import csv

    from django.test import Client

    o = signing_office
    doc = o.issue(pages=2)
    for form in (CopyForm.SAO_Y, CopyForm.SAO_LUC):
        copy_sign(copy=copy_order(unit=o.unit, acting_user=o.clerk, form=form, medium=CopyMedium.E2P, document=doc,
                                  recipients="Sở Tài chính"), acting_user=o.leader)
    pending = copy_order(unit=o.unit, acting_user=o.clerk, form=CopyForm.SAO_Y, medium=CopyMedium.E2P, document=doc)
    c = Client()
    c.force_login(o.clerk)
    page = c.get("/records/copies/")
    assert page.status_code == 200 and b'data-action="copies-csv"' in page.content
    r = c.get("/records/copies/?format=csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Số bản sao", "Hình thức sao", "Cách sao", "Văn bản được sao"]
    assert [row[0] for row in rows[1:]] == ["01/SY-SNV", "02/SL-SNV", ""]  # the unsigned order has no number yet
    assert rows[1][1] == "SAO Y" and rows[2][1] == "SAO LỤC" and rows[1][10] == "Sở Tài chính"
    assert rows[1][3].startswith(doc.number_notation)
    assert pending.pk  # listed last, without number
    stranger = Client()
    stranger.force_login(o.other)  # not allowed by the head to order or sign copies
    assert stranger.get("/records/copies/?format=csv").status_code == 403
