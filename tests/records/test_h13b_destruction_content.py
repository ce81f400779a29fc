"""
Destruction removes the content (h13b): the documents of a destroyed file that nothing else holds
lose their stored bytes, extracted texts and body text; their metadata stays; documents another
live file or another unit still holds keep theirs, and the decision's record says why.
"""
import datetime

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from rest_framework.test import APIClient

from django.urls import reverse

from documents.choices import AuditVerb as DocVerb
from documents.choices import TextStatus
from documents.models import Attachment, AttachmentText, Document
from documents.services import search_index_document
from egov.core.models import AuditEvent
from records.choices import AuditVerb, FileState, ProposalState
from records.models import CaseFile, DestructionProposal
from records.services import (
    archive_accept,
    destruction_execute,
    destruction_vote,
    file_add_document,
    file_open,
    retention_review,
    transfer_submit,
)

pytestmark = pytest.mark.django_db


def _approved(office, f):
    transfer_submit(case_file=f, acting_user=office.keeper)
    archive_accept(case_file=f, acting_user=office.archivist)
    f = CaseFile.objects.get(pk=f.pk)
    after = f.retention_ends + datetime.timedelta(days=1)
    [p] = retention_review(year=after.year, on=after)
    return destruction_vote(proposal=p, acting_user=office.leader, approve=True, decision_ref="QĐ 7/QĐ-SNV")


def test_destruction_removes_unshared_content_and_keeps_what_a_live_file_holds(
        office, django_capture_on_commit_callbacks):
    f = office.closed_file(docs=2)
    gone_doc, shared_doc = [i.document for i in f.items.order_by("ordinal")]
    other = file_open(entry=office.free_entry, acting_user=office.clerk)  # an open file of the same unit
    file_add_document(case_file=other, acting_user=office.clerk, document=shared_doc)
    search_index_document(document_id=gone_doc.pk)  # its text is extracted and indexed
    gone_att, shared_att = gone_doc.attachments.get(), shared_doc.attachments.get()
    assert AttachmentText.objects.filter(attachment=gone_att, status=TextStatus.EXTRACTED).exists()
    gone_name, shared_name = gone_att.file.name, shared_att.file.name
    assert gone_name != shared_name and default_storage.exists(gone_name)
    p = _approved(office, f)
    assert p.state == ProposalState.APPROVED

    with django_capture_on_commit_callbacks(execute=True):
        assert destruction_execute(proposal=p, acting_user=office.archivist) == 1

    # the bytes are gone, the metadata stays
    assert not default_storage.exists(gone_name)
    att = Attachment.objects.get(pk=gone_att.pk)
    assert att.destroyed_at is not None
    assert (att.sha256, att.size, att.original_name) == (gone_att.sha256, gone_att.size, gone_att.original_name)
    doc = Document.objects.get(pk=gone_doc.pk)
    assert (doc.number_notation, doc.subject, doc.issued_on) == (
        gone_doc.number_notation, gone_doc.subject, gone_doc.issued_on)
    assert not AttachmentText.objects.filter(attachment=att).exists()
    audit = AuditEvent.objects.get(verb=DocVerb.CONTENT_DESTROYED, object_id=str(gone_doc.pk))
    assert audit.actor == office.archivist
    assert audit.details["attachments"][0]["sha256"] == gone_att.sha256
    # the document the open file holds keeps its content, and the record says why
    assert default_storage.exists(shared_name)
    assert Attachment.objects.get(pk=shared_att.pk).destroyed_at is None
    outcome = DestructionProposal.objects.get(pk=p.pk).content_outcome
    assert [r["document"] for r in outcome["destroyed"]] == [gone_doc.pk]
    assert outcome["destroyed"][0]["attachments"] == [gone_att.pk]
    [kept] = outcome["kept"]
    assert kept["document"] == shared_doc.pk and kept["reasons"] == [f"file:{other.code}:open"]
    assert kept["number_notation"] == shared_doc.number_notation
    executed = AuditEvent.objects.get(verb=AuditVerb.DESTRUCTION_EXECUTED, object_id=str(p.pk))
    assert executed.details["content_destroyed"] == [gone_doc.pk]
    assert executed.details["content_kept"] == [{"document": shared_doc.pk, "reasons": kept["reasons"]}]
    assert CaseFile.objects.get(pk=f.pk).state == FileState.DESTROYED


