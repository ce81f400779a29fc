import hashlib

import pytest

from documents.services import attachment_add, document_create
from egov.core.errors import InvalidInput
from tests.documents.conftest import PDF

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 200


@pytest.fixture
def draft(province):
    return document_create(owner_unit=province.snv, acting_user=province.clerk(province.snv), subject="Dự thảo")


def test_pdf_main_file_is_stored_with_hash(province, draft):
    att = attachment_add(document=draft, acting_user=province.clerk(province.snv), upload=PDF, name="qd.pdf")
    assert att.sha256 == hashlib.sha256(PDF).hexdigest()
    assert att.size == len(PDF) and att.mime_type == "application/pdf"
    assert att.file.read() == PDF


@pytest.mark.parametrize("content,name,message", [
    (EXE, "qd.pdf", "PDF"),               # an executable named .pdf: the content decides
    (PNG, "qd.pdf", "PDF"),               # main file must be a PDF
    (b"", "empty.pdf", "empty"),
])
def test_main_file_checked_by_content(province, draft, content, name, message):
    with pytest.raises(InvalidInput) as exc:
        attachment_add(document=draft, acting_user=province.clerk(province.snv), upload=content, name=name)
    assert exc.value.field == "file"
    assert draft.attachments.count() == 0


def test_appendix_types(province, draft):
    clerk = province.clerk(province.snv)
    att = attachment_add(document=draft, acting_user=clerk, upload=PNG, name="so-do.png", kind="appendix")
    assert att.mime_type == "image/png"
    with pytest.raises(InvalidInput):  # PNG content with a .pdf name
        attachment_add(document=draft, acting_user=clerk, upload=PNG, name="so-do.pdf", kind="appendix")
    with pytest.raises(InvalidInput):  # executables never
        attachment_add(document=draft, acting_user=clerk, upload=EXE, name="setup.exe", kind="appendix")


def test_size_limit(province, draft, settings):
    settings.DOCUMENTS_MAX_ATTACHMENT_BYTES = 100
    with pytest.raises(InvalidInput) as exc:
        attachment_add(document=draft, acting_user=province.clerk(province.snv), upload=PDF + b" " * 200,
                       name="big.pdf")
    assert "MB" in exc.value.message


def test_other_unit_cannot_attach(province, draft):
    from egov.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        attachment_add(document=draft, acting_user=province.clerk(province.stc), upload=PDF, name="x.pdf")
