"""
Mapping between the documents models and edXML packages (QCVN 102:2016), both ways.

Unlike the rest of ``documents.edxml`` this module uses Django models; the package itself
(``documents/edxml/__init__.py``) does not import it, so the library stays model-free.

- ``document_to_package(document, recipients=...)``: an issued document as a DocumentPackage
  (its files are opened from the default storage: close the package when done).
- ``status_to_package(event)``: a business status (DispatchEvent) as a StatusPackage.
- ``document_fields_from_package(pkg)``: the Document field values a package carries, plus the
  attachment kinds; the federation import service (documents/federation/inbound.py) stores them.

Field mapping (both ways):

| Document | edXML |
|---|---|
| owner_unit (code, name, parent's name, address, e-mail, phone, fax, website) | MessageHeader/From |
| recipients (units) | MessageHeader/To |
| document_id | DocumentId |
| number (two digits at least), notation | Code/CodeNumber, Code/CodeNotation |
| issued_on, place | PromulgationInfo |
| doc_type (NĐ 30 abbreviation) | DocumentType/TypeName (Vietnamese name, DOCUMENT_TYPE_NAMES_VI) |
| subject, content | Subject, Content |
| signer_name, signer_position, signer_competence | SignerInfo/FullName, Position, Competence |
| due_date | DueDate |
| urgency, page_amount | OtherInfo/Priority, OtherInfo/PageAmount |
| appendix file names | OtherInfo/Appendixes/Appendix |
| recipients_text (one line per place) | ToPlaces/Place |
| business_type, related_document.document_id, business_reason | Bussiness/BussinessDocType, DocumentId, BussinessDocReason |
| replacement: related document and the recipients | Bussiness/ReplacementInfoList |
| attachments (name, description, MIME type, bytes) | manifest References + AttachmentEncoded |
| sent_at | TraceHeader (OrganId of the sender, Timestamp) |
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime

from django.core.files.storage import default_storage
from django.utils import timezone

from documents.choices import DOCUMENT_TYPE_NAMES_VI, AttachmentKind, BusinessType, EventKind, Secrecy
from documents.edxml.types import (
    VN_TZ,
    Attachment,
    Bussiness,
    BussinessDocType,
    Code,
    DocumentPackage,
    DocumentType,
    MessageHeader,
    Organization,
    OtherInfo,
    PromulgationInfo,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
)

__all__ = [
    "MappingError",
    "organization_of",
    "document_to_package",
    "status_to_package",
    "response_for_of",
    "document_fields_from_package",
    "doc_type_from_name",
    "attachment_content_id",
    "DOCUMENT_FIELDS",
]

# The Document fields that travel in a package (and so must survive a round trip).
DOCUMENT_FIELDS = (
    "doc_type", "number", "notation", "issued_on", "place", "subject", "content", "signer_name", "signer_position",
    "signer_competence", "urgency", "due_date", "page_amount", "recipients_text", "business_type", "business_reason",
    "document_id",
)
_TYPE_BY_NAME = {name.casefold(): abbr for abbr, name in DOCUMENT_TYPE_NAMES_VI.items()}


class MappingError(ValueError):
    """A document or event that cannot be expressed as an edXML package (draft, secret, no DocumentId…)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def organization_of(unit) -> Organization:
    """edXML From/To of a unit (the directory's contact fields)."""
    parent = unit.parent.name if unit.parent_id else ""
    return Organization(organ_id=unit.code, organ_name=unit.name, organization_in_charge=parent,
                        organ_add=unit.address, email=unit.email, telephone=unit.phone, fax=unit.fax,
                        website=unit.website)


def attachment_content_id(index: int, sha256: str) -> str:
    """Stable ContentId of the ``index``-th file (1-based): the same on every portal that holds the file."""
    return f"cid:{index}-{sha256[:16]}"


def response_for_of(document) -> ResponseFor:
    return ResponseFor(organ_id=document.owner_unit.code, code=document.number_notation,
                       promulgation_date=document.issued_on, document_id=document.document_id)


def _page_count(files) -> int:
    """Pages of the main file when it is a PDF (PageAmount); 1 when it cannot be told (the field's default)."""
    main = next((a for a in files if a.kind == AttachmentKind.MAIN), None)
    if main is None or main.mime_type != "application/pdf":
        return 1
    try:
        from pypdf import PdfReader

        with default_storage.open(main.file.name, "rb") as f:
            return max(1, len(PdfReader(f, strict=False).pages))
    except Exception:  # noqa: BLE001 - a PDF pypdf cannot read still travels; the count is informative
        return 1


def _check_exportable(document) -> None:
    if document.secrecy != Secrecy.NONE:
        raise MappingError("secret_document", "Classified documents are never exported (QĐ 28/2018/QĐ-TTg).")
    if document.number is None or not document.document_id or document.issued_on is None:
        raise MappingError("not_issued", f"Document {document.pk} is not issued: it has no number or DocumentId.")


