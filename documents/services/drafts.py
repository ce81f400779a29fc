"""
Drafts on their road to issue (NĐ 30 Điều 10–13, Phụ lục VI III.1.n and III.5.a):

    drafting ──submit──► content_review ──approve──► form_review ──approve──► signer_review
        ▲   (division head)        │      (office, Phụ lục I checklist)  │     (the signer)
        └────────── return with a note (any reviewer) ◄──────────────────┘         │ approve
                                                                                    ▼
    issued ◄──issue (clerk: number + organisation signature)── signed ◄──sign── approved
                                                   any change after approval ──► signer_review

Every step is a service: it checks who acts (role, division, the named signer), changes the
state, writes a ``DraftEvent`` (the trail kept with the document) and an audit row in the
same transaction, and notifies who acts next. Versions are files that are never
overwritten. Comment requests go to people directly and to other units through the exchange
(a document with the deadline as due date, sent by the clerk with ``document_send``).
See docs/drafting.md.
"""
from __future__ import annotations

import contextvars
import datetime
import hashlib
import os

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.audit import audit_record
from egov.core.db import service
from egov.core.errors import InvalidInput, NotFoundError, PermissionDeniedError, StateError
from egov.core.messages import Label, message_fields
from egov.core.notifications import Note, notification_send, notifications_send
from egov.core.text import actor_display
from units.choices import Role
from units.models import Division, Membership, Unit
from units.permissions import require_role, user_roles_in
from units.selectors import division_members, unit_members, unit_office, user_division_ids, user_heads_division

from .. import messages as M
from ..choices import (
    DOCUMENT_TYPE_NAMES_VI,
    AttachmentKind,
    AuditVerb,
    CommentVerdict,
    DocumentStatus,
    DraftEventKind,
    DraftState,
    IncomingStatus,
    NotificationKind,
    StatusCode,
)
from ..models import (
    Attachment,
    CommentAnswer,
    CommentRequest,
    CommentTarget,
    Document,
    Draft,
    DraftEvent,
    DraftVersion,
    HandlingNote,
    IncomingRecord,
)
from .dispatches import status_emit

__all__ = [
    "FORM_CHECKLIST",
    "draft_guard",
    "draft_create",
    "draft_version_add",
    "draft_update",
    "draft_submit",
    "draft_approve",
    "draft_return",
    "draft_sign",
    "draft_sign_ticket",
    "draft_sign_from_ticket",
    "draft_issue",
    "draft_read_version",
    "comment_request_create",
    "comment_request_send",
    "comment_request_extend",
    "comment_answer",
    "comment_answer_for_unit",
    "comment_requests_remind",
    "comment_target_for_incoming",
    "draft_reviewers",
]

DRAFTER_ROLES = (Role.CLERK, Role.LEADER, Role.SPECIALIST)
REVIEW_STATES = (DraftState.CONTENT_REVIEW, DraftState.FORM_REVIEW, DraftState.SIGNER_REVIEW)
AFTER_APPROVAL = (DraftState.APPROVED, DraftState.SIGNED)
EDITABLE_STATES = (DraftState.DRAFTING, *REVIEW_STATES, *AFTER_APPROVAL)

# NĐ 30 Phụ lục I: what the office checks on the form (thể thức) of a draft.
FORM_CHECKLIST = {
    "national_title": "Quốc hiệu và Tiêu ngữ",
    "issuer_name": "Tên cơ quan, tổ chức ban hành văn bản",
    "number_placeholder": "Số, ký hiệu của văn bản (để trống số cho văn thư)",
    "place_date": "Địa danh và thời gian ban hành văn bản",
    "type_subject": "Tên loại và trích yếu nội dung văn bản",
    "signer_block": "Chức vụ, họ tên và chữ ký của người có thẩm quyền (TM./KT./TL./TUQ.)",
    "recipients": "Nơi nhận",
}
FIELDS_OF_DRAFT = {
    "doc_type", "notation_suffix", "is_normative", "place", "subject", "content", "signer_name", "signer_position",
    "urgency", "secrecy", "due_date", "recipients_text", "page_amount",
}

_IN_DRAFT_SERVICE = contextvars.ContextVar("egov_in_draft_service", default=False)


def draft_guard(document: Document) -> None:
    """
    Called by the plain document services: a document that belongs to a draft under approval
    changes only through the draft services (so every change is in the trail and a change
    after approval goes back to the signer).
    """
    if _IN_DRAFT_SERVICE.get():
        return
    draft = Draft.objects.filter(document_id=document.pk).only("state").first()
    if draft is not None and draft.state != DraftState.DRAFTING:
        raise StateError(_("This document is a draft under approval; change it from its draft page."))


class _inside:
    def __enter__(self):
        self.token = _IN_DRAFT_SERVICE.set(True)

    def __exit__(self, *exc):
        _IN_DRAFT_SERVICE.reset(self.token)


def _lock(draft: Draft) -> Draft:
    return (Draft.objects.select_for_update(no_key=True, of=("self",))
            .select_related("owner_unit", "division", "document", "signer", "on_behalf_of", "drafter")
            .get(pk=draft.pk))


def _event(draft: Draft, kind: str, actor, *, version: DraftVersion | None = None, note: str = "",
           details: dict | None = None) -> DraftEvent:
    return DraftEvent.objects.create(draft=draft, kind=kind, actor=actor, actor_name=actor_display(actor)[:200]
                                     if actor else "", version=version, state=draft.state, note=note,
                                     details=details or {})


def _audit(draft: Draft, verb, actor, **details) -> None:
    audit_record(actor=actor, unit=draft.owner_unit, verb=verb, obj=draft, details=details)


