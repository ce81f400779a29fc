"""
Transfer to the agency archive (nộp lưu) and the archive's side: check, accept (AIP) or return,
keep-back, access by request and grant (DIP), the SIP for a historical archive, and the
30-day transfer reminders.
"""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.audit import audit_record
from egov.core.db import service
from egov.core.errors import InvalidInput, PermissionDeniedError, StateError
from egov.core.notifications import Note, notifications_send
from units.choices import Role
from units.permissions import require_role, user_roles_in
from units.selectors import unit_members

from .. import messages as M
from ..choices import AccessState, AuditVerb, FileEventKind, FileState, NotificationKind, PackageKind, PlanState
from ..models import ArchiveAccess, CaseFile, InformationPackage
from ..packages import PackageInvalid
from .common import file_event, lock_file, refuse_if_held
from .packaging import package_check, package_read, package_store

__all__ = ["transfer_submit", "archive_check", "archive_accept", "archive_return", "file_keep_back",
           "access_request", "access_decide", "dip_create", "sip_export", "package_download",
           "transfer_reminders_send"]


def _archivists(unit_id: int) -> list[int]:
    return [uid for _unit, uid in unit_members(unit_ids=[unit_id], roles=[Role.ARCHIVIST])]


def _tell(user_ids, kind, text, f: CaseFile) -> None:
    notifications_send(Note(user_id=u, kind=kind, text=text, unit_id=f.unit_id, object_type="records.casefile",
                            object_id=f.pk) for u in set(user_ids))


@service
def transfer_submit(*, case_file: CaseFile, acting_user) -> InformationPackage:
    """
    The person in charge (or a clerk) hands a closed file to the agency archive: its documents,
    metadata and trail go into a SIP; the archive is told.
    """
    f = lock_file(case_file)
    if f.person_in_charge_id != acting_user.pk:
        require_role(user=acting_user, unit=f.unit, roles=(Role.CLERK,))
    if f.state not in (FileState.CLOSED, FileState.RETURNED, FileState.KEPT_BACK):
        raise StateError(_("Only a closed file can be transferred to the archive (it is %(state)s).")
                         % {"state": f.get_state_display()})
    refuse_if_held(f)
    now = timezone.now()
    file_event(f, FileEventKind.TRANSFER, actor=acting_user, at=now, detail=M.EVENT_TRANSFER())
    package = package_store(f, PackageKind.SIP, acting_user=acting_user)
    f.state, f.submitted_at, f.return_reason = FileState.SUBMITTED, now, ""
    f.save(update_fields=["state", "submitted_at", "return_reason"])
    audit_record(actor=acting_user, unit=f.unit, verb=AuditVerb.FILE_TRANSFERRED, obj=f,
                 details={"package": package.package_id, "sha256": package.sha256})
    _tell(_archivists(f.unit_id), NotificationKind.FILE_SUBMITTED,
          M.FILE_SUBMITTED(code=f.code, title=f.title[:200]), f)
    return package


def archive_check(case_file: CaseFile) -> list[str]:
    """What the archive checks before accepting: the package is intact and matches the plan."""
    problems = []
    sip = case_file.packages.filter(kind=PackageKind.SIP).order_by("-created_at", "-pk").first()
    if sip is None:
        return [_("The file has no transfer package.")]
    try:
        package_check(sip)
    except PackageInvalid as exc:
        problems.extend(exc.problems)
    entry = case_file.entry
    if entry.plan.state != PlanState.APPROVED or entry.plan.unit_id != case_file.unit_id \
            or entry.plan.year != case_file.year:
        problems.append(_("The file is not under the unit's approved file plan of %(year)s.") % {"year": case_file.year})
    if not case_file.code.startswith(entry.code):
        problems.append(_("The file code %(code)s does not match the plan entry %(entry)s.")
                        % {"code": case_file.code, "entry": entry.code})
    listed = sum(1 for p in sip.manifest if p.startswith("representations/rep1/data/"))
    with_pdf = sum(1 for it in case_file.items.select_related("document")
                   if it.document.attachments.filter(kind="main", mime_type="application/pdf").exists())
    if listed != with_pdf:
        problems.append(_("The package holds %(n)d files; the file has %(m)d documents with a PDF.")
                        % {"n": listed, "m": with_pdf})
    return problems


