"""
Importing edXML packages: a document package becomes an incoming document of each addressed
local unit (a revocation / update / replacement acts on the earlier document it names); a
status package becomes a business status on the matching dispatch.

``package_import`` is the one entry point (receive endpoint, API, ``edxml_import``): it parses
with the library's limits, checks the signature, the sender, the addressees and the earlier
document, then either reports (``dry_run``) or stores everything in one transaction, with the
transport log row (InboundPackage) and the audit rows inside it. Faults store nothing but
their log row.
"""
from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
import uuid
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.choices import AuditVerb as DocumentsAuditVerb
from documents.choices import (
    BusinessType,
    DeliveryState,
    DocumentStatus,
    EventKind,
    IncomingStatus,
    NotificationKind,
    RequestKind,
    StatusCode,
)
from documents.edxml import DocumentPackage, EdxmlError, StatusPackage, parse_package
from documents.models import Attachment, Dispatch, DispatchEvent, Document, IncomingRecord
from documents import messages as M
from documents.services.delivery import deliver_local_batch
from documents.services.dispatches import dispatch_delivered, dispatches_create, status_emit
from documents.content import ACTIVE_MIME_TYPES, SNIFF_BYTES, active_content, detect_mime, pdf_active_content
from egov.core.audit import audit_record
from egov.core.db import service_atomic
from egov.core.notifications import notification_send
from units.choices import Role
from units.models import Unit
from units.selectors import unit_members

from .choices import AuditVerb, InboundResult, PackageKind
from .mapping import MappingError, document_fields_from_package
from .models import InboundPackage
from .signing import UNVERIFIABLE

__all__ = ["ImportReport", "package_import", "FAULT_HTTP_STATUS"]

log = logging.getLogger(__name__)

# HTTP status of a fault answer by code; anything else is 400.
FAULT_HTTP_STATUS = {"too_large": 413, "zip_bomb": 413, "unsupported_version": 400, "internal_error": 500}


@dataclass
class ImportReport:
    """What an import found and did; ``as_dict()`` is the JSON of edxml_import --json and of the endpoints."""

    result: str = ""  # accepted | duplicate | fault | valid (a dry run that would be accepted)
    code: str = ""
    message: str = ""
    kind: str = ""
    document_id: str = ""
    from_: str = ""
    to: list[str] = field(default_factory=list)
    business_type: int | None = None
    status_code: str = ""
    attachments: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    signature: dict | None = None
    consignment_id: str = ""
    document: int | None = None
    dispatches: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result in (InboundResult.ACCEPTED, InboundResult.DUPLICATE, "valid")

    def problem(self, code: str, message: str, *, fatal: bool) -> None:
        self.problems.append({"code": code, "message": message, "fatal": fatal})

    def fatal(self) -> dict | None:
        return next((p for p in self.problems if p["fatal"]), None)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["from"] = data.pop("from_")
        return data


def _limits() -> dict:
    return {
        "max_package_bytes": settings.FEDERATION_MAX_PACKAGE_BYTES,
        "max_attachment_bytes": settings.FEDERATION_MAX_ATTACHMENT_BYTES,
        "max_decompressed_bytes": settings.FEDERATION_MAX_DECOMPRESSED_BYTES,
        "max_elements": settings.FEDERATION_MAX_ELEMENTS,
        "max_depth": settings.FEDERATION_MAX_DEPTH,
    }


def _describe(report: ImportReport, pkg) -> None:
    report.warnings = list(pkg.warnings)
    if isinstance(pkg, DocumentPackage):
        h = pkg.header
        report.kind = PackageKind.DOCUMENT
        report.document_id = h.document_id
        report.from_ = h.from_.organ_id
        report.to = [o.organ_id for o in h.to]
        report.business_type = int(pkg.trace_header_list.bussiness.bussiness_doc_type)
        report.attachments = [{"name": a.attachment_name, "size": a.size, "sha256": a.sha256,
                               "content_type": a.content_type} for a in pkg.attachments]
    else:
        report.kind = PackageKind.STATUS
        report.document_id = pkg.response_for.document_id
        report.from_ = pkg.from_.organ_id
        report.status_code = pkg.status_code