def _notify(user_ids, draft: Draft, kind, text) -> None:
    ids = sorted({u for u in user_ids if u})
    if ids:
        notification_send(user_ids=ids, unit_id=draft.owner_unit_id, kind=kind, text=text, object_type="draft",
                          object_id=draft.pk)


def _current(draft: Draft) -> DraftVersion:
    return draft.versions.order_by("-number").first()


def _read_upload(upload, name: str | None) -> tuple[bytes, str]:
    if isinstance(upload, (bytes, bytearray)):
        data, name = bytes(upload), name or "du-thao.pdf"
    else:
        name = name or getattr(upload, "name", "") or "du-thao.pdf"
        upload.seek(0)
        data = upload.read()
    return data, os.path.basename(name)[:255]


def _store_pdf(data: bytes, name: str) -> tuple[str, str]:
    from .drafting import detect_mime

    if not data:
        raise InvalidInput(_("The file %(name)s is empty.") % {"name": name}, field="file")
    if len(data) > settings.DOCUMENTS_MAX_ATTACHMENT_BYTES:
        raise InvalidInput(_("The file %(name)s is too large.") % {"name": name}, field="file")
    if detect_mime(data[:8192]) != "application/pdf":
        raise InvalidInput(_("A draft version must be a PDF document; %(name)s is not.") % {"name": name},
                           field="file")
    sha = hashlib.sha256(data).hexdigest()
    path = f"drafts/{sha[:2]}/{sha}"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(data))
    return path, sha


def _new_version(draft: Draft, acting_user, data: bytes, name: str, note: str) -> DraftVersion:
    from signatures.services.placement import pdf_text

    path, sha = _store_pdf(data, name)
    last = draft.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return DraftVersion.objects.create(draft=draft, number=last + 1, path=path, original_name=name, sha256=sha,
                                       size=len(data), author=acting_user, made_in=draft.state, note=note[:500],
                                       text=pdf_text(data)[:200_000])


def draft_read_version(version: DraftVersion) -> bytes:
    with default_storage.open(version.path, "rb") as fh:
        return fh.read()


def _require_drafter(draft: Draft, user) -> None:
    if user.pk != draft.drafter_id and Role.LEADER not in user_roles_in(user=user, unit=draft.owner_unit):
        raise PermissionDeniedError(_("Only the drafter or a leader of the unit can do this."))


def _office_members(unit: Unit) -> set[int]:
    office = unit_office(unit=unit)
    if office is not None:
        return {u for _d, u in division_members(division_ids=[office.pk])}
    return {u for _u, u in unit_members(unit_ids=[unit.pk], roles=Role.CLERK)}


def draft_reviewers(draft: Draft) -> set[int]:
    """Who acts on the draft in its present state (for queues, counters and notifications)."""
    if draft.state == DraftState.CONTENT_REVIEW and draft.division_id:
        return {u for _d, u in division_members(division_ids=[draft.division_id], heads_only=True)}
    if draft.state == DraftState.FORM_REVIEW:
        return _office_members(draft.owner_unit)
    if draft.state in (DraftState.SIGNER_REVIEW, DraftState.APPROVED):
        return {draft.signer_id} if draft.signer_id else set()
    if draft.state == DraftState.SIGNED:
        return {u for _u, u in unit_members(unit_ids=[draft.owner_unit_id], roles=Role.CLERK)}
    if draft.state == DraftState.DRAFTING:
        return {draft.drafter_id}
    return set()


def _require_reviewer(draft: Draft, user) -> None:
    """The acting user must be the reviewer of the present step (refusals say which step)."""
    if draft.state == DraftState.CONTENT_REVIEW:
        if not (draft.division_id and user_heads_division(user=user, division=draft.division)):
            raise PermissionDeniedError(_("The content of this draft is checked by a head of %(division)s.")
                                        % {"division": draft.division.name if draft.division else "—"})
    elif draft.state == DraftState.FORM_REVIEW:
        if user.pk not in _office_members(draft.owner_unit):
            raise PermissionDeniedError(_("The form of drafts is checked by the office of %(unit)s.")
                                        % {"unit": draft.owner_unit.name})
    elif draft.state in (DraftState.SIGNER_REVIEW, DraftState.APPROVED, DraftState.SIGNED):
        if user.pk != draft.signer_id:
            raise PermissionDeniedError(_("Only the signer named for this draft (%(name)s) can do this.")
                                        % {"name": actor_display(draft.signer) if draft.signer else "—"})
    else:
        raise StateError(_("This draft is not under review (it is %(state)s).") % {"state": draft.get_state_display()})


def _check_division(unit: Unit, division: Division | None, user) -> Division | None:
    mine = user_division_ids(user=user, unit=unit)
    if division is None:
        if len(mine) == 1:
            return Division.objects.get(pk=next(iter(mine)))
        return None
    if division.unit_id != unit.pk or not division.is_active:
        raise InvalidInput(_("%(division)s is not a division of %(unit)s.") % {"division": division.name,
                                                                               "unit": unit.name}, field="division")
    if mine and division.pk not in mine and Role.LEADER not in user_roles_in(user=user, unit=unit):
        raise PermissionDeniedError(_("You do not work in %(division)s.") % {"division": division.name})
    return division