def _require_archivist(f: CaseFile, user) -> None:
    require_role(user=user, unit=f.unit, roles=(Role.ARCHIVIST,))


@service
def archive_accept(*, case_file: CaseFile, acting_user) -> InformationPackage:
    """The archive accepts a checked file: it becomes read-only archival; the AIP is written."""
    f = lock_file(case_file)
    _require_archivist(f, acting_user)
    if f.state != FileState.SUBMITTED:
        raise StateError(_("Only a file submitted to the archive can be accepted."))
    problems = archive_check(f)
    if problems:
        raise StateError(_("The file cannot be accepted: %(problems)s") % {"problems": "; ".join(problems)})
    now = timezone.now()
    file_event(f, FileEventKind.ACCEPTANCE, actor=acting_user, at=now, detail=M.EVENT_ACCEPTED())
    package = package_store(f, PackageKind.AIP, acting_user=acting_user)
    f.state, f.archived_at, f.archived_by = FileState.ARCHIVED, now, acting_user
    f.save(update_fields=["state", "archived_at", "archived_by"])
    audit_record(actor=acting_user, unit=f.unit, verb=AuditVerb.FILE_ACCEPTED, obj=f,
                 details={"package": package.package_id, "sha256": package.sha256})
    _tell([f.person_in_charge_id], NotificationKind.FILE_ACCEPTED,
          M.FILE_ACCEPTED(code=f.code), f)
    return package


