"""The pages of issue 14: follow-up actions, reports, search with saved searches, access log, marked printouts."""
import datetime
import io
from unittest import mock

import pytest
from django.urls import reverse

from documents.models import Chase, IncomingRecord, SavedSearch
from documents.services import (
    deliver_local_batch,
    document_send,
    incoming_accept,
    incoming_assign,
    search_index_document,
)
from documents.tasks import deliver_local_batch_task
from egov.core.models import AccessLog, AuditImmutable
from tests.documents.search_files import pdf_with_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user)
        return client
    return do


@pytest.fixture
def received(province):
    """A document of SNV with a text PDF, delivered to commune 0, accepted and assigned."""
    from documents.services import attachment_add, document_create, document_issue

    clerk = province.clerk(province.snv)
    doc = document_create(owner_unit=province.snv, acting_user=clerk, subject="Kế hoạch phòng chống thiên tai",
                          doc_type="CV", notation_suffix="VP", signer_name="Nguyễn Văn A", signer_position="GĐ",
                          due_date=datetime.date.today() + datetime.timedelta(days=10))
    attachment_add(document=doc, acting_user=clerk, upload=pdf_with_text("Huy động lực lượng xung kích ở các thôn."),
                   name="ke-hoach.pdf")
    doc = document_issue(document=doc, acting_user=clerk)
    c0 = province.communes[0]
    with mock.patch.object(deliver_local_batch_task, "delay"):
        ds = document_send(document=doc, acting_user=clerk, units=[c0])
    deliver_local_batch(dispatch_ids=[d.pk for d in ds])
    search_index_document(document_id=doc.pk)
    rec = incoming_accept(incoming=IncomingRecord.objects.get(unit=c0), acting_user=province.clerk(c0))
    incoming_assign(incoming=rec, acting_user=province.leader(c0), main_handler=province.specialist(c0),
                    deadline=datetime.date.today() + datetime.timedelta(days=3))
    return {"doc": doc, "rec": rec}


def test_chase_extension_and_ack_through_the_pages(province, received, login):
    c0 = province.communes[0]
    rec = received["rec"]
    client = login(province.leader(c0))
    page = client.get(reverse("documents:incoming_detail", args=[rec.pk])).content.decode()
    assert 'data-action="chase"' in page
    r = client.post(reverse("documents:incoming_followup", args=[rec.pk, "chase"]),
                    {"kind": "criticism", "target": province.specialist(c0).pk, "text": "Chậm"})
    assert r.status_code == 302
    chase = Chase.objects.get(incoming=rec)
    client = login(province.specialist(c0))
    page = client.get(reverse("documents:incoming_detail", args=[rec.pk])).content.decode()
    assert 'data-action="chase-ack"' in page and 'data-action="extension-request"' in page
    client.post(reverse("documents:incoming_followup_item", args=[rec.pk, "ack", chase.pk]), {"answer": "Vâng"})
    chase.refresh_from_db()
    assert chase.acknowledged_at is not None
    new = datetime.date.today() + datetime.timedelta(days=8)
    client.post(reverse("documents:incoming_followup", args=[rec.pk, "extend"]),
                {"deadline": new.isoformat(), "reason": "Chờ số liệu"})
    ext = rec.extensions.get()
    client = login(province.leader(c0))
    client.post(reverse("documents:incoming_followup_item", args=[rec.pk, "decide", ext.pk]), {"grant": "1"})
    rec.refresh_from_db()
    assert rec.deadline == new
    # a stranger's record is not found
    client = login(province.clerk(province.communes[1]))
    assert client.post(reverse("documents:incoming_followup", args=[rec.pk, "chase"]), {"kind": "reminder"}
                       ).status_code == 404


def test_report_page_drill_and_exports(province, received, login):
    c0 = province.communes[0]
    client = login(province.leader(c0))
    q = {"kind": "incoming", "start": "2020-01-01", "end": datetime.date.today().isoformat(), "group": "handler",
         "scope": "unit"}
    page = client.get(reverse("documents:reports"), q)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="report-table"' in html and 'data-total="1"' in html
    drill = client.get(reverse("documents:report_drill"), {**q, "metric": "in_progress",
                                                            "key": province.specialist(c0).pk})
    assert f'data-record="{received["rec"].pk}"' in drill.content.decode()
    assert client.get(reverse("documents:report_export", args=["xlsx"]), q)["Content-Type"].startswith(
        "application/vnd.openxml")
    assert client.get(reverse("documents:report_export", args=["pdf"]), q).content.startswith(b"%PDF")
    assert login(province.specialist(c0)).get(reverse("documents:reports"), q).status_code == 403
    # the province office sees every unit and the connection table
    client = login(province.clerk(province.ubnd))
    html = client.get(reverse("documents:reports"), {**q, "kind": "outgoing", "scope": "province",
                                                      "group": "unit"}).content.decode()
    assert 'data-testid="connection-table"' in html and province.snv.name in html