def _clean_fields(fields: dict) -> dict:
    unknown = set(fields) - FIELDS_OF_DRAFT
    if unknown:
        raise InvalidInput(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    return fields


def _check_replies(unit: Unit, records) -> list[IncomingRecord]:
    records = [r for r in records if r is not None]
    for r in records:
        if r.unit_id != unit.pk:
            raise InvalidInput(_("A draft can only answer documents its own unit received."), field="replies_to")
        if r.status not in (IncomingStatus.ACCEPTED, IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS):
            raise InvalidInput(_("The incoming document %(n)s is not open for handling.")
                               % {"n": r.incoming_number or r.pk}, field="replies_to")
    return records


@service
def draft_create(*, owner_unit: Unit, acting_user, subject: str, upload, file_name: str | None = None,
                 division: Division | None = None, replies_to=(), note: str = "", **fields) -> Draft:
    """A specialist (or clerk, leader) starts a draft with its first version (a PDF)."""
    from .drafting import document_create

    require_role(user=acting_user, unit=owner_unit, roles=DRAFTER_ROLES)
    _clean_fields(fields)
    division = _check_division(owner_unit, division, acting_user)
    records = _check_replies(owner_unit, replies_to)
    if division is not None and "notation_suffix" not in fields:
        fields["notation_suffix"] = division.short_name
    data, name = _read_upload(upload, file_name)
    with _inside():
        doc = document_create(owner_unit=owner_unit, acting_user=acting_user, subject=subject, **fields)
    draft = Draft.objects.create(owner_unit=owner_unit, division=division, document=doc, drafter=acting_user)
    if records:
        draft.replies_to.set(records)
    version = _new_version(draft, acting_user, data, name, note)
    _event(draft, DraftEventKind.CREATED, acting_user, version=version, note=note,
           details={"replies_to": [r.pk for r in records]})
    _audit(draft, AuditVerb.DRAFT_CREATED, acting_user, document=doc.pk, version=version.number, sha256=version.sha256)
    return draft


def _after_change(draft: Draft, acting_user, what: str) -> None:
    """A change after the signer's approval sends the draft back to the signer (NĐ 30 Điều 12)."""
    if draft.state in AFTER_APPROVAL:
        draft.state = DraftState.SIGNER_REVIEW
        draft.approved_version = None
        draft.signed_path, draft.signed_sha256, draft.signed_at, draft.signing_method = "", "", None, ""
        draft.save()
        _event(draft, DraftEventKind.BACK_TO_SIGNER, acting_user, note=what)
        _audit(draft, AuditVerb.DRAFT_BACK_TO_SIGNER, acting_user, change=what)
        _notify([draft.signer_id], draft, NotificationKind.DRAFT_TO_SIGN,
                M.DRAFT_CHANGED_AFTER_APPROVAL(s=draft.document.subject))


def _require_editor(draft: Draft, user) -> None:
    if draft.state == DraftState.ISSUED:
        raise StateError(_("The draft has been issued; it can no longer change."))
    if draft.state == DraftState.DRAFTING:
        _require_drafter(draft, user)
    else:
        _require_reviewer(draft, user)  # a reviewer edits at their own step (a new version)


@service
def draft_version_add(*, draft: Draft, acting_user, upload, file_name: str | None = None, note: str = "") -> DraftVersion:
    """A new version: by the drafter while drafting, or by the reviewer of the present step (edit)."""
    dr = _lock(draft)
    _require_editor(dr, acting_user)
    data, name = _read_upload(upload, file_name)
    version = _new_version(dr, acting_user, data, name, note)
    dr.save(update_fields=["updated_at"])
    _event(dr, DraftEventKind.VERSION, acting_user, version=version, note=note,
           details={"number": version.number, "sha256": version.sha256})
    _audit(dr, AuditVerb.DRAFT_VERSION_ADDED, acting_user, version=version.number, sha256=version.sha256)
    _after_change(dr, acting_user, _("Version %(n)d added") % {"n": version.number})
    return version


@service
def draft_update(*, draft: Draft, acting_user, **fields) -> Draft:
    """Change the fields of the future document (same rules as a new version)."""
    from .drafting import document_update

    dr = _lock(draft)
    _require_editor(dr, acting_user)
    _clean_fields(fields)
    before = {k: getattr(dr.document, k) for k in fields}
    with _inside():
        doc = dr.document = document_update(document=dr.document, acting_user=acting_user, **fields)
    changed = {k: str(getattr(doc, k))[:200] for k in fields if getattr(doc, k) != before[k]}
    if changed:
        dr.save(update_fields=["updated_at"])
        _event(dr, DraftEventKind.UPDATED, acting_user, details=changed)
        _audit(dr, AuditVerb.DRAFT_UPDATED, acting_user, **changed)
        _after_change(dr, acting_user, _("Fields changed: %(f)s") % {"f": ", ".join(sorted(changed))})
    return dr


def _authority(dr: Draft, *, on=None):
    from signatures.services.personal import signing_authority

    return signing_authority(unit=dr.owner_unit, signer=dr.signer, competence=dr.competence,
                             on_behalf_of=dr.on_behalf_of, doc_type=dr.document.doc_type,
                             doc_type_label=DOCUMENT_TYPE_NAMES_VI.get(dr.document.doc_type, dr.document.doc_type), on=on)


@service
def draft_submit(*, draft: Draft, acting_user, signer, competence: str = "", on_behalf_of=None,
                 note: str = "") -> Draft:
    """
    The drafter submits (trình): to a head of the drafting division for the content, then
    the office, then ``signer``. The signer's authority (a leader, or a valid delegation for
    this type of document) is checked now and again at signing.
    """
    dr = _lock(draft)
    _require_drafter(dr, acting_user)
    if dr.state != DraftState.DRAFTING:
        raise StateError(_("Only a draft being drafted can be submitted (it is %(state)s).")
                         % {"state": dr.get_state_display()})
    if signer is None:
        raise InvalidInput(_("Choose who signs."), field="signer")
    dr.signer, dr.competence, dr.on_behalf_of = signer, (competence or "").strip().rstrip("."), on_behalf_of
    _authority(dr)
    open_requests = dr.comment_requests.filter(closed_at__isnull=True, deadline__gte=timezone.localdate())
    heads = ({u for _x, u in division_members(division_ids=[dr.division_id], heads_only=True)}
             if dr.division_id else set())
    dr.state = DraftState.CONTENT_REVIEW if heads else DraftState.FORM_REVIEW
    dr.last_note = note.strip()
    dr.save()
    _event(dr, DraftEventKind.SUBMITTED, acting_user, version=_current(dr), note=note,
           details={"signer": signer.pk, "competence": dr.competence,
                    "on_behalf_of": on_behalf_of.pk if on_behalf_of else None,
                    "open_comment_requests": open_requests.count()})
    _audit(dr, AuditVerb.DRAFT_SUBMITTED, acting_user, signer=signer.pk, state=dr.state)
    _notify(draft_reviewers(dr), dr, NotificationKind.DRAFT_TO_REVIEW,
            M.DRAFT_TO_REVIEW(s=dr.document.subject))
    return dr


def _signer_fields(dr: Draft) -> dict:
    """The signer block of the future document (Document.signer_*), from the signer and the delegation."""
    title = (Membership.objects.filter(user=dr.signer, unit=dr.owner_unit, is_active=True).exclude(position="")
             .values_list("position", flat=True).first() or "")
    return {"signer_name": actor_display(dr.signer)[:100], "signer_position": title[:100] or dr.document.signer_position,
            "signer_competence": f"{dr.competence}." if dr.competence else ""}


@service
def draft_approve(*, draft: Draft, acting_user, note: str = "", checklist: dict | None = None) -> Draft:
    """The reviewer of the present step approves: content → form → signer → approved."""
    dr = _lock(draft)
    if dr.state not in REVIEW_STATES:
        raise StateError(_("This draft is not awaiting approval (it is %(state)s).") % {"state": dr.get_state_display()})
    _require_reviewer(dr, acting_user)
    version = _current(dr)
    details = {}
    if dr.state == DraftState.CONTENT_REVIEW:
        dr.state, kind = DraftState.FORM_REVIEW, DraftEventKind.CONTENT_APPROVED
    elif dr.state == DraftState.FORM_REVIEW:
        checklist = checklist or {}
        missing = [label for key, label in FORM_CHECKLIST.items() if not checklist.get(key)]
        if missing:
            raise InvalidInput(_("Check every item of the form (NĐ 30 Phụ lục I) before approving; missing: "
                                 "%(items)s") % {"items": "; ".join(missing)}, field="checklist")
        details["checklist"] = {key: True for key in FORM_CHECKLIST}
        dr.state, kind = DraftState.SIGNER_REVIEW, DraftEventKind.FORM_APPROVED
    else:
        delegation = _authority(dr)
        dr.delegation = delegation
        dr.state, kind = DraftState.APPROVED, DraftEventKind.SIGNER_APPROVED
        dr.approved_version = version
        details["version"] = version.number
        with _inside():
            from .drafting import document_update

            dr.document = document_update(document=dr.document, acting_user=acting_user, **_signer_fields(dr))
    dr.last_note = note.strip()
    dr.save()
    _event(dr, kind, acting_user, version=version, note=note, details=details)
    _audit(dr, AuditVerb.DRAFT_APPROVED, acting_user, step=kind, version=version.number)
    if dr.state == DraftState.APPROVED:
        _notify([dr.signer_id], dr, NotificationKind.DRAFT_TO_SIGN,
                M.DRAFT_TO_SIGN(s=dr.document.subject))
    else:
        _notify(draft_reviewers(dr), dr, NotificationKind.DRAFT_TO_REVIEW,
                M.DRAFT_TO_REVIEW(s=dr.document.subject))
    return dr


@service
def draft_return(*, draft: Draft, acting_user, note: str) -> Draft:
    """The reviewer of the present step (or the signer after approving) returns the draft to the drafter."""
    dr = _lock(draft)
    if dr.state not in (*REVIEW_STATES, DraftState.APPROVED):
        raise StateError(_("This draft cannot be returned now (it is %(state)s).") % {"state": dr.get_state_display()})
    _require_reviewer(dr, acting_user)
    if not (note or "").strip():
        raise InvalidInput(_("Say what must change."), field="note")
    step = dr.state
    dr.state, dr.last_note, dr.approved_version = DraftState.DRAFTING, note.strip(), None
    dr.save()
    _event(dr, DraftEventKind.RETURNED, acting_user, version=_current(dr), note=note, details={"from": step})
    _audit(dr, AuditVerb.DRAFT_RETURNED, acting_user, step=step, note=note[:500])
    _notify([dr.drafter_id], dr, NotificationKind.DRAFT_RETURNED,
            M.DRAFT_RETURNED(s=dr.document.subject, note=note[:200]))
    return dr


def _ready_to_sign(dr: Draft, acting_user) -> DraftVersion:
    if dr.state != DraftState.APPROVED or dr.approved_version_id is None:
        raise StateError(_("The draft can be signed only after the signer has approved it."))
    if acting_user.pk != dr.signer_id:
        raise PermissionDeniedError(_("Only the signer named for this draft (%(name)s) can sign it.")
                                    % {"name": actor_display(dr.signer)})
    version = _current(dr)
    if version.pk != dr.approved_version_id:
        raise StateError(_("The draft changed after approval; approve it again first."))
    dr.delegation = _authority(dr)
    return version


def _signed(dr: Draft, acting_user, signed: bytes, method: str, version: DraftVersion) -> Draft:
    sha = hashlib.sha256(signed).hexdigest()
    path = f"drafts/signed/{sha[:2]}/{sha}.pdf"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(signed))
    dr.signed_path, dr.signed_sha256, dr.signed_at, dr.signing_method = path, sha, timezone.now(), method
    dr.state = DraftState.SIGNED
    dr.save()
    _event(dr, DraftEventKind.SIGNED, acting_user, version=version,
           details={"method": method, "sha256": sha, "delegation": dr.delegation_id,
                    "competence": dr.competence})
    _audit(dr, AuditVerb.DRAFT_SIGNED, acting_user, method=method, sha256=sha, version=version.number)
    _notify(draft_reviewers(dr), dr, NotificationKind.DRAFT_TO_ISSUE,
            M.DRAFT_TO_ISSUE(s=dr.document.subject))
    return dr


