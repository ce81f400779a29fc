"""
Certified copies (NĐ 30/2020 Đ25–27, Phụ lục I; NĐ 137/2024): sao y, sao lục, trích sao of a
document the unit holds —

- electronic → electronic: the copy PDF carries the agency's signature top right of page 1, with
  no image, and the text "form of copy, copying agency, signing time (ISO 8601)";
- electronic → paper: a print layout, the content followed by the copy block (form, agency,
  number, place and date, recipients, signer's position, space for signature and seal);
- paper → electronic: a clerk uploads a scan (PDF, colour, ≥ RECORDS_SCAN_MIN_DPI), marked as
  converted and signed by the agency.

One running copy number per unit per year for every form (``CopyCounter``); the copies register
is ``CopyRecord``. The head of the unit says who may order and who may sign copies.
"""
from __future__ import annotations

import hashlib
import io
import re

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from documents.content import pdf_active_content
from documents.models import Document, IncomingRecord
from egov.core.audit import audit_record
from egov.core.db import service
from egov.core.errors import InvalidInput, NotFoundError, PermissionDeniedError, StateError
from egov.core.messages import Label
from egov.core.notifications import Note, notifications_send
from signatures.services.signing import VN_TZ, SigningError, organisation_sign_pdf
from units.choices import Role
from units.models import Membership
from units.permissions import require_role

from .. import messages as M
from ..choices import COPY_FORM_VI, AuditVerb, CopyForm, CopyMedium, CopyState, NotificationKind
from ..exports import main_pdf_bytes
from ..models import CopyCounter, CopyPermission, CopyRecord

__all__ = ["copy_permission_set", "copy_order", "copy_sign", "scan_check", "copy_file", "parse_pages",
           "COPY_BOX"]

COPY_BOX = (270, 40)  # width × height in points of the agency's copy signature, top right of page 1
MARGIN = 28


@service
def copy_permission_set(*, unit, user, acting_user, may_order: bool, may_sign: bool) -> CopyPermission:
    """The head of the unit (a leader) says who may order and who may sign copies."""
    require_role(user=acting_user, unit=unit, roles=(Role.LEADER,))
    if not Membership.objects.filter(unit=unit, user=user, is_active=True).exists():
        raise InvalidInput(_("The person must work in the unit."), field="user")
    perm, _created = CopyPermission.objects.update_or_create(
        unit=unit, user=user, defaults={"may_order": may_order, "may_sign": may_sign, "granted_by": acting_user})
    audit_record(actor=acting_user, unit=unit, verb=AuditVerb.COPY_PERMISSION_SET, obj=perm,
                 details={"user": user.pk, "may_order": may_order, "may_sign": may_sign})
    return perm


def _permission(unit, user) -> CopyPermission | None:
    return CopyPermission.objects.filter(unit=unit, user=user).first()


def parse_pages(spec: str, total: int) -> list[int]:
    """'1-2,4' → [0, 1, 3] (0-based), within 1..total."""
    out: list[int] = []
    for part in [p.strip() for p in (spec or "").split(",") if p.strip()]:
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise InvalidInput(_("Pages are numbers and ranges such as 1-2,4."), field="pages")
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        if not (1 <= a <= b <= total):
            raise InvalidInput(_("The document has %(n)d pages.") % {"n": total}, field="pages")
        out.extend(i - 1 for i in range(a, b + 1) if i - 1 not in out)
    if not out:
        raise InvalidInput(_("An extract names the pages it copies."), field="pages")
    return out


def scan_check(data: bytes) -> dict:
    """
    A paper original's scan: a readable PDF, every page a colour image of at least
    RECORDS_SCAN_MIN_DPI (measured against the page size). Returns {"pages", "min_dpi"}.
    """
    if len(data) > settings.RECORDS_MAX_SCAN_BYTES:
        raise InvalidInput(_("The scan is too large."), field="scan")
    if not data.startswith(b"%PDF-"):
        raise InvalidInput(_("The scan must be a PDF file."), field="scan")
    what = pdf_active_content(data)
    if what is not None:  # a scan is pictures of paper: nothing in it may run
        raise InvalidInput(_("The scan contains active content (%(what)s); it is not accepted.") % {"what": what},
                           code="active_content", field="scan")
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = list(reader.pages)
    except (PdfReadError, ValueError, OSError) as exc:
        raise InvalidInput(_("The scan is not a readable PDF."), field="scan") from exc
    if not pages:
        raise InvalidInput(_("The scan has no pages."), field="scan")
    min_dpi = None
    for n, page in enumerate(pages, start=1):
        images = list(page.images)
        if not images:
            raise InvalidInput(_("Page %(n)d of the scan holds no scanned image.") % {"n": n}, field="scan")
        img = max((i.image for i in images), key=lambda im: im.width * im.height)
        if img.mode in ("1", "L", "LA", "I", "I;16", "F"):
            raise InvalidInput(_("Page %(n)d is not scanned in colour.") % {"n": n}, field="scan")
        width_in = float(page.mediabox.width) / 72
        height_in = float(page.mediabox.height) / 72
        dpi = min(img.width / width_in, img.height / height_in)
        if dpi + 0.5 < settings.RECORDS_SCAN_MIN_DPI:
            raise InvalidInput(_("Page %(n)d is scanned at %(dpi)d dpi; at least %(min)d dpi is required.")
                               % {"n": n, "dpi": round(dpi), "min": settings.RECORDS_SCAN_MIN_DPI}, field="scan")
        min_dpi = dpi if min_dpi is None else min(min_dpi, dpi)
    return {"pages": len(pages), "min_dpi": round(min_dpi)}


