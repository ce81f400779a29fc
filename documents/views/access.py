"""The access log as the document pages use it: record views and downloads, counts and history."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from egov.core.access import AccessAction, access_counts, access_history, access_note
from egov.core.pdfmark import mark_text, pdf_mark
from egov.core.text import actor_display
from units.choices import Role

DOC, REC, FILE = "documents.document", "documents.incomingrecord", "documents.attachment"
HISTORY_ROLES = {Role.CLERK, Role.LEADER, Role.UNIT_ADMIN}

__all__ = ["note_view", "access_panel", "marked_pdf_response", "DOC", "REC", "FILE"]


def note_view(request, object_type: str, object_id, *, unit_id=None, action=AccessAction.VIEW) -> None:
    access_note(request, object_type=object_type, object_id=object_id, action=action, unit_id=unit_id)


def access_panel(*, roles: set[str], unit, doc, attachments, record=None, whole_document: bool = False) -> dict:
    """
    Access counts for the page and, for the unit's clerks, leaders and administrators, the
    history. The issuing unit (``whole_document``) sees every access to its document and files;
    a recipient unit sees its own staff's accesses only.
    """
    if not roles & HISTORY_ROLES:
        return {"access": None}
    objects = [(DOC, doc.pk), *((FILE, a.pk) for a in attachments)]
    if record is not None:
        objects.append((REC, record.pk))
    scope = {} if whole_document else {"unit_id": unit.pk}
    history = access_history(objects=objects, limit=100, **scope)
    counts = access_counts(object_type=FILE, object_ids=[a.pk for a in attachments], **scope)
    doc_counts = access_counts(object_type=DOC, object_ids=[doc.pk], **scope)[str(doc.pk)]
    if record is not None:
        rec_counts = access_counts(object_type=REC, object_ids=[record.pk], **scope)[str(record.pk)]
        doc_counts = {k: doc_counts.get(k, 0) + rec_counts.get(k, 0) for k in {*doc_counts, *rec_counts}}
    return {"access": {"history": list(history), "document": doc_counts,
                       "files": [(a, counts[str(a.pk)]) for a in attachments],
                       "labels": dict(AccessAction.choices)}}


def marked_pdf_response(request, att, data: bytes, *, unit_name: str, inline: bool) -> HttpResponse:
    """The marked copy of a stored PDF (the original stays as stored)."""
    text = mark_text(portal=settings.PORTAL_NAME, user_name=actor_display(request.user), unit_name=unit_name,
                     at=timezone.localtime())
    body = pdf_mark(data, text=text, font_path=settings.PRINT_MARK_FONT)
    response = HttpResponse(body, content_type="application/pdf")
    stem = att.original_name.rsplit(".", 1)[0]
    response["Content-Disposition"] = content_disposition_header(not inline, f"{stem}-ban-in.pdf")
    response["X-Marked-Copy"] = "1"
    return response