@service
def draft_sign(*, draft: Draft, acting_user, pin: str) -> Draft:
    """
    The signer signs the approved version with their server-side method (token with the PIN
    typed now, or a remote CSC service): the blue signature image goes between the title line
    and the name of the signer block (Phụ lục I). The organisation signature comes at issue.
    """
    from signatures.choices import ImageKind, PersonalMethod
    from signatures.services.personal import personal_sign_pdf, signature_image_of, signing_method_of
    from signatures.services.placement import signature_box_for
    from signatures.services.signing import SigningError

    dr = _lock(draft)
    version = _ready_to_sign(dr, acting_user)
    method = signing_method_of(user=acting_user)
    if method is None or method.kind == PersonalMethod.VGCA:
        raise StateError(_("You have no signing method on the server; sign with the VGCA Sign Service."))
    image = signature_image_of(unit=dr.owner_unit, kind=ImageKind.SIGNATURE, user=acting_user)
    if image is None:
        raise StateError(_("Your signature image has not been uploaded; ask the unit administrator."))
    pdf = draft_read_version(version)
    page, box = signature_box_for(pdf, signer_name=dr.document.signer_name or actor_display(acting_user))
    try:
        signed = personal_sign_pdf(pdf=pdf, user=acting_user, method=method, image=image, pin=pin, box=box,
                                   page=page, unit=dr.owner_unit, location=dr.document.place or "",
                                   reason=str(_("Signed by the competent person")))
    except SigningError as exc:
        raise StateError(str(exc), code="signing_failed") from exc
    return _signed(dr, acting_user, signed, method.kind, version)