def test_a_document_another_unit_holds_keeps_its_content(office, django_capture_on_commit_callbacks):
    office.plan()
    received = office.receive()  # issued by Sở Tài chính, received here
    f = file_open(entry=office.entry, acting_user=office.keeper)
    file_add_document(case_file=f, acting_user=office.keeper, incoming=received)
    from records.services import file_close

    f = file_close(case_file=f, acting_user=office.keeper)
    p = _approved(office, f)
    att = received.document.attachments.get()
    with django_capture_on_commit_callbacks(execute=True):
        destruction_execute(proposal=p, acting_user=office.archivist)
    assert Attachment.objects.get(pk=att.pk).destroyed_at is None and default_storage.exists(att.file.name)
    [kept] = DestructionProposal.objects.get(pk=p.pk).content_outcome["kept"]
    assert kept["reasons"] == [f"unit:{received.document.owner_unit_id}"]


def test_download_of_destroyed_content_answers_a_clear_error(office, django_capture_on_commit_callbacks):
    from units.api_clients import api_client_create

    f = office.closed_file(docs=1)
    att = f.items.get().document.attachments.get()
    p = _approved(office, f)
    with django_capture_on_commit_callbacks(execute=True):
        destruction_execute(proposal=p, acting_user=office.archivist)
    c = Client()
    c.force_login(office.clerk)
    for query in ("", "?download=1", "?original=1", "?print=1"):
        r = c.get(reverse("documents:attachment_file", args=[att.pk]) + query, HTTP_ACCEPT_LANGUAGE="vi")
        assert r.status_code == 410, query
        page = r.content.decode()
        assert "data-status=\"410\"" in page and att.original_name in page
        assert "đã bị tiêu hủy" in page  # the Vietnamese message
    _c, token = api_client_create(name="QLVB", unit=office.unit, scopes=["documents:read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    r = api.get(f"/api/v1/attachments/{att.pk}/content/", HTTP_RANGE="bytes=0-9")
    assert r.status_code == 410 and r.json()["error"]["code"] == "content_destroyed"
    # the metadata is still served
    meta = api.get(f"/api/v1/attachments/{att.pk}/").json()
    assert meta["sha256"] == att.sha256 and meta["size"] == att.size and meta["destroyed_at"]


def test_bytes_another_document_shares_stay_in_storage(office, django_capture_on_commit_callbacks):
    f = office.closed_file(docs=1)
    att = f.items.get().document.attachments.get()
    from documents.services import attachment_add, document_create

    with att.file.open("rb") as fh:
        same = fh.read()
    twin = document_create(owner_unit=office.unit, acting_user=office.clerk, subject="Bản thảo dùng cùng tệp",
                           doc_type="CV", notation_suffix="TCCB")  # a draft in no file, with the same PDF
    twin_att = attachment_add(document=twin, acting_user=office.clerk, upload=same, name="cung-tep.pdf")
    assert twin_att.sha256 == att.sha256 and twin_att.file.name == att.file.name  # content-addressed
    p = _approved(office, f)
    with django_capture_on_commit_callbacks(execute=True):
        destruction_execute(proposal=p, acting_user=office.archivist)
    assert Attachment.objects.get(pk=att.pk).destroyed_at is not None
    assert default_storage.exists(twin_att.file.name)  # the twin still reads its file
    audit = AuditEvent.objects.get(verb=DocVerb.CONTENT_DESTROYED, object_id=str(att.document_id))
    assert audit.details["bytes_shared_kept"] == [twin_att.file.name]