def document_to_package(document, *, recipients: Sequence | None = None, timestamp: datetime | None = None
                        ) -> DocumentPackage:
    """
    The package of an issued document addressed to ``recipients`` (units; by default every
    recipient of its dispatches). Attachments are read from the default storage through open
    files: call ``close()`` on the package (or use ``with``) when it has been written.
    """
    _check_exportable(document)
    owner = document.owner_unit
    if recipients is None:
        recipients = [d.recipient for d in document.dispatches.select_related("recipient").order_by("pk")]
    if not recipients:
        raise MappingError("no_recipient", f"Document {document.pk} has no recipient to address the package to.")
    files = list(document.attachments.order_by("position", "pk"))
    appendixes = [a.original_name for a in files if a.kind == AttachmentKind.APPENDIX]
    header = MessageHeader(
        from_=organization_of(owner),
        to=[organization_of(u) for u in recipients],
        document_id=document.document_id,
        code=Code(code_number=f"{document.number:02d}", code_notation=document.notation),
        promulgation_info=PromulgationInfo(promulgation_date=document.issued_on, place=document.place),
        document_type=DocumentType(type_name=DOCUMENT_TYPE_NAMES_VI.get(document.doc_type, document.doc_type)),
        subject=document.subject,
        content=document.content,
        signer_info=SignerInfo(full_name=document.signer_name, position=document.signer_position,
                               competence=document.signer_competence),
        due_date=document.due_date,
        other_info=OtherInfo(priority=int(document.urgency), page_amount=document.page_amount or _page_count(files),
                             promulgation_amount=max(1, document.dispatches.count(), len(recipients)),
                             appendixes=appendixes),
        to_places=[line.strip() for line in document.recipients_text.splitlines() if line.strip()],
        steering_type="0",
    )
    related = document.related_document
    if related is not None and related.document_id and related.issued_on:
        header.response_for = [response_for_of(related)]
    bussiness = Bussiness(bussiness_doc_type=BussinessDocType(int(document.business_type)),
                          document_id=related.document_id if related is not None else None,
                          bussiness_doc_reason=document.business_reason)
    if document.business_type == BusinessType.REPLACEMENT and related is not None:
        bussiness.replacement_info_list = [ReplacementInfo(document_id=related.document_id,
                                                           organ_id_list=[u.code for u in recipients])]
    stamp = timestamp or document.sent_at or timezone.now()
    trace = TraceHeaderList(trace_headers=[TraceHeader(organ_id=owner.code, timestamp=stamp.astimezone(VN_TZ))],
                            bussiness=bussiness)
    attachments = []
    try:
        for index, att in enumerate(files, start=1):
            attachments.append(Attachment(content_id=attachment_content_id(index, att.sha256),
                                          attachment_name=att.original_name, content_type=att.mime_type,
                                          description=att.description, file=default_storage.open(att.file.name, "rb")))
    except BaseException:
        for a in attachments:
            a.close()
        raise
    return DocumentPackage(header=header, trace_header_list=trace, references=[a.reference() for a in attachments],
                           attachments=attachments)


def status_to_package(event) -> StatusPackage:
    """
    The status package of a business status event. The reporting unit (From) is the
    recipient of the dispatch, except for 13 (a take-back/update request), which the sender makes.
    """
    if event.kind != EventKind.BUSINESS:
        raise MappingError("not_a_status", f"Event {event.pk} is a {event.kind} event, not a business status.")
    dispatch = event.dispatch
    document = dispatch.document
    _check_exportable(document)
    reporter = dispatch.sender if event.code == "13" else dispatch.recipient
    return StatusPackage(
        from_=organization_of(reporter),
        response_for=response_for_of(document),
        status_code=event.code,
        timestamp=event.at.astimezone(VN_TZ).replace(microsecond=0),
        description=event.note,
        staff_info=StaffInfo(staff=event.actor_name) if event.actor_name else None,
    )


def doc_type_from_name(type_name: str) -> str | None:
    """NĐ 30 abbreviation of a Vietnamese TypeName ("Công văn" → "CV"); None when unknown."""
    return _TYPE_BY_NAME.get((type_name or "").strip().casefold())


def document_fields_from_package(pkg: DocumentPackage) -> dict:
    """
    The Document field values of a package (without owner, related document and files), and
    ``_attachment_kinds``: main/appendix for each attachment, in order. Raises MappingError
    for values the model cannot hold (a CodeNumber that is not a positive integer).
    """
    h = pkg.header
    number_text = h.code.code_number.strip()
    if not number_text.isdigit() or int(number_text) == 0:
        raise MappingError("bad_value", f"CodeNumber {number_text!r} is not a positive integer.")
    doc_type = doc_type_from_name(h.document_type.type_name) or "CV"
    b = pkg.trace_header_list.bussiness
    fields = {
        "doc_type": doc_type,
        "number": int(number_text),
        "notation": h.code.code_notation,
        "issued_on": h.promulgation_info.promulgation_date,
        "place": h.promulgation_info.place,
        "subject": h.subject,
        "content": h.content,
        "signer_name": h.signer_info.full_name,
        "signer_position": h.signer_info.position,
        "signer_competence": h.signer_info.competence,
        "urgency": h.other_info.priority,
        "due_date": h.due_date,
        "page_amount": h.other_info.page_amount,
        "recipients_text": "\n".join(h.to_places),
        "business_type": int(b.bussiness_doc_type),
        "business_reason": b.bussiness_doc_reason,
        "document_id": h.document_id,
    }
    appendix_names = set(h.other_info.appendixes)
    kinds, has_main = [], False
    for att in pkg.attachments:
        if not has_main and att.attachment_name not in appendix_names:
            kinds.append(AttachmentKind.MAIN)
            has_main = True
        else:
            kinds.append(AttachmentKind.APPENDIX)
    fields["_attachment_kinds"] = kinds
    fields["_related_document_id"] = b.document_id or (
        b.replacement_info_list[0].document_id if b.replacement_info_list else None)
    fields["_safe_names"] = [os.path.basename(a.attachment_name.replace("\\", "/"))[:255] or "file"
                             for a in pkg.attachments]
    return fields