def _check_signature(report: ImportReport, pkg, peer) -> None:
    if pkg.signature is None:
        report.signature = None
        if peer is not None and peer.require_signature:
            report.problem("signature_missing", _("Packages from %(peer)s must be signed.") % {"peer": peer.code},
                           fatal=True)
        return
    from .signing import verify_package_signature

    check = verify_package_signature(signature_xml=pkg.signature.signature_xml, signed_bytes=pkg.signature.signed_bytes,
                                     pinned_pem=peer.signing_certificate if peer is not None else "")
    report.signature = {"valid": check.valid, "code": check.code, "message": check.message, "signer": check.signer,
                        "certificate_sha256": check.certificate_sha256, "weak": check.weak or [],
                        "verifiable": check.valid or check.code not in UNVERIFIABLE}
    if check.valid:
        if check.weak:
            report.warnings.append(_("The package signature is valid but uses weak (legacy) algorithms: %(alg)s.")
                                   % {"alg": ", ".join(check.weak)})
        return
    pinned = peer is not None and bool(peer.signing_certificate.strip())
    tolerable = check.code in UNVERIFIABLE and not (check.code == "signature_untrusted" and pinned)
    if tolerable and not (peer is not None and peer.require_signature):
        # Real systems send placeholder or legacy signatures; the document's own (PDF) signature is what
        # carries legal weight, and the unit's signature policy decides at acceptance.
        report.warnings.append(_("The package signature is not verifiable (%(code)s): %(message)s")
                               % {"code": check.code, "message": check.message})
        return
    report.problem(check.code, check.message, fatal=True)


def _alias(report: ImportReport, organ_id: str, peer) -> Unit | None:
    """A From OrganId that is the peer's systemId rather than a QCVN 102 code: the one agency it hosts."""
    if peer is None or not organ_id or organ_id not in (peer.system_id, peer.code):
        return None
    hosted = list(Unit.objects.filter(is_local=False, peer_ref=peer.code).order_by("pk")[:2])
    if len(hosted) != 1:
        return None
    report.warnings.append(_("The sender %(id)s is a system id, not an agency code; read as %(code)s, the agency "
                             "that system hosts.") % {"id": organ_id, "code": hosted[0].code})
    return hosted[0]


def _sender(report: ImportReport, organ_id: str, peer) -> Unit | None:
    unit = Unit.objects.filter(code=organ_id).first() or _alias(report, organ_id, peer)
    if unit is None:
        report.problem("unknown_sender", _("The sender %(code)s is not in the unit directory.") % {"code": organ_id},
                       fatal=True)
        return None
    if unit.is_local:
        report.problem("sender_is_local", _("The sender %(code)s is a unit of this portal; its documents do not "
                                            "arrive as packages.") % {"code": organ_id}, fatal=True)
        return None
    if peer is not None and unit.peer_ref != peer.code:
        report.problem("sender_not_hosted", _("The sender %(code)s is not hosted by the peer %(peer)s.")
                       % {"code": organ_id, "peer": peer.code}, fatal=True)
        return None
    return unit


# --- document packages -------------------------------------------------------------------------

@dataclass
class _DocumentPlan:
    sender: Unit
    targets: list[Unit]
    fields: dict
    related: Document | None
    existing: Document | None