@service
def draft_sign_ticket(*, draft: Draft, acting_user):
    """The VGCA Sign Service route: a one-time ticket serving the approved version to the signer's PC."""
    from signatures.services.vgca import TicketError, ticket_issue

    dr = _lock(draft)
    version = _ready_to_sign(dr, acting_user)
    try:
        ticket = ticket_issue(user=acting_user, content=draft_read_version(version),
                              filename=f"du-thao-{dr.pk}-v{version.number}.pdf")
    except TicketError as exc:
        raise StateError(str(exc)) from exc
    dr.sign_ticket = ticket
    dr.save(update_fields=["sign_ticket", "delegation", "updated_at"])
    return ticket


@service
def draft_sign_from_ticket(*, draft: Draft, acting_user) -> Draft:
    """Keep the file the VGCA Sign Service uploaded (re-verified by the ticket) as the signed draft."""
    from signatures.choices import TicketStatus

    dr = _lock(draft)
    version = _ready_to_sign(dr, acting_user)
    ticket = dr.sign_ticket
    if ticket is None or ticket.user_id != acting_user.pk:
        raise StateError(_("Start the signing in the browser first."))
    ticket.refresh_from_db()
    if ticket.status != TicketStatus.ACCEPTED:
        raise StateError(ticket.rejection or _("The signed file has not arrived yet."))
    with default_storage.open(ticket.signed_path, "rb") as fh:
        signed = fh.read()
    return _signed(dr, acting_user, signed, "vgca", version)


def _store_main(doc: Document, acting_user, data: bytes, name: str) -> Attachment:
    """The signed file as the document's main file (content-addressed, verified after commit)."""
    from .drafting import verification_queue

    sha = hashlib.sha256(data).hexdigest()
    storage_name = f"attachments/{sha[:2]}/{sha}"
    if not default_storage.exists(storage_name):
        storage_name = default_storage.save(storage_name, ContentFile(data))
    doc.attachments.filter(kind=AttachmentKind.MAIN).delete()  # not yet sent: the unsigned main file goes
    att = Attachment(document=doc, kind=AttachmentKind.MAIN, original_name=name, size=len(data), sha256=sha,
                     mime_type="application/pdf", uploaded_by=acting_user, position=0)
    att.file.name = storage_name
    att.verification = verification_queue(storage_name=storage_name, filename=name, sha256=sha, size=len(data))
    att.save()
    audit_record(actor=acting_user, unit=doc.owner_unit, verb=AuditVerb.ATTACHMENT_ADDED, obj=att,
                 details={"document": doc.pk, "name": name, "sha256": sha, "size": len(data), "signed": True})
    return att


def _close_reply(rec: IncomingRecord, reply: Document, acting_user) -> bool:
    """Issuing a reply closes the handling of the incoming record it answers: status 06, reply linked."""
    rec = IncomingRecord.objects.select_for_update(no_key=True, of=("self",)).select_related("dispatch").get(pk=rec.pk)
    if rec.status not in (IncomingStatus.ACCEPTED, IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS):
        return False
    now = timezone.now()
    answered = message_fields(M.NOTE_ANSWERED_BY(n=reply.number_notation), limit=100_000)
    HandlingNote.objects.create(incoming=rec, author=acting_user, progress=100, text=answered["text"],
                                text_code=answered["code"], text_params=answered["params"])
    rec.status, rec.finished_at, rec.progress, rec.reply_document = IncomingStatus.DONE, now, 100, reply
    rec.save(update_fields=["status", "finished_at", "progress", "reply_document"])
    status_emit(dispatch=rec.dispatch, code=StatusCode.DONE, acting_user=acting_user,
                note=M.NOTE_REPLY(n=reply.number_notation), at=now)
    audit_record(actor=acting_user, unit=rec.unit, verb=AuditVerb.INCOMING_FINISHED, obj=rec,
                 details={"reply_document": reply.pk, "by_draft": True})
    return True


