"""
Active content inside PDFs (issue 16, finding 7, next door): a PDF that asks its reader to run
JavaScript, start a program, pull or push data, play Flash/3D or fill an XFA form with scripts
is refused at every door that takes a PDF — the service (UI and API uploads), draft comments,
federation and axis packages (a ZIP entry too), the records' paper scans — including when the
action sits in a compressed object stream, where no byte search would see it. Clean and signed
PDFs still pass.
"""
from __future__ import annotations

import io
import zipfile
import zlib

import pytest
from django.utils import translation

from documents.content import file_active_content, pdf_active_content
from documents.edxml import Attachment
from documents.federation.inbound import package_import
from documents.models import Document
from documents.services import attachment_add, document_create
from egov.core.errors import InvalidInput
from tests.api.conftest import draft_payload, upload
from tests.documents.conftest import PDF
from tests.security.test_active_content import _package_with, _refused, peer, province  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _pdf(objects: dict[int, bytes], root: int = 1) -> bytes:
    """A classic PDF (xref table) from numbered object bodies."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        out += (b"%010d 00000 n \n" % offsets[num]) if num in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


def _pdf_with_object_stream(catalog: bytes, packed: bytes) -> bytes:
    """
    A PDF 1.5 whose object 4 lives compressed inside an object stream (5) and whose
    cross-reference is a stream (6): the action's names are nowhere in the file's bytes.
    """
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    bodies = {1: catalog, 2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"}
    for num, body in bodies.items():
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    header = b"4 0 "
    stream = zlib.compress(header + packed)
    offsets[5] = len(out)
    out += (b"5 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (len(header), len(stream)) + stream + b"\nendstream\nendobj\n")
    offsets[6] = len(out)
    rows = b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"
    for num in (1, 2, 3):
        rows += b"\x01" + offsets[num].to_bytes(4, "big") + b"\x00\x00"
    rows += b"\x02" + (5).to_bytes(4, "big") + b"\x00\x00"  # object 4: in stream 5, index 0
    for num in (5, 6):
        rows += b"\x01" + offsets[num].to_bytes(4, "big") + b"\x00\x00"
    xref = zlib.compress(rows)
    out += (b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n"
            % len(xref) + xref + b"\nendstream\nendobj\n")
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(out)


PAGES = {2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
         3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"}
CLEAN = _pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>", **PAGES})
OPEN_JS = _pdf({1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", **PAGES,
                4: b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"})
NAMES_JS = _pdf({1: b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 4 0 R >> >>", **PAGES,
                 4: b"<< /Names [(a) 5 0 R] >>", 5: b"<< /S /JavaScript /JS 6 0 R >>",
                 6: b"<< /Length 11 >>\nstream\napp.alert()\nendstream"})
LAUNCH = _pdf({1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch /F (cmd.exe) >> >>", **PAGES})
ANNOT_AA = _pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: PAGES[2],
                 3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>",
                 4: b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /AA << /E << /S /SubmitForm "
                    b"/F (http://example.invalid/) >> >> >>"})
XFA = _pdf({1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /XFA 4 0 R >> >>", **PAGES,
            4: b"<< /Length 8 >>\nstream\n<xdp:x/>\nendstream"})
PACKED_JS = _pdf_with_object_stream(b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
                                    b"<< /S /JavaScript /JS (this.exportDataObject\\({cName: 'a'}\\)) >>")
PACKED_CLEAN = _pdf_with_object_stream(b"<< /Type /Catalog /Pages 2 0 R /Outlines 4 0 R >>",
                                       b"<< /Type /Outlines /Count 0 >>")
# A page whose visible text says "/JavaScript": words on a page are not an action.
TEXT_ONLY = _pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: PAGES[2],
                  3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
                  4: b"<< /Length 30 >>\nstream\nBT (/JavaScript /Launch) Tj ET\nendstream"})


@pytest.mark.parametrize("data, what", [
    (OPEN_JS, "PDF JavaScript"), (NAMES_JS, "PDF JavaScript"), (LAUNCH, "PDF Launch action"),
    (ANNOT_AA, "PDF SubmitForm action"), (XFA, "PDF XFA form"), (PACKED_JS, "PDF JavaScript"),
])
def test_a_pdf_that_runs_something_is_active_content(data, what):
    assert pdf_active_content(data) == what
    assert file_active_content(data) == what


def test_the_packed_action_is_invisible_to_a_byte_search():
    assert b"/JavaScript" not in PACKED_JS and b"/JS" not in PACKED_JS  # only a parser finds it


@pytest.mark.parametrize("data", [CLEAN, PACKED_CLEAN, TEXT_ONLY, PDF])
def test_clean_pdfs_are_not_active(data):
    assert pdf_active_content(data) is None and file_active_content(data) is None


def test_signed_pdfs_pass(pki):
    """A PAdES signature (with its incremental update, signature field and appearance) is not active."""
    from egov.devtools.pki import make_pdf, sign_pdf

    plain = make_pdf(pages=2, text="Quyet dinh so 12/QD-UBND")
    once = sign_pdf(plain, pki.person)
    twice = sign_pdf(once, pki.organisation, field_name="Signature2")  # the signer, then the organisation
    for data in (plain, once, twice):
        assert pdf_active_content(data) is None


@pytest.mark.parametrize("data", [OPEN_JS, PACKED_JS, LAUNCH])
def test_the_service_refuses_it_as_main_file_and_appendix(province, data):  # noqa: F811
    clerk = province.clerk(province.snv)
    draft = document_create(owner_unit=province.snv, acting_user=clerk, subject="Dự thảo")
    for kind, name in (("main", "van-ban.pdf"), ("appendix", "phu-luc.pdf")):
        with pytest.raises(InvalidInput) as exc:
            attachment_add(document=draft, acting_user=clerk, upload=data, name=name, kind=kind)
        assert exc.value.code == "active_content" and exc.value.field == "file" and name in exc.value.message
    assert draft.attachments.count() == 0
    assert attachment_add(document=draft, acting_user=clerk, upload=CLEAN, name="sach.pdf", kind="appendix")


def test_the_ui_says_it_in_vietnamese_and_the_api_in_its_error_body(client, province, make_api):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    clerk = province.clerk(province.snv)
    draft = document_create(owner_unit=province.snv, acting_user=clerk, subject="Dự thảo")
    client.force_login(clerk)
    r = client.post(f"/outgoing/{draft.pk}/attach", {"kind": "appendix", "file": SimpleUploadedFile(
        "phu-luc.pdf", PACKED_JS, content_type="application/pdf")}, HTTP_ACCEPT_LANGUAGE="vi")
    assert r.status_code == 400 and "nội dung có thể chạy" in r.content.decode()
    snv = make_api(province.snv)
    doc = snv.post("/api/v1/documents/", draft_payload(), format="json").json()["id"]
    r = snv.post(f"/api/v1/documents/{doc}/attachments/", {"file": upload("van-ban.pdf", OPEN_JS), "kind": "main"},
                 format="multipart")
    assert r.status_code == 400 and r.json()["error"]["code"] == "active_content"
    assert "PDF JavaScript" in r.json()["error"]["message"]


def test_a_federation_package_with_a_scripted_pdf_is_refused(province, peer):  # noqa: F811
    with translation.override("en"):
        report = _refused(package_import(source=_package_with(province, {"quyet-dinh.pdf": (
            PACKED_JS, "application/pdf")}), peer=peer), "quyet-dinh.pdf")
    assert "PDF JavaScript" in report.message
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("bieu-mau.pdf", LAUNCH)
    zipped = Attachment(content_id="cid:nen.zip", attachment_name="nen.zip", content_type="application/zip",
                        description="Tệp nén", data=archive.getvalue())
    with translation.override("en"):
        report = _refused(package_import(source=_package_with(province, extra=[zipped]), peer=peer), "nen.zip")
    assert "bieu-mau.pdf" in report.message and "Launch" in report.message
    assert not Document.objects.filter(owner_unit=province.remote).exists()


def test_a_scan_with_javascript_is_refused():
    from records.services import scan_check

    with pytest.raises(InvalidInput) as exc:
        scan_check(OPEN_JS)
    assert exc.value.code == "active_content" and exc.value.field == "scan"


def test_a_damaged_pdf_is_searched_as_pdf_syntax_not_for_stray_bytes():
    """A file pypdf cannot read: its bytes are searched for the names as PDF writes them."""
    import os

    noise = b"%PDF-1.4\n" + b"xx/JS/JavaScript/Launch/XFA yy" + os.urandom(200_000) + b"\n%%EOF\n"
    assert pdf_active_content(noise) is None  # stray names, not actions (as in the live tests' PDFs)
    broken = b"%PDF-1.4\n" + os.urandom(5000) + b"\n1 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj"
    assert pdf_active_content(broken) == "PDF JavaScript"
    broken = b"%PDF-1.4\n" + os.urandom(5000) + b"\n1 0 obj << /OpenAction << /S /Launch /F (a.exe) >> >> endobj"
    assert pdf_active_content(broken) == "PDF Launch action"