def _plan_document(report: ImportReport, pkg: DocumentPackage, peer) -> _DocumentPlan | None:
    h = pkg.header
    sender = _sender(report, h.from_.organ_id, peer)
    targets: list[Unit] = []
    today = timezone.localdate()
    for org in h.to:
        unit = Unit.objects.filter(code=org.organ_id).first()
        if unit is None:
            report.problem("invalid_addressee", _("The addressee %(code)s is not in the unit directory.")
                           % {"code": org.organ_id}, fatal=False)
        elif not unit.is_local:
            report.problem("invalid_addressee", _("The addressee %(code)s is not a local unit of this portal.")
                           % {"code": org.organ_id}, fatal=False)
        elif not unit.is_active(today):
            report.problem("invalid_addressee", _("The addressee %(code)s no longer exists.") % {"code": org.organ_id},
                           fatal=False)
        elif unit not in targets:
            targets.append(unit)
    if not targets:
        report.problem("invalid_addressee", _("None of the addressees is a local unit of this portal."), fatal=True)
    try:
        fields = document_fields_from_package(pkg)
    except MappingError as exc:
        report.problem("validation", exc.message, fatal=True)
        return None
    related = None
    related_id = fields.pop("_related_document_id")
    business_type = fields["business_type"]
    if business_type != 0 and not related_id:
        named = h.response_for[0].document_id if h.response_for else h.document_id
        if named:
            related_id = named
            report.warnings.append(_("The %(kind)s carries no Bussiness/DocumentId; the earlier document is read from "
                                     "%(where)s: %(id)s.") % {"kind": BusinessType(business_type).label,
                                                             "where": "ResponseFor" if h.response_for else "DocumentId",
                                                             "id": named})
    existing = Document.objects.filter(document_id=h.document_id).first()
    if (business_type != 0 and existing is not None and sender is not None and existing.owner_unit_id == sender.pk
            and existing.business_type != business_type):
        # The header DocumentId names an earlier document (a revocation repeating the revoked document's id,
        # a replacement reusing an earlier update's id): this package is the new one it says it is.
        derived = f"{h.document_id}#{business_type}"[:100]
        report.warnings.append(_("DocumentId %(id)s already names an earlier %(earlier)s of the sender; this %(kind)s "
                                 "is stored as %(derived)s.") % {"id": h.document_id,
                                                                "earlier": BusinessType(existing.business_type).label,
                                                                "kind": BusinessType(business_type).label,
                                                                "derived": derived})
        fields["document_id"] = derived
        existing = Document.objects.filter(document_id=derived).first()
    if business_type != 0:
        related = Document.objects.filter(document_id=related_id).first() if related_id else None
        if related is None:
            report.problem("unknown_related_document",
                           _("The earlier document %(id)s named by this %(kind)s is unknown here.")
                           % {"id": related_id or "?", "kind": report.business_type}, fatal=True)
        elif sender is not None and related.owner_unit_id != sender.pk:
            report.problem("unknown_related_document", _("The earlier document %(id)s is not a document of the "
                                                         "sender.") % {"id": related_id}, fatal=True)
    if existing is not None and sender is not None and existing.owner_unit_id != sender.pk:
        report.problem("document_id_conflict", _("DocumentId %(id)s already belongs to another unit's document.")
                       % {"id": h.document_id}, fatal=True)
    _check_active_content(report, pkg)
    if sender is None or report.fatal():
        return None
    if existing is None:
        probe = Document(owner_unit=sender, status=DocumentStatus.ISSUED, related_document=related,
                         **{k: v for k, v in fields.items() if not k.startswith("_")})
        try:
            probe.full_clean(exclude=["register", "related_document", "owner_unit", "created_by"],
                             validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            detail = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.message_dict.items())
            report.problem("validation", _("The document cannot be stored: %(detail)s") % {"detail": detail},
                           fatal=True)
            return None
        max_bytes = settings.DOCUMENTS_MAX_ATTACHMENT_BYTES
        for att in pkg.attachments:
            if att.size > max_bytes:
                report.problem("too_large", _("The file %(name)s is larger than this portal accepts.")
                               % {"name": att.attachment_name}, fatal=True)
                return None
    return _DocumentPlan(sender, targets, fields, related, existing)


def _check_active_content(report: ImportReport, pkg: DocumentPackage) -> None:
    """
    A file a browser could run script from (HTML, SVG, XHTML, …) is refused, main file or
    appendix, by its content (magic numbers and markup) and by its declared type alike; every
    entry of a zipped attachment is looked at too.
    """
    for att in pkg.attachments:
        declared = (att.content_type or "").split(";")[0].strip().lower()
        contents = [att, *(att.zip_members or [])] if att.is_zipped else [att]
        found = None
        for content in contents:
            with content.open() as stream:
                head = stream.read(SNIFF_BYTES)
                what = active_content(head)
                if what is None and detect_mime(head) == "application/pdf":
                    what = pdf_active_content(head + stream.read())
            if what is not None:
                found = (content, what)
                break
        if found is None and declared in ACTIVE_MIME_TYPES:
            found = (att, declared)
        if found is not None:
            content, what = found
            inner = "" if content is att else " " + _("(entry %(entry)s of the ZIP archive)") % {"entry": content.name}
            report.problem("active_content",
                           _("The attachment %(name)s%(inner)s is active content (%(what)s) that could run script in "
                             "a browser; such files are refused (send PDF).")
                           % {"name": att.attachment_name, "inner": inner, "what": what}, fatal=True)


