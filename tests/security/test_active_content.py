"""
Active content (finding 7, docs/security.md "Active content"): a file a browser could run script
from — an HTML main file, an SVG or XHTML appendix — is refused at every door, by its content
whatever its name or declared type: the UI upload (Vietnamese message), the API upload
(structured JSON), a federation package (signed, through the receive endpoint), an axis package,
the manual import. Served files never run in the portal's origin.
"""
from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import translation

from documents.content import active_content, detect_mime
from documents.edxml import Attachment, build_document_package, parse_package
from documents.federation.inbound import package_import
from documents.models import Attachment as StoredAttachment
from documents.models import Document
from documents.services import attachment_add, document_create
from egov.core.errors import InvalidInput
from tests.api.conftest import draft_payload, upload
from tests.documents.conftest import PDF, Province
from tests.federation.test_endpoints import post
from tests.federation.test_mapping import as_remote, export, rich_document

pytestmark = pytest.mark.django_db

HTML = b"<!DOCTYPE html>\n<html><body><script>fetch('/api/v1/documents/')</script></body></html>"
HTML_LATE = b"Bao cao\r\n\r\n<p onclick=x>xem</p><script>alert(document.cookie)</script>"
SVG = (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(1)</script></svg>')
SVG_BARE = b'<svg width="10" height="10" onload="alert(1)"></svg>'
XHTML = (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><script>alert(1)</script>'
         b'</body></html>')
XSL = b'<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="data:,x"?><du-lieu/>'
UTF16_HTML = "\ufeff<html><script>alert(1)</script></html>".encode("utf-16-le")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
DATA_XML = b'<?xml version="1.0" encoding="UTF-8"?>\n<BaoCao><Dong so="1">100</Dong></BaoCao>'


@pytest.fixture
def province(db):
    return Province()


@pytest.fixture
def peer(db):
    from documents.federation.models import Peer

    return Peer.objects.create(code="peer-h42", name="Cổng tỉnh Bên", base_url="http://127.0.0.1:9",
                               inbound_secret="in-secret", outbound_secret="out-secret", remote_code="peer-h99")


@pytest.mark.parametrize("content, what", [
    (HTML, "HTML"), (HTML_LATE, "HTML"), (SVG, "SVG"), (SVG_BARE, "SVG"), (XHTML, "XHTML"),
    (XSL, "XML stylesheet"), (UTF16_HTML, "HTML"), (b"FWS\x0a" + b"\x00" * 60, "Flash"),
])
def test_active_content_is_recognised_by_its_bytes(content, what):
    assert active_content(content) == what


@pytest.mark.parametrize("content", [PDF, PNG, DATA_XML, b"PK\x03\x04" + b"<html><script>" * 4])
def test_documents_data_and_binary_formats_are_not_active(content):
    assert active_content(content) is None


def test_detect_mime_still_reads_magic_numbers():
    assert detect_mime(PDF) == "application/pdf" and detect_mime(PNG) == "image/png"
    assert detect_mime(DATA_XML) == "application/xml" and detect_mime(HTML) is None


# --- uploads ------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, name, kind", [
    (HTML, "quyet-dinh.pdf", "main"),      # an HTML page named .pdf as the main file
    (HTML, "trang.html", "main"),
    (SVG, "phu-luc.xml", "appendix"),      # an SVG with an XML declaration (read as XML before)
    (SVG, "phu-luc.svg", "appendix"),
    (XHTML, "phu-luc.xml", "appendix"),
    (XSL, "du-lieu.xml", "appendix"),
])
def test_service_refuses_active_content_by_content(province, content, name, kind):
    clerk = province.clerk(province.snv)
    draft = document_create(owner_unit=province.snv, acting_user=clerk, subject="Dự thảo")
    with pytest.raises(InvalidInput) as exc:
        attachment_add(document=draft, acting_user=clerk, upload=content, name=name, kind=kind)
    assert exc.value.code == "active_content" and exc.value.field == "file"
    assert draft.attachments.count() == 0


def test_a_plain_xml_appendix_is_still_accepted(province):
    clerk = province.clerk(province.snv)
    draft = document_create(owner_unit=province.snv, acting_user=clerk, subject="Dự thảo")
    att = attachment_add(document=draft, acting_user=clerk, upload=DATA_XML, name="bao-cao.xml", kind="appendix")
    assert att.mime_type == "application/xml"


def test_ui_upload_shows_a_vietnamese_error_and_stores_nothing(client, province):
    from django.core.files.uploadedfile import SimpleUploadedFile

    clerk = province.clerk(province.snv)
    draft = document_create(owner_unit=province.snv, acting_user=clerk, subject="Dự thảo")
    client.force_login(clerk)
    r = client.post(f"/outgoing/{draft.pk}/attach", {"kind": "appendix", "file": SimpleUploadedFile(
        "phu-luc.svg", SVG, content_type="image/svg+xml")}, HTTP_ACCEPT_LANGUAGE="vi")
    assert r.status_code == 400
    page = r.content.decode()
    assert "nội dung có thể chạy" in page and "phu-luc.svg" in page
    assert not StoredAttachment.objects.filter(document=draft).exists()


