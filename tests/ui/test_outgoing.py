"""Compose, issue, send and follow an outgoing document through the views."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.choices import DeliveryState, DocumentStatus
from documents.models import Attachment, Dispatch, Document

from .conftest import PDF, deliver, make_issued

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _draft_data(**extra):
    return {"doc_type": "CV", "notation_suffix": "VP", "subject": "Về việc tổng kết công tác năm 2025",
            "signer_name": "Nguyễn Văn A", "signer_position": "Giám đốc", "urgency": "0", **extra}


def test_compose_saves_the_draft_with_its_files(province, login, client):
    login(province.clerk(province.snv))
    response = client.post(reverse("documents:document_create"), _draft_data(
        main_file=SimpleUploadedFile("qd.pdf", PDF, "application/pdf"),
        appendices=[SimpleUploadedFile("phu-luc.png", PNG, "image/png")]))
    assert response.status_code == 302
    doc = Document.objects.get()
    assert doc.status == DocumentStatus.DRAFT and doc.owner_unit == province.snv
    assert sorted(doc.attachments.values_list("kind", flat=True)) == ["appendix", "main"]


def test_wrong_file_type_is_shown_next_to_the_field_and_nothing_is_saved(province, login, client):
    login(province.clerk(province.snv))
    response = client.post(reverse("documents:document_create"), _draft_data(
        main_file=SimpleUploadedFile("qd.pdf", PNG, "application/pdf")), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    field = html[html.index('data-field="main_file"'):]
    assert "The main file must be a PDF document; qd.pdf is not." in field[:1500]
    assert Document.objects.count() == 0 and Attachment.objects.count() == 0


def test_file_too_large_is_refused_and_nothing_is_saved(province, login, client, settings):
    settings.DOCUMENTS_MAX_ATTACHMENT_BYTES = 100
    login(province.clerk(province.snv))
    response = client.post(reverse("documents:document_create"), _draft_data(
        main_file=SimpleUploadedFile("qd.pdf", PDF, "application/pdf"),
        appendices=[SimpleUploadedFile("big.pdf", PDF + b"x" * 200, "application/pdf")]),
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "is too large" in response.content.decode()
    assert Document.objects.count() == 0 and Attachment.objects.count() == 0


def test_missing_subject_is_shown_next_to_the_field(province, login, client):
    login(province.clerk(province.snv))
    response = client.post(reverse("documents:document_create"), _draft_data(subject=""), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="subject"' in html and "This field is required." in html


def test_issue_then_send_to_groups_and_units(province, login, client):
    clerk = province.clerk(province.snv)
    login(clerk)
    client.post(reverse("documents:document_create"), _draft_data(
        main_file=SimpleUploadedFile("cv.pdf", PDF, "application/pdf")))
    doc = Document.objects.get()
    response = client.post(reverse("documents:document_issue", args=[doc.pk]), follow=True)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.ISSUED and doc.number == 1
    html = response.content.decode()
    assert f'data-testid="doc-number">{doc.number_notation}<' in html
    assert f'value="communes_of:{province.district.pk}"' in html  # the group picker
    assert f'value="{province.communes[0].pk}" data-code="{province.communes[0].code}"' in html  # the unit tree
    response = client.post(reverse("documents:document_send", args=[doc.pk]),
                           {"groups": [f"communes_of:{province.district.pk}"], "units": [province.stc.pk]})
    assert response.status_code == 302
    assert set(Dispatch.objects.filter(document=doc).values_list("recipient_id", flat=True)) == {
        province.stc.pk, *[c.pk for c in province.communes]}
    status = client.get(reverse("documents:outgoing_status", args=[doc.pk])).content.decode()
    assert status.count("data-recipient=") == 4 and 'data-delivered="0" data-total="4"' in status
    assert 'hx-trigger="every 1s"' in status  # polls fast while deliveries are under way


def test_send_without_recipient_is_refused(province, login, client):
    clerk = province.clerk(province.snv)
    doc = make_issued(province.snv, clerk)
    login(clerk)
    response = client.post(reverse("documents:document_send", args=[doc.pk]), {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert 'data-testid="recipients-error"' in response.content.decode()
    assert not Dispatch.objects.exists()


def test_issue_needs_clerk_and_specialist_sees_no_clerk_actions(province, login, client):
    specialist = province.specialist(province.snv)
    login(specialist)
    client.post(reverse("documents:document_create"), _draft_data(
        main_file=SimpleUploadedFile("cv.pdf", PDF, "application/pdf")))
    doc = Document.objects.get()
    html = client.get(reverse("documents:outgoing_detail", args=[doc.pk])).content.decode()
    assert 'data-action="issue"' not in html and 'data-action="send"' not in html
    response = client.post(reverse("documents:document_issue", args=[doc.pk]))
    assert response.status_code == 403
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.DRAFT and doc.number is None


def test_other_units_document_is_not_found(province, login, client):
    doc = make_issued(province.snv, province.clerk(province.snv))
    login(province.clerk(province.stc))
    for name in ("outgoing_detail", "outgoing_status"):
        assert client.get(reverse(f"documents:{name}", args=[doc.pk])).status_code == 404
    assert client.post(reverse("documents:document_send", args=[doc.pk]),
                       {"units": [province.communes[0].pk]}).status_code == 404
    assert not Dispatch.objects.exists()


def test_sender_page_shows_each_recipients_status_and_retry_for_failed(province, login, client):
    clerk = province.clerk(province.snv)
    doc = make_issued(province.snv, clerk)
    deliver(doc, [province.communes[0], province.communes[1]], clerk)
    from documents.models import IncomingRecord
    from documents.services import incoming_reject
    incoming_reject(incoming=IncomingRecord.objects.get(document=doc, unit=province.communes[1]),
                    acting_user=province.clerk(province.communes[1]), reason="Không thuộc thẩm quyền")
    Dispatch.objects.filter(document=doc, recipient=province.communes[0]).update(state=DeliveryState.FAILED)
    login(clerk)
    html = client.get(reverse("documents:outgoing_detail", args=[doc.pk])).content.decode()
    assert f'data-recipient="{province.communes[1].code}" data-state="delivered" data-status="02"' in html
    assert "Không thuộc thẩm quyền" in html
    assert 'data-action="retry"' in html
    d = Dispatch.objects.get(document=doc, recipient=province.communes[0])
    assert client.post(reverse("documents:dispatch_retry", args=[d.pk])).status_code == 302
    d.refresh_from_db()
    assert d.state == DeliveryState.PENDING


def test_take_back_request_from_the_sender_page(province, login, client):
    clerk = province.clerk(province.snv)
    doc = make_issued(province.snv, clerk)
    deliver(doc, [province.communes[0]], clerk)
    d = Dispatch.objects.get(document=doc)
    login(clerk)
    response = client.post(reverse("documents:dispatch_request", args=[doc.pk]),
                           {"dispatch": d.pk, "kind": "take_back", "reason": "Sai sót số liệu"})
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status_code == "13"


def test_unit_type_ahead_is_diacritic_insensitive(province, login, client):
    login(province.clerk(province.snv))
    html = client.get(reverse("documents:unit_search"), {"term": "xa thu 2"}).content.decode()
    assert f'value="{province.communes[1].pk}"' in html and f'value="{province.communes[0].pk}"' not in html


def test_a_draft_can_be_edited_and_its_files_removed(province, login, client):
    login(province.specialist(province.snv))
    client.post(reverse("documents:document_create"), _draft_data(
        main_file=SimpleUploadedFile("qd.pdf", PDF, "application/pdf"),
        appendices=[SimpleUploadedFile("phu-luc.png", PNG, "image/png")]))
    doc = Document.objects.get()
    page = client.get(reverse("documents:document_edit", args=[doc.pk]))
    assert page.status_code == 200 and "Về việc tổng kết công tác năm 2025" in page.content.decode()
    response = client.post(reverse("documents:document_edit", args=[doc.pk]),
                           _draft_data(subject="Về việc tổng kết công tác năm 2026", urgency="1"))
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.subject == "Về việc tổng kết công tác năm 2026" and doc.urgency == 1
    appendix = doc.attachments.get(kind="appendix")
    assert client.post(reverse("documents:attachment_remove", args=[appendix.pk])).status_code == 302
    assert list(doc.attachments.values_list("kind", flat=True)) == ["main"]


def test_an_issued_document_cannot_be_edited_nor_its_files_removed(province, login, client):
    clerk = province.clerk(province.snv)
    doc = make_issued(province.snv, clerk)
    login(clerk)
    response = client.post(reverse("documents:document_edit", args=[doc.pk]), _draft_data(subject="Sửa lén"))
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.subject != "Sửa lén"
    main = doc.attachments.get()
    client.post(reverse("documents:attachment_remove", args=[main.pk]))
    assert doc.attachments.count() == 1


def test_another_units_draft_is_not_found(province, login, client):
    login(province.clerk(province.snv))
    client.post(reverse("documents:document_create"), _draft_data())
    doc = Document.objects.get()
    login(province.clerk(province.stc))
    assert client.get(reverse("documents:document_edit", args=[doc.pk])).status_code == 404
