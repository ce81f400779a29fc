"""Drafting and issuing outgoing documents; attachments checked by content."""
from __future__ import annotations

import datetime
import hashlib
import mimetypes
import os

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.audit import audit_record
from egov.core.db import service
from egov.core.errors import InvalidInput, PermissionDeniedError, StateError
from units.choices import Role
from units.models import Unit
from units.permissions import require_role

from ..choices import (
    TYPES_WITHOUT_ABBREVIATION,
    AttachmentKind,
    AuditVerb,
    BusinessType,
    DocumentStatus,
    RegisterDirection,
    Secrecy,
)
from ..content import SNIFF_BYTES, active_content, detect_mime, pdf_active_content
from ..models import Attachment, Document
from .registers import register_allocate
from .search import search_index_enqueue

__all__ = [
    "verification_queue",
    "document_create",
    "document_update",
    "document_issue",
    "attachment_add",
    "attachment_remove",
    "document_create_with_files",
    "document_update_with_files",
    "detect_mime",
    "refuse_active_content",
    "document_series",
    "DRAFT_FIELDS",
]

DRAFTER_ROLES = (Role.CLERK, Role.LEADER, Role.SPECIALIST)
DRAFT_FIELDS = {
    "doc_type", "notation_suffix", "is_normative", "place", "subject", "content", "signer_name", "signer_position",
    "signer_competence", "urgency", "secrecy", "due_date", "recipients_text", "page_amount", "business_type",
    "related_document", "business_reason",
}

OFFICE_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/msword",
    "application/vnd.ms-excel",
    "application/x-ole-storage",
}


def _max_bytes() -> int:
    return settings.DOCUMENTS_MAX_ATTACHMENT_BYTES


def _allowed_appendix_types() -> set[str]:
    return set(settings.DOCUMENTS_ALLOWED_MIME_TYPES or (
        {"application/pdf", "application/zip", "image/png", "image/jpeg", "application/xml", "text/xml"} | OFFICE_TYPES))


def refuse_active_content(head: bytes, name: str, *, whole=None) -> None:
    """
    A file a browser could run script from (HTML, SVG, XHTML…) is never stored, whatever its name;
    nor a PDF that asks its reader to run JavaScript or a program (``whole``: the file's bytes, or a
    function returning them, read only when the head is a PDF's).
    """
    what = active_content(head)
    if what is None and whole is not None and detect_mime(head) == "application/pdf":
        what = pdf_active_content(whole() if callable(whole) else whole)
    if what is not None:
        raise InvalidInput(_("The file %(name)s contains active content (%(what)s) that could run in a browser; "
                             "it is not accepted. Send it as PDF.") % {"name": name, "what": what},
                           code="active_content", field="file")


def _name_matches(name: str, mime: str) -> bool:
    """The extension, if any, must not claim another type than the content has."""
    ext = os.path.splitext(name)[1].lower()
    if not ext:
        return True
    guessed = mimetypes.guess_type(name)[0]
    if guessed is None or guessed == mime:
        return True
    families = [OFFICE_TYPES | {"application/zip"}, {"application/xml", "text/xml"}]
    return any(guessed in f and mime in f for f in families)


def verification_queue(*, storage_name: str, filename: str, sha256: str, size: int):
    """
    A pending signature verification of a stored file, run by the signatures worker task after
    commit (robust: a broker outage never fails the upload or the delivery).
    """
    from signatures.choices import VerificationStatus
    from signatures.models import Verification
    from signatures.tasks import verify_blob_task

    verification = Verification.objects.create(status=VerificationStatus.PENDING, filename=filename[:255],
                                               file_path=storage_name, file_sha256=sha256, file_size=size)
    transaction.on_commit(lambda: verify_blob_task.delay(verification.pk), robust=True)
    return verification


def _check_editable(document: Document) -> None:
    if document.status != DocumentStatus.DRAFT:
        raise StateError(_("This document has been issued and can no longer be changed; "
                           "send an update, replacement or revocation document instead."))
    from .drafts import draft_guard

    draft_guard(document)  # a draft under approval changes through its own services (trail, re-approval)


def _validate_fields(fields: dict, owner_unit: Unit) -> None:
    subject = fields.get("subject")
    if subject is not None and not subject.strip():
        raise InvalidInput(_("The subject (trích yếu) is required."), field="subject")
    if subject is not None and len(subject) > 500:
        raise InvalidInput(_("The subject may not exceed 500 characters."), field="subject")
    related = fields.get("related_document")
    btype = fields.get("business_type", BusinessType.NEW)
    if btype != BusinessType.NEW:
        if related is None:
            raise InvalidInput(_("A revocation, update or replacement must name the earlier document."),
                               field="related_document")
        if related.owner_unit_id != owner_unit.pk or related.status == DocumentStatus.DRAFT:
            raise InvalidInput(_("The earlier document must be an issued document of your unit."),
                               field="related_document")