def _store_blob(att) -> tuple[str, bool]:
    name = f"attachments/{att.sha256[:2]}/{att.sha256}"
    if default_storage.exists(name):
        return name, False
    with att.open() as stream:
        saved = default_storage.save(name, File(stream, name=name))
    return saved, True


def _received_note(origin, warnings: list[str]):
    """How the package came in (a message code: shown in the reader's language), with what the import tolerated."""
    if warnings:
        return M.NOTE_RECEIVED_TOLERATED(peer=origin, warnings="; ".join(str(w) for w in warnings)[:800])
    return M.NOTE_RECEIVED_FROM(peer=origin)


def _apply_document(report: ImportReport, pkg: DocumentPackage, plan: _DocumentPlan, peer, new_blobs: list) -> None:
    now = timezone.now()
    doc = plan.existing
    if doc is None:
        fields = {k: v for k, v in plan.fields.items() if not k.startswith("_")}
        trace = pkg.trace_header_list.trace_headers
        doc = Document.objects.create(owner_unit=plan.sender, status=DocumentStatus.ISSUED,
                                      related_document=plan.related, issued_at=now,
                                      sent_at=trace[0].timestamp if trace else now, **fields)
        for position, (att, kind, name) in enumerate(zip(pkg.attachments, plan.fields["_attachment_kinds"],
                                                         plan.fields["_safe_names"])):
            content = att
            if att.is_zipped and not name.lower().endswith(".zip") and att.zip_members:
                # The sender zipped the file to save space: the attachment is the first entry; the archive
                # itself is kept (content-addressed) as evidence.
                evidence, created = _store_blob(att)
                if created:
                    new_blobs.append(evidence)
                content = att.zip_members[0]
                report.warnings.append(_("Attachment %(name)s arrived zipped (application/zip): stored as its first "
                                         "entry %(entry)s; the archive is kept as %(blob)s.")
                                       % {"name": name, "entry": content.name, "blob": evidence})
            stored, created = _store_blob(content)
            if created:
                new_blobs.append(stored)
            with content.open() as stream:
                # The declared ContentType is never trusted: the type is what the content is.
                mime = detect_mime(stream.read(SNIFF_BYTES)) or "application/octet-stream"
            row = Attachment(document=doc, kind=kind, original_name=name, description=att.description[:255],
                             size=content.size, sha256=content.sha256, mime_type=mime[:100], position=position)
            row.file.name = stored
            row.save()
    have = set(Dispatch.objects.filter(document=doc).values_list("recipient_id", flat=True))
    targets = [u for u in plan.targets if u.pk not in have]
    if not targets:
        report.result, report.code = InboundResult.DUPLICATE, "duplicate"
        report.message = _("Every addressee already holds this document.")
        report.document = doc.pk
        return
    origin = peer.code if peer is not None else M.NOTE_MANUAL_IMPORT()
    dispatches = dispatches_create(
        document=doc, sender=plan.sender, targets=[(u, None) for u in targets], verb=DocumentsAuditVerb.DOCUMENT_IMPORTED,
        actor_name=_("System"), note=_received_note(origin, report.warnings), now=now,
        details={"peer": peer.code if peer else None, "document_id": doc.document_id,
                 "recipients": [u.code for u in targets], "consignment": report.consignment_id})
    ids = [d.pk for d in dispatches]
    # Incoming records, status 01 (forwarded to the sender's system), notifications, follow-ups:
    # the same transaction.
    deliver_local_batch(dispatch_ids=ids)
    report.result, report.code = InboundResult.ACCEPTED, "accepted"
    report.message = _("Received and stored for %(n)d unit(s).") % {"n": len(targets)}
    report.document, report.dispatches = doc.pk, ids


# --- status packages ---------------------------------------------------------------------------