@service
def draft_issue(*, draft: Draft, acting_user, issued_on: datetime.date | None = None) -> Draft:
    """
    The clerk numbers the signed draft, applies the organisation signature over the
    competent person's (the number is printed in the stamp; both signatures stay valid) and
    issues the document; incoming records the draft answers are closed with status 06.
    """
    from signatures.services import organisation_sign_pdf
    from signatures.services.signing import SigningError

    from .drafting import document_issue

    dr = _lock(draft)
    require_role(user=acting_user, unit=dr.owner_unit, roles=(Role.CLERK,))
    if dr.state != DraftState.SIGNED:
        raise StateError(_("Only a draft signed by the competent person can be issued."))
    with default_storage.open(dr.signed_path, "rb") as fh:
        person_signed = fh.read()
    name = f"{dr.document.doc_type}-{dr.pk}.pdf"
    with _inside():
        _store_main(dr.document, acting_user, person_signed, name)
        doc = document_issue(document=dr.document, acting_user=acting_user, issued_on=issued_on)
    try:
        sealed = organisation_sign_pdf(pdf=person_signed, unit=dr.owner_unit, notation=doc.number_notation,
                                       acting_user=acting_user)
    except SigningError as exc:
        raise StateError(str(exc), code="organisation_signature") from exc
    _store_main(doc, acting_user, sealed, f"{doc.number_notation.replace('/', '-')}.pdf")
    dr.state = DraftState.ISSUED
    dr.save()
    _event(dr, DraftEventKind.ISSUED, acting_user, details={"number": doc.number_notation,
                                                           "sha256": hashlib.sha256(sealed).hexdigest()})
    _audit(dr, AuditVerb.DRAFT_ISSUED, acting_user, document=doc.pk, number=doc.number_notation)
    for rec in dr.replies_to.order_by("pk"):
        if _close_reply(rec, doc, acting_user):
            _event(dr, DraftEventKind.REPLY_CLOSED, acting_user, details={"incoming": rec.pk,
                                                                         "incoming_number": rec.incoming_number})
    return dr


# --- comment requests -------------------------------------------------------------------------

@service
def comment_request_create(*, draft: Draft, acting_user, deadline: datetime.date, users=(), units=(),
                           message: str = "") -> CommentRequest:
    """
    Ask people of the unit and/or other units for their opinion on the current version by
    ``deadline``. People are told at once; for units a request document is prepared (due
    date = deadline, the version attached) that the clerk sends through the exchange.
    """
    dr = _lock(draft)
    _require_drafter(dr, acting_user)
    if dr.state not in (DraftState.DRAFTING, DraftState.CONTENT_REVIEW):
        raise StateError(_("Comments are asked for while the draft is being written."))
    users = [u for u in users if u is not None and u.pk != acting_user.pk]
    units = [u for u in units if u is not None and u.pk != dr.owner_unit_id]
    if not users and not units:
        raise InvalidInput(_("Choose at least one person or unit to ask."), field="users")
    if deadline is None or deadline < timezone.localdate():
        raise InvalidInput(_("The deadline is in the past."), field="deadline")
    version = _current(dr)
    request = CommentRequest.objects.create(draft=dr, version=version, requested_by=acting_user,
                                            message=message.strip(), deadline=deadline)
    CommentTarget.objects.bulk_create([CommentTarget(request=request, user=u) for u in users]
                                      + [CommentTarget(request=request, unit=u) for u in units])
    if units:
        request.document = _request_document(dr, request, acting_user, units)
        request.save(update_fields=["document"])
    _event(dr, DraftEventKind.COMMENTS_REQUESTED, acting_user, version=version, note=message,
           details={"request": request.pk, "users": [u.pk for u in users], "units": [u.code for u in units],
                    "deadline": deadline.isoformat()})
    _audit(dr, AuditVerb.COMMENTS_REQUESTED, acting_user, request=request.pk, users=len(users), units=len(units))
    _notify([u.pk for u in users], dr, NotificationKind.COMMENTS_REQUESTED,
            M.COMMENTS_REQUESTED(date=deadline, s=dr.document.subject))
    if units:
        _notify(_office_members(dr.owner_unit) | {u for _x, u in unit_members(unit_ids=[dr.owner_unit_id],
                                                                              roles=Role.CLERK)},
                dr, NotificationKind.DRAFT_TO_ISSUE,
                M.COMMENTS_TO_SEND(s=dr.document.subject))
    return request


def _request_document(dr: Draft, request: CommentRequest, acting_user, units) -> Document:
    from .drafting import attachment_add, document_create

    subject = (_("Comments requested on the draft: %(s)s") % {"s": dr.document.subject})[:500]
    content = request.message or str(_("Please send your comments on the attached draft by %(date)s.")
                                     % {"date": request.deadline.strftime("%d/%m/%Y")})
    with _inside():
        doc = document_create(owner_unit=dr.owner_unit, acting_user=acting_user, subject=subject, doc_type="CV",
                              notation_suffix=dr.document.notation_suffix or (dr.division.short_name if dr.division
                                                                             else "VP"),
                              content=content, due_date=request.deadline, signer_name=actor_display(acting_user),
                              recipients_text="\n".join(u.name for u in units))
        attachment_add(document=doc, acting_user=acting_user, upload=draft_read_version(request.version),
                       name=f"du-thao-v{request.version.number}.pdf")
    return doc