def _held_by(unit, document: Document) -> bool:
    return document.owner_unit_id == unit.pk or IncomingRecord.objects.filter(unit=unit, document=document).exists()


@service
def copy_order(*, unit, acting_user, form: str, medium: str, document: Document | None = None, pages: str = "",
               scan: bytes | None = None, source_description: str = "", recipients: str = "") -> CopyRecord:
    """Order a copy (someone the head allowed to order); the signer is told."""
    perm = _permission(unit, acting_user)
    if perm is None or not perm.may_order:
        raise PermissionDeniedError(_("The head of the unit has not allowed you to order copies."))
    if form not in CopyForm.values or medium not in CopyMedium.values:
        raise InvalidInput(_("Choose the form and the medium of the copy."), field="form")
    rec = CopyRecord(unit=unit, form=form, medium=medium, ordered_by=acting_user, recipients=recipients[:500],
                     source_description=source_description[:500], pages=pages[:100])
    if medium == CopyMedium.P2E:
        if scan is None:
            raise InvalidInput(_("Upload the scan of the paper original."), field="scan")
        facts = scan_check(scan)
        if form == CopyForm.TRICH_SAO:
            parse_pages(pages, facts["pages"])
        if not source_description.strip():
            raise InvalidInput(_("Describe the paper original (number, date, issuer)."), field="source_description")
        digest = hashlib.sha256(scan).hexdigest()
        rec.scan_path = default_storage.save(f"records/scans/{digest[:2]}/{digest}.pdf", ContentFile(scan))
        rec.scan_sha256 = digest
    else:
        if document is None or not _held_by(unit, document):
            raise NotFoundError(_("The document is not held by the unit."))
        if document.status == "draft":
            raise StateError(_("Drafts are not copied."))
        source = main_pdf_bytes(document)
        if source is None:
            raise StateError(_("The document has no PDF main file to copy."))
        if form == CopyForm.TRICH_SAO:
            parse_pages(pages, len(PdfReader(io.BytesIO(source)).pages))
        rec.document = document
    rec.save()
    audit_record(actor=acting_user, unit=unit, verb=AuditVerb.COPY_ORDERED, obj=rec,
                 details={"form": form, "medium": medium, "document": getattr(document, "pk", None)})
    signers = CopyPermission.objects.filter(unit=unit, may_sign=True).exclude(user=acting_user)
    notifications_send(Note(user_id=p.user_id, kind=NotificationKind.COPY_ORDERED,
                            text=M.COPY_ORDERED(form=Label(M.COPY_FORM, rec.form)),
                            unit_id=unit.pk, object_type="records.copyrecord", object_id=rec.pk) for p in signers)
    return rec