def test_search_page_saved_search_and_export(province, received, login):
    from openpyxl import load_workbook

    c0 = province.communes[0]
    client = login(province.clerk(c0))
    r = client.get(reverse("documents:search"), {"q": "xung kich", "columns": ["number", "subject", "snippet"]})
    html = r.content.decode()
    assert 'data-testid="search-results"' in html and "<mark>xung</mark>" in html and "<mark>kích</mark>" in html
    assert 'data-column="sender"' not in html  # only the chosen columns
    client.post(reverse("documents:saved_search_save"), {"name": "Thiên tai", "q": "xung kich",
                                                          "columns": ["number", "subject"], "ordering": "newest"})
    saved = SavedSearch.objects.get(user=province.clerk(c0))
    assert saved.params == {"q": "xung kich"} and saved.columns == ["number", "subject"] and saved.ordering == "newest"
    assert "Thiên tai" in client.get(reverse("documents:search")).content.decode()
    body = client.get(reverse("documents:search_export", args=["xlsx"]), {"q": "xung kich",
                                                                          "columns": ["number", "subject"]}).content
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(body)).active.iter_rows()]
    assert rows[2] == [received["doc"].number_notation, "Kế hoạch phòng chống thiên tai"]
    assert client.get(reverse("documents:search_export", args=["pdf"]), {"q": "xung kich"}).content.startswith(b"%PDF")
    # another unit's clerk finds nothing
    other = login(province.clerk(province.communes[1]))
    assert "search-results" in other.get(reverse("documents:search"), {"q": "xung kich"}).content.decode()
    assert received["doc"].subject not in other.get(reverse("documents:search"), {"q": "xung kich"}).content.decode()
    other.post(reverse("documents:saved_search_delete", args=[saved.pk]))
    assert SavedSearch.objects.filter(pk=saved.pk).exists()


def test_accesses_are_logged_counted_and_append_only(province, received, login):
    c0 = province.communes[0]
    rec, doc = received["rec"], received["doc"]
    att = doc.attachments.get()
    client = login(province.specialist(c0))
    client.get(reverse("documents:incoming_detail", args=[rec.pk]))
    b"".join(client.get(reverse("documents:attachment_file", args=[att.pk])).streaming_content)
    client.get(reverse("documents:attachment_file", args=[att.pk]), {"download": "1"})
    rows = list(AccessLog.objects.order_by("pk").values_list("action", "object_type", "unit_id", "user_id"))
    u = province.specialist(c0).pk
    assert rows == [("view", "documents.incomingrecord", c0.pk, u), ("view", "documents.attachment", c0.pk, u),
                    ("download", "documents.attachment", c0.pk, u)]
    # counts and history for the unit's leader; the specialist sees no history
    page = client.get(reverse("documents:incoming_detail", args=[rec.pk])).content.decode()
    assert 'data-testid="access-log"' not in page
    page = login(province.leader(c0)).get(reverse("documents:incoming_detail", args=[rec.pk])).content.decode()
    assert 'data-testid="access-log"' in page
    assert f'data-file-counts="{att.pk}" data-views="1" data-downloads="1" data-prints="0"' in page
    # the sender sees its document's accesses by everyone
    page = login(province.clerk(province.snv)).get(reverse("documents:outgoing_detail", args=[doc.pk])).content.decode()
    assert f'data-file-counts="{att.pk}"' in page
    with pytest.raises(AuditImmutable):
        AccessLog.objects.all().delete()
    with pytest.raises(AuditImmutable):
        AccessLog.objects.update(action="x")


def test_downloaded_and_printed_pdfs_are_marked_and_the_original_untouched(province, received, login):
    from pypdf import PdfReader

    c0 = province.communes[0]
    att = received["doc"].attachments.get()
    with att.file.open("rb") as fh:
        stored = fh.read()
    client = login(province.clerk(c0))
    for params in ({"download": "1"}, {"print": "1"}):
        r = client.get(reverse("documents:attachment_file", args=[att.pk]), params)
        body = r.content
        assert r["X-Marked-Copy"] == "1" and body.startswith(stored) and len(body) > len(stored)
        text = PdfReader(io.BytesIO(body)).pages[0].extract_text()
        assert "In từ hệ thống" in text and "bởi clerk" in text and c0.name in text
    assert r["Content-Disposition"].startswith("inline")
    original = client.get(reverse("documents:attachment_file", args=[att.pk]), {"original": "1"})
    assert b"".join(original.streaming_content) == stored
    with att.file.open("rb") as fh:
        assert fh.read() == stored  # storage untouched
    assert AccessLog.objects.filter(action="print").count() == 1


def test_late_replies_page(province, received, login):
    doc = received["doc"]
    page = login(province.clerk(province.snv)).get(reverse("documents:outgoing_detail", args=[doc.pk])).content.decode()
    assert 'data-testid="reply-tracking"' in page and 'data-replied="0"' in page
    r = login(province.clerk(province.snv)).get(reverse("documents:late_replies"))
    assert r.status_code == 200 and 'data-testid="late-replies"' not in r.content.decode()  # not due yet