def _plan_status(report: ImportReport, pkg: StatusPackage, peer):
    reporter = _sender(report, pkg.from_.organ_id, peer)
    doc = Document.objects.select_related("owner_unit").filter(document_id=pkg.response_for.document_id).first()
    if doc is None:
        report.problem("unknown_document", _("The document %(id)s this status is about is unknown here.")
                       % {"id": pkg.response_for.document_id}, fatal=True)
    if reporter is None or doc is None:
        return None
    if doc.owner_unit.is_local:
        if pkg.status_code == StatusCode.TAKE_BACK_REQUESTED:
            report.problem("validation", _("Only the sender of a document can ask to take it back."), fatal=True)
            return None
        dispatch = Dispatch.objects.filter(document=doc, recipient=reporter).first()
        if dispatch is None:
            report.problem("no_dispatch", _("The document %(id)s was not sent to %(code)s.")
                           % {"id": doc.document_id, "code": reporter.code}, fatal=True)
            return None
        return ("recipient_status", reporter, [dispatch])
    if pkg.status_code != StatusCode.TAKE_BACK_REQUESTED or doc.owner_unit_id != reporter.pk:
        report.problem("validation", _("Status %(code)s about a document this portal did not send.")
                       % {"code": pkg.status_code}, fatal=True)
        return None
    dispatches = list(Dispatch.objects.filter(document=doc, sender=reporter, state=DeliveryState.DELIVERED))
    if not dispatches:
        report.problem("no_dispatch", _("No unit of this portal holds the document %(id)s.")
                       % {"id": doc.document_id}, fatal=True)
        return None
    return ("take_back", reporter, dispatches)


# "Số đến 12", "số đến: 12/2026", "Incoming number 12", "Incoming no. 12" (this portal writes the first;
# other systems write one of these, or nothing: then the board shows no number).
_INCOMING_NUMBER = re.compile(r"(?:s[ốo]\s*[đd][ếe]n|incoming\s*(?:number|no\.?))\s*[:#]?\s*(\d[\w/.\-]{0,39})",
                              re.IGNORECASE)


def incoming_number_in(description: str) -> str:
    """The incoming number a status 03 states in its Description, or ""."""
    found = _INCOMING_NUMBER.search(unicodedata.normalize("NFC", description or ""))
    return found.group(1).rstrip("./-") if found else ""


def _apply_status(report: ImportReport, pkg: StatusPackage, plan) -> None:
    mode, reporter, dispatches = plan
    at = pkg.timestamp
    who = (pkg.staff_info.staff if pkg.staff_info and pkg.staff_info.staff else reporter.name)[:200]
    note = pkg.description or ""
    applied = []
    for d in Dispatch.objects.select_for_update(no_key=True).filter(pk__in=[x.pk for x in dispatches]).order_by("pk"):
        if DispatchEvent.objects.filter(dispatch=d, kind=EventKind.BUSINESS, code=pkg.status_code, at=at).exists():
            continue  # the same status, reported again
        if mode == "take_back":
            rec = IncomingRecord.objects.select_for_update(no_key=True).filter(dispatch=d).first()
            if rec is None or rec.status in (IncomingStatus.CANCELLED, IncomingStatus.REJECTED) or rec.open_request:
                continue
            rec.open_request, rec.open_request_reason = RequestKind.TAKE_BACK, note[:500]
            rec.save(update_fields=["open_request", "open_request_reason"])
            notification_send(user_ids=[u for _unit, u in unit_members(unit_ids=[rec.unit_id], roles=Role.CLERK)],
                              kind=NotificationKind.INCOMING_REQUEST, unit_id=rec.unit_id, object_type="incoming",
                              object_id=rec.pk,
                              text=M.TAKE_BACK_ASKED(sender=reporter.name, subject=d.document.subject))
        if d.state != DeliveryState.DELIVERED:
            # The peer reports on the document, so it has it: the lost acknowledgement does not matter.
            dispatch_delivered(dispatch_id=d.pk, actor_name=reporter.code,
                               note=M.NOTE_STATUS_RECEIVED(code=pkg.status_code))
        status_emit(dispatch=d, code=pkg.status_code, acting_user=None, note=note, at=at, actor_name=who,
                    remote_incoming_number=incoming_number_in(note) if pkg.status_code == "03" else "")
        applied.append(d.pk)
    if not applied:
        report.result, report.code = InboundResult.DUPLICATE, "duplicate"
        report.message = _("This status was already recorded.")
        return
    audit_record(actor=None, unit=reporter, verb=AuditVerb.STATUS_IMPORTED, obj=dispatches[0],
                 details={"code": pkg.status_code, "dispatches": applied, "consignment": report.consignment_id})
    report.result, report.code = InboundResult.ACCEPTED, "accepted"
    report.message = _("Status %(code)s recorded.") % {"code": pkg.status_code}
    report.dispatches = applied