@service
def comment_request_send(*, request: CommentRequest, acting_user) -> CommentRequest:
    """The clerk numbers and sends the request document to the units asked (through the exchange)."""
    from .drafting import document_issue
    from .sending import document_send

    req = (CommentRequest.objects.select_for_update(no_key=True, of=("self",))
           .select_related("draft", "draft__owner_unit", "document").get(pk=request.pk))
    require_role(user=acting_user, unit=req.draft.owner_unit, roles=(Role.CLERK,))
    if req.document is None:
        raise StateError(_("This request asks no other unit."))
    if req.document.status != DocumentStatus.DRAFT:
        raise StateError(_("The request has already been sent."))
    units = [t.unit for t in req.targets.filter(unit__isnull=False).select_related("unit")]
    with _inside():
        doc = document_issue(document=req.document, acting_user=acting_user)
        document_send(document=doc, acting_user=acting_user, units=units)
    _event(req.draft, DraftEventKind.COMMENTS_SENT, acting_user, version=req.version,
           details={"request": req.pk, "document": doc.pk, "number": doc.number_notation})
    _audit(req.draft, AuditVerb.COMMENTS_SENT, acting_user, request=req.pk, document=doc.pk)
    return req


@service
def comment_request_extend(*, request: CommentRequest, acting_user, deadline: datetime.date,
                           note: str = "") -> CommentRequest:
    req = (CommentRequest.objects.select_for_update(no_key=True, of=("self",)).select_related("draft", "document")
           .get(pk=request.pk))
    dr = _lock(req.draft)
    _require_drafter(dr, acting_user)
    if deadline is None or deadline <= req.deadline:
        raise InvalidInput(_("The new deadline must be later than %(date)s.")
                           % {"date": req.deadline.strftime("%d/%m/%Y")}, field="deadline")
    old = req.deadline
    req.deadline, req.extensions = deadline, req.extensions + 1
    req.save(update_fields=["deadline", "extensions"])
    if req.document_id:
        # Only a request not yet sent follows; an issued document is frozen, and the units asked
        # are told of the new deadline by notification below.
        Document.objects.filter(pk=req.document_id, status=DocumentStatus.DRAFT).update(due_date=deadline)
    _event(dr, DraftEventKind.COMMENTS_EXTENDED, acting_user, note=note,
           details={"request": req.pk, "from": old.isoformat(), "to": deadline.isoformat()})
    _audit(dr, AuditVerb.COMMENTS_EXTENDED, acting_user, request=req.pk, old=old.isoformat(), new=deadline.isoformat())
    pending = list(req.targets.filter(answer__isnull=True, user__isnull=False).values_list("user_id", flat=True))
    units = list(req.targets.filter(answer__isnull=True, unit__isnull=False).values_list("unit_id", flat=True))
    if units and req.document_id and req.document.status != DocumentStatus.DRAFT:
        local_leaders = [u for _x, u in unit_members(unit_ids=units, roles=Role.LEADER)]
        notification_send(user_ids=local_leaders, kind=NotificationKind.COMMENTS_REQUESTED, object_type="draft",
                          object_id=dr.pk, text=M.COMMENTS_EXTENDED(date=deadline,
                                                                    s=dr.document.subject))
    _notify(pending, dr, NotificationKind.COMMENTS_REQUESTED,
            M.COMMENTS_EXTENDED(date=deadline, s=dr.document.subject))
    return req


def _answer_file(upload, name) -> tuple[str, str, str]:
    from .drafting import _allowed_appendix_types, detect_mime, refuse_active_content

    if upload is None:
        return "", "", ""
    data, name = _read_upload(upload, name)
    if not data:
        return "", "", ""
    if len(data) > settings.DOCUMENTS_MAX_ATTACHMENT_BYTES:
        raise InvalidInput(_("The file %(name)s is too large.") % {"name": name}, field="file")
    refuse_active_content(data[:8192], name, whole=data)
    if detect_mime(data[:8192]) not in _allowed_appendix_types():
        raise InvalidInput(_("The type of %(name)s is not accepted (PDF, Word, Excel, images, ZIP, XML).")
                           % {"name": name}, field="file")
    sha = hashlib.sha256(data).hexdigest()
    path = f"drafts/comments/{sha[:2]}/{sha}"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(data))
    return path, name, sha


def _record_answer(target: CommentTarget, acting_user, verdict: str, comment: str, upload, file_name,
                   incoming=None) -> CommentAnswer:
    req = target.request
    if verdict not in CommentVerdict.values:
        raise InvalidInput(_("Choose Agree, Disagree or Other opinion."), field="verdict")
    comment = (comment or "").strip()
    if verdict != CommentVerdict.AGREE and not comment:
        raise InvalidInput(_("Write your comment (required unless you agree)."), field="comment")
    if req.closed_at is not None:
        raise StateError(_("This comment request is closed."))
    if req.deadline < timezone.localdate():
        raise StateError(_("The deadline (%(date)s) has passed; ask the drafter to extend it.")
                         % {"date": req.deadline.strftime("%d/%m/%Y")})
    if CommentAnswer.objects.filter(target=target).exists():
        raise StateError(_("This comment has already been given."))
    path, name, sha = _answer_file(upload, file_name)
    answer = CommentAnswer.objects.create(target=target, verdict=verdict, comment=comment, file_path=path,
                                          file_name=name, file_sha256=sha, answered_by=acting_user,
                                          answered_at=timezone.now(), incoming=incoming)
    dr = req.draft
    _event(dr, DraftEventKind.COMMENT, acting_user, version=req.version, note=comment,
           details={"request": req.pk, "target": target.pk, "verdict": verdict,
                    "unit": target.unit.code if target.unit_id else None, "file": name})
    _audit(dr, AuditVerb.COMMENT_ANSWERED, acting_user, request=req.pk, verdict=verdict)
    _notify([req.requested_by_id], dr, NotificationKind.COMMENT_ANSWERED,
            M.COMMENT_ANSWERED(who=actor_display(acting_user) if not target.unit_id else target.unit.name,
                               verdict=Label(M.VERDICT, verdict), s=dr.document.subject))
    return answer