def _source_pdf(rec: CopyRecord) -> bytes:
    if rec.medium == CopyMedium.P2E:
        with default_storage.open(rec.scan_path, "rb") as fh:
            data = fh.read()
    else:
        data = main_pdf_bytes(rec.document)
    if rec.form != CopyForm.TRICH_SAO:
        return data
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    for i in parse_pages(rec.pages, len(reader.pages)):
        writer.add_page(reader.pages[i])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _mark_converted(pdf: bytes, rec: CopyRecord) -> bytes:
    """NĐ 137/2024: the converted document says so (document info; the signature text says it too)."""
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    writer.add_metadata({"/Converted": "Chuyển đổi từ văn bản giấy", "/ConvertedBy": rec.unit.name,
                         "/Title": rec.source_description[:200]})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _paper_layout(pdf: bytes, rec: CopyRecord, when) -> bytes:
    """The content, then the copy block of Phụ lục I on a page of its own after a rule."""
    from ..exports import _Pdf

    block = _Pdf()
    block.add_page()
    block.set_line_width(0.4)
    block.line(20, 20, 195, 20)
    block.set_y(24)
    left, right = 80, 95
    block.set_font("vi", "B", 12)
    y = block.get_y()
    block.multi_cell(left, 6, rec.unit.name.upper(), align="C")
    block.set_xy(20 + left, y)
    block.multi_cell(right, 6, COPY_FORM_VI[rec.form], align="C")
    block.set_font("vi", "", 12)
    y = max(block.get_y(), y + 12)
    block.set_xy(20, y)
    block.multi_cell(left, 6, f"Số: {rec.notation}", align="C")
    block.set_xy(20 + left, y)
    local = when.astimezone(VN_TZ)
    place = rec.unit.address if getattr(rec.unit, "address", "") else ""
    block.multi_cell(right, 6, f"{place + ', ' if place else ''}ngày {local.day:02d} tháng {local.month:02d} "
                                f"năm {local.year}", align="C")
    y = block.get_y() + 6
    block.set_xy(20, y)
    block.set_font("vi", "B", 11)
    block.multi_cell(left, 6, "Nơi nhận:", align="L")
    block.set_font("vi", "", 11)
    block.set_x(20)
    block.multi_cell(left, 5, "\n".join(f"- {r.strip()};" for r in rec.recipients.split(";") if r.strip())
                     or "- Lưu: VT.", align="L")
    block.set_xy(20 + left, y)
    block.set_font("vi", "B", 11)
    signer = rec.signed_by.get_full_name() or rec.signed_by.username
    position = Membership.objects.filter(unit=rec.unit, user=rec.signed_by).exclude(position="").values_list(
        "position", flat=True).first() or ""
    block.multi_cell(right, 6, (position.upper() or "THỦ TRƯỞNG CƠ QUAN") + "\n(Chữ ký, dấu)\n\n\n\n" + signer,
                     align="C")
    writer = PdfWriter()
    writer.append(io.BytesIO(pdf))
    writer.append(io.BytesIO(bytes(block.output())))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _signature_box(pdf: bytes) -> tuple[int, int, int, int]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    x1, y1 = float(page.mediabox.right), float(page.mediabox.top)
    w, h = COPY_BOX
    return (round(x1 - MARGIN - w), round(y1 - MARGIN - h), round(x1 - MARGIN), round(y1 - MARGIN))


@service
def copy_sign(*, copy: CopyRecord, acting_user) -> CopyRecord:
    """
    Number the copy from the unit's running copy number of the year and make its file: the
    agency's signature (electronic copies) or the print layout (paper copies).
    """
    rec = CopyRecord.objects.select_for_update(no_key=True, of=("self",)).select_related("unit", "document").get(pk=copy.pk)
    perm = _permission(rec.unit, acting_user)
    if perm is None or not perm.may_sign:
        raise PermissionDeniedError(_("The head of the unit has not allowed you to sign copies."))
    if rec.state != CopyState.ORDERED:
        raise StateError(_("The copy is already signed."))
    now = timezone.now()
    year = now.astimezone(VN_TZ).year
    counter, _c = CopyCounter.objects.get_or_create(unit=rec.unit, year=year)
    counter = CopyCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    rec.year, rec.number, rec.signed_by, rec.signed_at = year, counter.last_number, acting_user, now
    source = _source_pdf(rec)
    if rec.medium == CopyMedium.E2P:
        out = _paper_layout(source, rec, now)
    else:
        if rec.medium == CopyMedium.P2E:
            source = _mark_converted(source, rec)
        form = COPY_FORM_VI[rec.form] + (" (CHUYỂN ĐỔI TỪ GIẤY)" if rec.medium == CopyMedium.P2E else "")
        try:
            out = organisation_sign_pdf(pdf=source, unit=rec.unit, appendix=True, page=0,
                                        box=_signature_box(source), notation=f"{form}, {rec.unit.name}",
                                        signed_at=now, acting_user=acting_user)
        except SigningError as exc:
            raise StateError(str(exc)) from exc
    digest = hashlib.sha256(out).hexdigest()
    rec.path = default_storage.save(f"records/copies/{digest[:2]}/{digest}.pdf", ContentFile(out))
    rec.sha256, rec.page_count, rec.state = digest, len(PdfReader(io.BytesIO(out)).pages), CopyState.SIGNED
    rec.save()
    audit_record(actor=acting_user, unit=rec.unit, verb=AuditVerb.COPY_SIGNED, obj=rec,
                 details={"number": rec.notation, "sha256": digest, "form": rec.form, "medium": rec.medium})
    return rec


def copy_file(rec: CopyRecord) -> bytes:
    with default_storage.open(rec.path, "rb") as fh:
        return fh.read()