# --- entry point -------------------------------------------------------------------------------

def _log(report: ImportReport, *, peer, size: int, sha256: str, document=None) -> InboundPackage:
    return InboundPackage.objects.create(
        peer=peer, consignment_id=report.consignment_id, document_id=report.document_id[:100], kind=report.kind,
        status_code=report.status_code, result=report.result, code=report.code[:40], message=report.message[:1000],
        size=size, sha256=sha256, signed_by=(report.signature or {}).get("signer", "")[:300], stored_document=document,
        warnings=[str(w)[:1000] for w in report.warnings[:100]])


def _fault(report: ImportReport, code: str, message: str) -> ImportReport:
    report.result, report.code, report.message = InboundResult.FAULT, code, message
    return report


def package_import(*, source, peer=None, consignment_id: str = "", dry_run: bool = False, size: int | None = None,
                   sha256: str | None = None, manual_by=None) -> ImportReport:
    """
    Import one package (bytes, a path or a binary file). ``peer``: the authenticated peer it
    came from, or the peer a person imports it for by hand (``manual_by``, audited); None only
    for the operator's command without ``--peer``. Never raises for bad input: the report's
    ``result`` is ``fault`` with the precise code and message.
    """
    report = ImportReport(consignment_id=consignment_id or "")
    if isinstance(source, (bytes, bytearray)):
        size, sha256 = len(source), sha256 or hashlib.sha256(source).hexdigest()
    size, sha256 = size or 0, sha256 or ""

    def finish_fault(code, message):
        _fault(report, code, message)
        if not dry_run:
            with service_atomic():
                _log(report, peer=peer, size=size, sha256=sha256)
        return report

    if peer is not None and consignment_id and not dry_run and InboundPackage.objects.filter(
            peer=peer, consignment_id=consignment_id, result=InboundResult.ACCEPTED).exists():
        report.result, report.code = InboundResult.DUPLICATE, "duplicate"
        report.message = _("This consignment was already received.")
        with service_atomic():
            _log(report, peer=peer, size=size, sha256=sha256)
        return report
    try:
        pkg = parse_package(source, **_limits())
    except EdxmlError as exc:
        where = f" ({exc.element_path})" if exc.element_path and exc.element_path not in exc.message else ""
        return finish_fault(exc.code, f"{exc.message}{where}")
    with pkg:
        _describe(report, pkg)
        _check_signature(report, pkg, peer)
        if isinstance(pkg, DocumentPackage):
            plan = _plan_document(report, pkg, peer)
        else:
            plan = _plan_status(report, pkg, peer)
        fatal = report.fatal()
        if fatal is not None:
            return finish_fault(fatal["code"], fatal["message"])
        if dry_run:
            report.result, report.code, report.message = "valid", "valid", _("The package is valid.")
            return report
        new_blobs: list[str] = []
        try:
            with service_atomic():
                if isinstance(pkg, DocumentPackage):
                    _apply_document(report, pkg, plan, peer, new_blobs)
                else:
                    _apply_status(report, pkg, plan)
                stored = Document.objects.filter(pk=report.document).first() if report.document else None
                log_row = _log(report, peer=peer, size=size, sha256=sha256, document=stored)
                if manual_by is not None:
                    audit_record(actor=manual_by, unit=None, verb=AuditVerb.PACKAGE_IMPORTED_BY_HAND, obj=log_row,
                                 details={"peer": peer.code if peer else None, "result": report.result,
                                          "document": report.document, "sha256": sha256})
        except IntegrityError:
            # A concurrent delivery of the same consignment won the race: answer as the duplicate it is.
            for name in new_blobs:
                _delete_blob(name)
            report.result, report.code = InboundResult.DUPLICATE, "duplicate"
            report.message = _("This consignment was already received.")
            report.document, report.dispatches = None, []
            return report
        except Exception:
            for name in new_blobs:
                _delete_blob(name)
            raise
    return report


def _delete_blob(name: str) -> None:
    try:
        if not Attachment.objects.filter(file=name).exists():
            default_storage.delete(name)
    except OSError:
        log.warning("could not remove the orphan blob %s", name)


def new_consignment_id() -> str:
    return str(uuid.uuid4())