@service
def comment_answer(*, target: CommentTarget, acting_user, verdict: str, comment: str = "", upload=None,
                   file_name: str | None = None) -> CommentAnswer:
    """A person asked gives their opinion (once, before the deadline)."""
    t = (CommentTarget.objects.select_for_update(no_key=True, of=("self",))
         .select_related("request", "request__draft", "request__draft__document", "request__draft__owner_unit",
                         "unit").get(pk=target.pk))
    if t.user_id != acting_user.pk:
        raise PermissionDeniedError(_("This comment was asked of someone else."))
    return _record_answer(t, acting_user, verdict, comment, upload, file_name)


def comment_target_for_incoming(*, incoming: IncomingRecord) -> CommentTarget | None:
    """The comment request an incoming document carries for its unit, if it is one."""
    return (CommentTarget.objects.filter(request__document_id=incoming.document_id, unit_id=incoming.unit_id)
            .select_related("request", "request__draft", "request__draft__document", "unit").first())


@service
def comment_answer_for_unit(*, incoming: IncomingRecord, acting_user, verdict: str, comment: str = "",
                            upload=None, file_name: str | None = None) -> CommentAnswer:
    """
    A unit asked through the exchange answers on the incoming document: its leader or the
    main handler gives the unit's opinion; the incoming handling closes (status 06 to the
    sender, with the opinion).
    """
    rec = (IncomingRecord.objects.select_for_update(no_key=True, of=("self",)).select_related("unit", "dispatch")
           .get(pk=incoming.pk))
    roles = user_roles_in(user=acting_user, unit=rec.unit)
    main = rec.assignments.filter(user=acting_user, is_active=True, role="main").exists()
    if Role.LEADER not in roles and not main:
        raise PermissionDeniedError(_("The unit's opinion is given by a leader or the main handler."))
    if rec.status not in (IncomingStatus.ACCEPTED, IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS):
        raise StateError(_("Accept the document into the register before answering."))
    target = comment_target_for_incoming(incoming=rec)
    if target is None:
        raise NotFoundError(_("This document asks for no comments."))
    target = CommentTarget.objects.select_for_update(no_key=True, of=("self",)).select_related(
        "request", "request__draft", "request__draft__document", "request__draft__owner_unit", "unit").get(
        pk=target.pk)
    answer = _record_answer(target, acting_user, verdict, comment, upload, file_name, incoming=rec)
    now = timezone.now()
    note = f"{CommentVerdict(verdict).label}: {answer.comment}"[:500]
    HandlingNote.objects.create(incoming=rec, author=acting_user, text=note, progress=100)
    rec.status, rec.finished_at, rec.progress = IncomingStatus.DONE, now, 100
    rec.save(update_fields=["status", "finished_at", "progress"])
    status_emit(dispatch=rec.dispatch, code=StatusCode.DONE, acting_user=acting_user, note=note, at=now)
    audit_record(actor=acting_user, unit=rec.unit, verb=AuditVerb.INCOMING_FINISHED, obj=rec,
                 details={"comment_answer": answer.pk})
    return answer


@service
def comment_requests_remind(*, today: datetime.date | None = None) -> int:
    """
    Beat: remind whoever has not answered a request due within DRAFTS_COMMENT_REMIND_DAYS
    (once a day per target): the person, or the leaders of a unit asked. Returns reminders sent.
    """
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.DRAFTS_COMMENT_REMIND_DAYS)
    targets = list(CommentTarget.objects.select_for_update(no_key=True, skip_locked=True, of=("self",))
                   .filter(request__closed_at__isnull=True, request__deadline__gte=today,
                           request__deadline__lte=horizon, answer__isnull=True)
                   .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
                   .select_related("request", "request__draft", "request__draft__document", "unit")
                   .order_by("pk")[:2000])
    if not targets:
        return 0
    unit_ids = [t.unit_id for t in targets if t.unit_id]
    leaders: dict[int, list[int]] = {}
    for unit_id, user_id in unit_members(unit_ids=unit_ids, roles=Role.LEADER) if unit_ids else []:
        leaders.setdefault(unit_id, []).append(user_id)
    notes = []
    for t in targets:
        dr = t.request.draft
        text = M.COMMENTS_DUE(date=t.request.deadline, s=dr.document.subject)
        for user_id in ([t.user_id] if t.user_id else leaders.get(t.unit_id, [])):
            notes.append(Note(user_id=user_id, kind=NotificationKind.COMMENTS_REMINDER, text=text,
                              unit_id=t.unit_id or dr.owner_unit_id, object_type="draft", object_id=dr.pk))
    notifications_send(notes)
    CommentTarget.objects.filter(pk__in=[t.pk for t in targets]).update(reminded_on=today)
    audit_record(actor=None, unit=None, verb=AuditVerb.COMMENTS_REMINDED, obj=None,
                 details={"targets": len(targets), "notes": len(notes), "on": today.isoformat()})
    return len(notes)