@service
def document_create(*, owner_unit: Unit, acting_user, subject: str, **fields) -> Document:
    """Create a draft of ``owner_unit``; clerks, leaders and specialists may draft."""
    require_role(user=acting_user, unit=owner_unit, roles=DRAFTER_ROLES)
    unknown = set(fields) - DRAFT_FIELDS
    if unknown:
        raise InvalidInput(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    fields["subject"] = subject
    _validate_fields(fields, owner_unit)
    doc = Document(owner_unit=owner_unit, created_by=acting_user, status=DocumentStatus.DRAFT, **fields)
    doc.full_clean(exclude=["register", "document_id"])
    doc.save()
    audit_record(actor=acting_user, unit=owner_unit, verb=AuditVerb.DOCUMENT_CREATED, obj=doc,
                 details={"subject": doc.subject[:200]})
    return doc


@service
def document_update(*, document: Document, acting_user, **fields) -> Document:
    doc = Document.objects.select_for_update(no_key=True).get(pk=document.pk)
    require_role(user=acting_user, unit=doc.owner_unit, roles=DRAFTER_ROLES)
    _check_editable(doc)
    unknown = set(fields) - DRAFT_FIELDS
    if unknown:
        raise InvalidInput(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    merged = {"business_type": doc.business_type, "related_document": doc.related_document, **fields}
    _validate_fields(merged, doc.owner_unit)
    changed = {}
    for key, value in fields.items():
        if getattr(doc, key) != value:
            changed[key] = str(value)[:200]
            setattr(doc, key, value)
    if changed:
        doc.full_clean(exclude=["register", "document_id"])
        doc.save()
        audit_record(actor=acting_user, unit=doc.owner_unit, verb=AuditVerb.DOCUMENT_UPDATED, obj=doc, details=changed)
    return doc


def document_series(document: Document) -> str:
    """NĐ 30 Điều 15: secret documents and each type of normative document keep their own series."""
    if document.secrecy != Secrecy.NONE:
        return "secret"
    if document.is_normative:
        return f"normative-{document.doc_type}"
    return "general"


@service
def document_issue(*, document: Document, acting_user, issued_on: datetime.date | None = None) -> Document:
    """
    Allocate the number from the unit's outgoing register of the issue year, build the
    notation and the DocumentId, and freeze the document. Clerks only.

    The issue date is today in the portal's time zone (Asia/Ho_Chi_Minh). Another date needs the
    permission ``documents.issue_on_another_day`` and writes an audit row of its own.
    """
    doc = Document.objects.select_for_update(no_key=True).select_related("owner_unit").get(pk=document.pk)
    require_role(user=acting_user, unit=doc.owner_unit, roles=(Role.CLERK,))
    _check_editable(doc)
    problems = []
    if not doc.signer_name.strip():
        problems.append(("signer_name", _("The signer is required before issuing.")))
    if doc.doc_type in TYPES_WITHOUT_ABBREVIATION and not doc.notation_suffix:
        problems.append(("notation_suffix", _("An official letter needs the drafting unit or field "
                                              "for its notation (e.g. VP).")))
    if doc.secrecy == Secrecy.NONE and not doc.attachments.filter(kind=AttachmentKind.MAIN).exists():
        problems.append(("attachments", _("Attach the main file (PDF) before issuing.")))
    if problems:
        field, message = problems[0]
        raise InvalidInput(message, field=field)
    today = timezone.localdate()
    if issued_on is not None and issued_on != today:
        if not acting_user.has_perm("documents.issue_on_another_day"):
            raise PermissionDeniedError(_("A document is issued on the day of issue; another date needs "
                                          "the permission to issue on another day."), field="issued_on")
        audit_record(actor=acting_user, unit=doc.owner_unit, verb=AuditVerb.DOCUMENT_ISSUE_DATE_SET, obj=doc,
                     details={"issued_on": issued_on.isoformat(), "today": today.isoformat()})
    issued_on = issued_on or today
    register, number = register_allocate(unit=doc.owner_unit, direction=RegisterDirection.OUTGOING,
                                         year=issued_on.year, series=document_series(doc))
    doc.register, doc.number, doc.issued_on = register, number, issued_on
    doc.notation = doc.build_notation()
    if doc.is_normative:
        # Legal normative documents carry the year in their number: 15/2026/QĐ-UBND.
        doc.notation = f"{issued_on.year}/{doc.notation}"
    # Secret documents never travel electronically (QĐ 28/2018) and have no exchange identifier;
    # their own series would otherwise repeat the numbers of the general one.
    if doc.secrecy == Secrecy.NONE:
        doc.document_id = f"{doc.owner_unit.code},{issued_on:%Y/%m/%d},{doc.number_notation}"
    doc.status = DocumentStatus.ISSUED
    doc.issued_at = timezone.now()
    doc.save()
    audit_record(actor=acting_user, unit=doc.owner_unit, verb=AuditVerb.DOCUMENT_ISSUED, obj=doc,
                 details={"number": doc.number_notation, "register": register.pk})
    search_index_enqueue([doc.pk])  # the number and notation become searchable
    return doc


@service
def attachment_add(*, document: Document, acting_user, upload, name: str | None = None,
                   kind: str = AttachmentKind.MAIN, description: str = "") -> Attachment:
    """
    Store a file of a draft. The type is detected from the content; the main file must be a
    PDF; the size is bounded; the SHA-256 is computed while streaming. A rejected file leaves
    nothing behind.
    """
    doc = Document.objects.select_for_update(no_key=True).get(pk=document.pk)
    require_role(user=acting_user, unit=doc.owner_unit, roles=DRAFTER_ROLES)
    _check_editable(doc)
    if isinstance(upload, (bytes, bytearray)):
        upload = ContentFile(bytes(upload), name=name or "file")
    name = os.path.basename(name or getattr(upload, "name", "") or "file")[:255]
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
    if size == 0:
        raise InvalidInput(_("The file %(name)s is empty.") % {"name": name}, field="file")
    if size > _max_bytes():
        raise InvalidInput(_("The file %(name)s is too large (%(size)d MB; the limit is %(limit)d MB).")
                           % {"name": name, "size": size // 2**20, "limit": _max_bytes() // 2**20}, field="file")
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)

    def whole():
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        return data

    refuse_active_content(head, name, whole=whole)
    mime = detect_mime(head)
    if kind == AttachmentKind.MAIN and mime != "application/pdf":
        raise InvalidInput(_("The main file must be a PDF document; %(name)s is not.") % {"name": name}, field="file")
    if mime is None or mime not in _allowed_appendix_types():
        raise InvalidInput(_("The type of %(name)s is not accepted (PDF, Word, Excel, images, ZIP, XML).")
                           % {"name": name}, field="file")
    if not _name_matches(name, mime):
        raise InvalidInput(_("The content of %(name)s does not match its file name.") % {"name": name}, field="file")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    sha = digest.hexdigest()
    if kind == AttachmentKind.MAIN:
        old = doc.attachments.filter(kind=AttachmentKind.MAIN).first()
        if old is not None:
            old.delete()  # a draft's main file is replaced, not kept twice
    att = Attachment(document=doc, kind=kind, original_name=name, description=description[:255], size=size,
                     sha256=sha, mime_type=mime, uploaded_by=acting_user,
                     position=doc.attachments.count())
    upload.seek(0)
    storage_name = f"attachments/{sha[:2]}/{sha}"
    if not default_storage.exists(storage_name):
        storage_name = default_storage.save(storage_name, File(upload, name=storage_name))
    att.file.name = storage_name
    att.verification = verification_queue(storage_name=storage_name, filename=name, sha256=sha, size=size)
    att.save()
    audit_record(actor=acting_user, unit=doc.owner_unit, verb=AuditVerb.ATTACHMENT_ADDED, obj=att,
                 details={"document": doc.pk, "name": name, "sha256": sha, "size": size, "mime": mime})
    search_index_enqueue([doc.pk])  # the file's text, in the background
    return att


@service
def attachment_remove(*, attachment: Attachment, acting_user) -> None:
    doc = Document.objects.select_for_update(no_key=True).get(pk=attachment.document_id)
    require_role(user=acting_user, unit=doc.owner_unit, roles=DRAFTER_ROLES)
    _check_editable(doc)
    audit_record(actor=acting_user, unit=doc.owner_unit, verb=AuditVerb.ATTACHMENT_REMOVED, obj=attachment,
                 details={"document": doc.pk, "name": attachment.original_name})
    attachment.delete()  # files are content-addressed and may be shared: the stored blob stays


def _attach_all(doc: Document, acting_user, files) -> None:
    for upload, kind in files:
        try:
            attachment_add(document=doc, acting_user=acting_user, upload=upload, name=getattr(upload, "name", None),
                           kind=kind)
        except InvalidInput as exc:
            exc.attachment_kind = kind  # which file was refused: the main file or an appendix
            raise


@service
def document_create_with_files(*, owner_unit: Unit, acting_user, subject: str, files=(), **fields) -> Document:
    """
    A draft and its files (``files``: ``(upload, kind)`` pairs), saved together or not at all:
    a file that is refused leaves no draft behind.
    """
    doc = document_create(owner_unit=owner_unit, acting_user=acting_user, subject=subject, **fields)
    _attach_all(doc, acting_user, files)
    return doc


@service
def document_update_with_files(*, document: Document, acting_user, files=(), **fields) -> Document:
    """Change a draft's fields and add files, together or not at all."""
    doc = document_update(document=document, acting_user=acting_user, **fields)
    _attach_all(doc, acting_user, files)
    return doc