@service
def archive_return(*, case_file: CaseFile, acting_user, reason: str) -> CaseFile:
    """The archive returns a submitted file with its reasons; the person in charge may transfer it again."""
    f = lock_file(case_file)
    _require_archivist(f, acting_user)
    if f.state != FileState.SUBMITTED:
        raise StateError(_("Only a file submitted to the archive can be returned."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reasons for returning the file."), field="reason")
    file_event(f, FileEventKind.RETURN, actor=acting_user, detail=reason, outcome="returned")
    f.state, f.return_reason = FileState.RETURNED, reason[:2000]
    f.save(update_fields=["state", "return_reason"])
    audit_record(actor=acting_user, unit=f.unit, verb=AuditVerb.FILE_RETURNED, obj=f, details={"reason": reason[:500]})
    _tell([f.person_in_charge_id], NotificationKind.FILE_RETURNED,
          M.FILE_RETURNED(code=f.code, reason=reason[:300]), f)
    return f


@service
def file_keep_back(*, case_file: CaseFile, acting_user, until: datetime.date, reason: str) -> CaseFile:
    """
    The head approves keeping a closed file back from transfer for at most two years beyond its
    transfer deadline (NĐ 30 Đ30); the approval is recorded.
    """
    f = lock_file(case_file)
    require_role(user=acting_user, unit=f.unit, roles=(Role.LEADER,))
    if f.state not in (FileState.CLOSED, FileState.RETURNED, FileState.KEPT_BACK):
        raise StateError(_("Only a closed file not yet archived can be kept back."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for keeping the file back."), field="reason")
    base = f.transfer_due or timezone.localdate()
    latest = base + datetime.timedelta(days=settings.RECORDS_KEEP_BACK_MAX_DAYS)
    if f.state == FileState.KEPT_BACK and f.keep_back_until:
        latest = min(latest, f.keep_back_until)  # an extension never goes past the first limit
    if until <= timezone.localdate() or until > latest:
        raise InvalidInput(_("A file can be kept back until %(latest)s at the latest.")
                           % {"latest": latest.strftime("%d/%m/%Y")}, field="until")
    f.state, f.keep_back_until, f.keep_back_reason, f.keep_back_approved_by = (
        FileState.KEPT_BACK, until, reason[:500], acting_user)
    f.reminded_on = None
    f.save(update_fields=["state", "keep_back_until", "keep_back_reason", "keep_back_approved_by", "reminded_on"])
    file_event(f, FileEventKind.KEEP_BACK, actor=acting_user, detail=f"{until.isoformat()}: {reason[:400]}")
    audit_record(actor=acting_user, unit=f.unit, verb=AuditVerb.FILE_KEPT_BACK, obj=f,
                 details={"until": until.isoformat(), "reason": reason[:300]})
    return f


@service
def access_request(*, case_file: CaseFile, acting_user, reason: str) -> ArchiveAccess:
    """A member of the unit asks to use an archived file; the archive decides."""
    f = CaseFile.objects.select_related("unit").get(pk=case_file.pk)
    if not user_roles_in(user=acting_user, unit=f.unit):
        raise PermissionDeniedError(_("Only members of the unit may ask to use its archived files."))
    if f.state != FileState.ARCHIVED:
        raise StateError(_("Access is requested for archived files only."))
    if not (reason or "").strip():
        raise InvalidInput(_("Say what the file is needed for."), field="reason")
    req = ArchiveAccess.objects.create(case_file=f, user=acting_user, reason=reason.strip()[:500])
    audit_record(actor=acting_user, unit=f.unit, verb=AuditVerb.ACCESS_REQUESTED, obj=req,
                 details={"file": f.pk, "reason": reason[:300]})
    _tell(_archivists(f.unit_id), NotificationKind.ACCESS_REQUESTED,
          M.ACCESS_REQUESTED(code=f.code), f)
    return req


@service
def access_decide(*, access: ArchiveAccess, acting_user, grant: bool, valid_until: datetime.date | None = None,
                  note: str = "") -> ArchiveAccess:
    req = ArchiveAccess.objects.select_for_update(no_key=True).select_related("case_file", "case_file__unit").get(
        pk=access.pk)
    _require_archivist(req.case_file, acting_user)
    if req.state != AccessState.REQUESTED:
        raise StateError(_("The request is already decided."))
    req.state = AccessState.GRANTED if grant else AccessState.REFUSED
    req.decided_by, req.decided_at, req.valid_until, req.note = acting_user, timezone.now(), valid_until, note[:500]
    req.save(update_fields=["state", "decided_by", "decided_at", "valid_until", "note"])
    audit_record(actor=acting_user, unit=req.case_file.unit, verb=AuditVerb.ACCESS_DECIDED, obj=req,
                 details={"granted": grant, "until": valid_until.isoformat() if valid_until else None})
    notifications_send([Note(user_id=req.user_id, kind=NotificationKind.ACCESS_DECIDED,
                             text=(M.ACCESS_GRANTED if grant else M.ACCESS_REFUSED)(code=req.case_file.code),
                             unit_id=req.case_file.unit_id, object_type="records.casefile",
                             object_id=req.case_file_id)])
    return req


def _may_use_archived(f: CaseFile, user) -> bool:
    from ..selectors import access_granted

    return Role.ARCHIVIST in user_roles_in(user=user, unit=f.unit) or access_granted(user=user, case_file=f)


@service
def dip_create(*, case_file: CaseFile, acting_user) -> InformationPackage:
    """A DIP of an archived file for a user with a grant (or the archive); the access is a PREMIS event."""
    f = lock_file(case_file)
    if f.state != FileState.ARCHIVED:
        raise StateError(_("Dissemination packages are made of archived files."))
    if not _may_use_archived(f, acting_user):
        raise PermissionDeniedError(_("You need the archive's grant to use this file."))
    file_event(f, FileEventKind.ACCESS, actor=acting_user, detail=M.EVENT_DISSEMINATION())
    package = package_store(f, PackageKind.DIP, acting_user=acting_user, for_user=acting_user)
    audit_record(actor=acting_user, unit=f.unit, verb=AuditVerb.PACKAGE_WRITTEN, obj=package,
                 details={"kind": "DIP", "file": f.pk, "sha256": package.sha256})
    return package


@service
def sip_export(*, case_file: CaseFile, acting_user) -> InformationPackage:
    """A SIP of an archived file for another system (the historical archive): the archive only."""
    f = lock_file(case_file)
    _require_archivist(f, acting_user)
    if f.state != FileState.ARCHIVED:
        raise StateError(_("Only archived files are handed on to a historical archive."))
    refuse_if_held(f)
    file_event(f, FileEventKind.PACKAGING, actor=acting_user, detail=M.EVENT_HISTORICAL_PACKAGE())
    package = package_store(f, PackageKind.SIP, acting_user=acting_user)
    audit_record(actor=acting_user, unit=f.unit, verb=AuditVerb.PACKAGE_WRITTEN, obj=package,
                 details={"kind": "SIP", "file": f.pk, "sha256": package.sha256, "for": "historical archive"})
    return package


@service
def package_download(*, package: InformationPackage, acting_user) -> bytes:
    """The bytes of a stored package, checked; every download of archived content is an access event."""
    package = InformationPackage.objects.select_related("case_file", "case_file__unit").get(pk=package.pk)
    f = package.case_file
    if package.purged_at is not None:
        raise StateError(_("The content of this package was destroyed."))
    roles = user_roles_in(user=acting_user, unit=f.unit)
    allowed = Role.ARCHIVIST in roles or (package.kind == PackageKind.DIP and package.for_user_id == acting_user.pk) \
        or (package.kind == PackageKind.SIP and f.state == FileState.SUBMITTED and
            (f.person_in_charge_id == acting_user.pk or Role.CLERK in roles))
    if not allowed:
        raise PermissionDeniedError(_("You may not download this package."))
    data = package_read(package)
    try:
        package_check(package, data)
    except PackageInvalid as exc:
        raise StateError(_("The stored package fails its integrity check: %(p)s") % {"p": "; ".join(exc.problems)})
    file_event(f, FileEventKind.ACCESS, actor=acting_user, detail=M.EVENT_DOWNLOAD(kind=package.kind, id=package.package_id))
    audit_record(actor=acting_user, unit=f.unit, verb=AuditVerb.PACKAGE_DOWNLOADED, obj=package,
                 details={"kind": package.kind, "file": f.pk})
    return data


@service
def transfer_reminders_send(*, today: datetime.date | None = None) -> int:
    """
    Closed files due for transfer within RECORDS_REMIND_BEFORE_DAYS (a kept-back file: at the end
    of its keep-back): their person in charge and the unit's archive are told once (PL VI
    III.5.b); a keep-back clears the reminder, so the new deadline is reminded again. Returns the
    number of files reminded.
    """
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.RECORDS_REMIND_BEFORE_DAYS)
    # A kept-back file is due at the end of its keep-back, not at the deadline it was kept past.
    due = list(CaseFile.objects.select_for_update(skip_locked=True, no_key=True).filter(
        Q(state__in=[FileState.CLOSED, FileState.RETURNED], transfer_due__lte=horizon)
        | Q(state=FileState.KEPT_BACK, keep_back_until__lte=horizon),
        reminded_on__isnull=True))
    notes = []
    for f in due:
        deadline = f.keep_back_until if f.state == FileState.KEPT_BACK else f.transfer_due
        text = M.TRANSFER_DUE(code=f.code, due=deadline)
        for uid in {f.person_in_charge_id, *_archivists(f.unit_id)}:
            notes.append(Note(user_id=uid, kind=NotificationKind.TRANSFER_DUE, text=text, unit_id=f.unit_id,
                              object_type="records.casefile", object_id=f.pk))
        audit_record(actor=None, unit=f.unit, verb=AuditVerb.FILE_REMINDED, obj=f,
                     details={"due": deadline.isoformat()})
    notifications_send(notes)
    CaseFile.objects.filter(pk__in=[f.pk for f in due]).update(reminded_on=today)
    return len(due)