def test_api_upload_answers_a_structured_error(province, make_api):
    snv = make_api(province.snv)
    doc = snv.post("/api/v1/documents/", draft_payload(), format="json").json()["id"]
    r = snv.post(f"/api/v1/documents/{doc}/attachments/", {"file": upload("van-ban.pdf", HTML), "kind": "main"},
                 format="multipart")
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "active_content" and error["fields"] == {"file": [error["message"]]}
    r = snv.post(f"/api/v1/documents/{doc}/attachments/", {"file": upload("hinh.png", SVG_BARE), "kind": "appendix"},
                 format="multipart")
    assert r.status_code == 400 and r.json()["error"]["code"] == "active_content"
    assert not StoredAttachment.objects.filter(document_id=doc).exists()


# --- edXML packages -------------------------------------------------------------------------------

def _package_with(province, replace: dict[str, tuple[bytes, str]] | None = None, extra=None) -> bytes:
    """The rich document of the federation tests as the remote unit's, its files replaced."""
    data = as_remote(export(rich_document(province), [province.stc]), province.remote, [province.stc])
    with parse_package(data) as pkg:
        files = []
        for att in pkg.attachments:
            content, ctype = (replace or {}).get(att.attachment_name, (att.read_bytes(), att.content_type))
            files.append(Attachment(content_id=att.content_id, attachment_name=att.attachment_name,
                                    content_type=ctype, description=att.description, data=content))
        pkg.attachments = files + list(extra or [])
        pkg.references = [*pkg.references, *(a.reference() for a in extra or [])]
        return build_document_package(pkg)


def _refused(report, name):
    assert report.result == "fault" and report.code == "active_content", report.as_dict()
    assert name in report.message
    return report


@pytest.mark.parametrize("replace, name, what", [
    ({"quyet-dinh.pdf": (HTML, "application/pdf")}, "quyet-dinh.pdf", "HTML"),  # declared PDF, HTML inside
    ({"phu-luc.png": (SVG, "image/png")}, "phu-luc.png", "SVG"),
    ({"phu-luc.png": (SVG_BARE, "application/octet-stream")}, "phu-luc.png", "SVG"),
    ({"phu-luc.png": (b"just some text", "image/svg+xml")}, "phu-luc.png", "image/svg+xml"),  # declared type
])
def test_federation_signed_package_with_active_content_is_refused(client, province, peer, replace, name, what):
    package = _package_with(province, replace)
    with translation.override("en"):
        answer = post(client, package)
    body = answer.json()
    assert answer.status_code == 400 and (body["result"], body["code"]) == ("fault", "active_content"), body
    assert name in body["message"] and what in body["message"]
    assert not Document.objects.filter(owner_unit=province.remote).exists()


def test_a_zip_hiding_an_html_page_is_refused_with_the_entry_named(province, peer):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("bang-tinh.pdf", HTML)
    zipped = Attachment(content_id="cid:nen.zip", attachment_name="nen.zip", content_type="application/zip",
                        description="Tệp nén", data=archive.getvalue())
    with translation.override("en"):
        report = _refused(package_import(source=_package_with(province, extra=[zipped]), peer=peer), "nen.zip")
    assert "bang-tinh.pdf" in report.message
    assert not Document.objects.filter(owner_unit=province.remote).exists()


def test_manual_and_axis_imports_refuse_it_too(client, province, peer):
    from documents.federation.hub.services import hub_system_create

    package = _package_with(province, {"phu-luc.png": (XHTML, "application/xml")})
    admin = province.user(province.ubnd, "unit_admin")  # a province administrator
    client.force_login(admin)
    r = client.post("/api/v1/edxml/packages/?peer=peer-h42", data=package, content_type="application/xml")
    assert r.status_code == 400 and r.json()["code"] == "active_content", r.json()
    system, _secret = hub_system_create(name="Hệ thống VPCP", agencies=[province.remote.code], system_id="sys-c")
    _refused(package_import(source=package, peer=system), "phu-luc.png")
    assert not Document.objects.filter(owner_unit=province.remote).exists()


def test_declared_types_are_stored_only_when_the_content_agrees(province, peer):
    text = b"Phu luc: danh sach don vi\n"
    package = _package_with(province, {"phu-luc.png": (text, "image/png")})
    report = package_import(source=package, peer=peer)
    assert report.result == "accepted", report.as_dict()
    stored = Document.objects.get(pk=report.document).attachments.get(original_name="phu-luc.png")
    assert stored.mime_type == "application/octet-stream" and stored.sha256 == hashlib.sha256(text).hexdigest()


# --- serving ------------------------------------------------------------------------------------

def test_downloads_are_sandboxed_and_never_sniffed(client, province, make_api):
    snv = make_api(province.snv)
    doc = snv.post("/api/v1/documents/", draft_payload(), format="json").json()["id"]
    att = snv.post(f"/api/v1/documents/{doc}/attachments/", {"file": upload("du-lieu.xml", DATA_XML),
                                                            "kind": "appendix"}, format="multipart").json()
    for response in (snv.get(att["download_url"]), snv.get(att["download_url"], HTTP_RANGE="bytes=0-3")):
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"].startswith("sandbox")
    client.force_login(province.clerk(province.snv))
    for query in ("", "?original=1"):
        r = client.get(reverse("documents:attachment_file", args=[att["id"]]) + query)
        assert r.status_code == 200
        assert r["Content-Disposition"].startswith("attachment") and r["X-Content-Type-Options"] == "nosniff"
        assert r["Content-Security-Policy"].startswith("sandbox")
