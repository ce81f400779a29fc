"""Case files (hồ sơ): open from a plan entry, add and remove documents, close."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.models import Document, IncomingRecord
from documents.selectors import documents_visible_to, incoming_visible_to
from egov.core.audit import audit_record
from egov.core.db import service
from egov.core.errors import InvalidInput, NotFoundError, PermissionDeniedError, StateError
from units.choices import Role
from units.permissions import require_role

from .. import messages as M
from ..choices import AuditVerb, FileEventKind, FileState, PlanState
from ..models import CaseFile, FileItem, PlanEntry
from .common import file_event, lock_file, refuse_if_held

__all__ = ["file_open", "file_add_document", "file_remove_document", "file_close", "FILE_MEMBER_ROLES"]

FILE_MEMBER_ROLES = (Role.CLERK, Role.LEADER, Role.SPECIALIST, Role.ARCHIVIST)


@service
def file_open(*, entry: PlanEntry, acting_user, title: str = "", description: str = "") -> CaseFile:
    """
    Open a file from an entry of the approved plan. The entry's person in charge opens it; an
    entry without one may be opened by any member of the unit, who becomes its person in charge.
    """
    entry = PlanEntry.objects.select_related("plan", "plan__unit").get(pk=entry.pk)
    unit = entry.plan.unit
    require_role(user=acting_user, unit=unit, roles=FILE_MEMBER_ROLES)
    if entry.plan.state != PlanState.APPROVED:
        raise StateError(_("Files are opened from an approved file plan."))
    if entry.person_in_charge_id and entry.person_in_charge_id != acting_user.pk:
        raise PermissionDeniedError(_("Only the person in charge of %(code)s opens its file.") % {"code": entry.code})
    code = entry.code
    existing = CaseFile.objects.filter(unit=unit, year=entry.plan.year, code__startswith=code).count()
    if existing:
        code = f"{code}/{existing + 1}"  # a second file under the same entry: 01.TCCB/2
    f = CaseFile.objects.create(
        entry=entry, unit=unit, year=entry.plan.year, code=code, title=(title or entry.title).strip()[:500],
        description=description, retention=entry.retention, retention_years=entry.retention_years,
        use_regime=entry.use_regime, person_in_charge=acting_user)
    file_event(f, FileEventKind.CREATION, actor=acting_user, detail=code)
    audit_record(actor=acting_user, unit=unit, verb=AuditVerb.FILE_OPENED, obj=f, details={"code": code})
    return f


def _require_keeper(f: CaseFile, user) -> None:
    if f.person_in_charge_id != getattr(user, "pk", None):
        raise PermissionDeniedError(_("Only the person in charge of the file changes it."))


def _require_open(f: CaseFile) -> None:
    if f.state != FileState.OPEN:
        raise StateError(_("The file %(code)s is %(state)s: documents can no longer be added or removed.")
                         % {"code": f.code, "state": f.get_state_display()})


@service
def file_add_document(*, case_file: CaseFile, acting_user, document: Document | None = None,
                      incoming: IncomingRecord | None = None) -> FileItem:
    """
    Add an outgoing document, a draft or an incoming record the person may read; it takes the
    next ordinal. Adding the same document twice is refused (no copy is ever made).
    """
    f = lock_file(case_file)
    _require_keeper(f, acting_user)
    _require_open(f)
    refuse_if_held(f)
    if incoming is not None:
        rec = incoming_visible_to(user=acting_user, unit=f.unit).filter(pk=incoming.pk).first()
        if rec is None:
            raise NotFoundError(_("The incoming document does not exist."))
        document = rec.document
    elif document is not None:
        if not documents_visible_to(user=acting_user).filter(pk=document.pk, owner_unit=f.unit).exists():
            raise NotFoundError(_("The document does not exist."))
    else:
        raise InvalidInput(_("Choose a document."), field="document")
    if f.items.filter(document=document).exists():
        raise StateError(_("The document is already in this file."))
    ordinal = (f.items.aggregate(m=Max("ordinal"))["m"] or 0) + 1
    item = FileItem.objects.create(case_file=f, document=document, incoming=incoming, ordinal=ordinal,
                                   added_by=acting_user)
    file_event(f, FileEventKind.ADDITION, actor=acting_user, detail=f"{ordinal}: {document.number_notation}")
    audit_record(actor=acting_user, unit=f.unit, verb=AuditVerb.FILE_DOCUMENT_ADDED, obj=f,
                 details={"document": document.pk, "ordinal": ordinal, "incoming": getattr(incoming, "pk", None)})
    return item


@service
def file_remove_document(*, case_file: CaseFile, acting_user, item: FileItem) -> None:
    """Take a document out of an open file; the later ordinals close up."""
    f = lock_file(case_file)
    _require_keeper(f, acting_user)
    _require_open(f)
    refuse_if_held(f)
    item = f.items.filter(pk=item.pk).first()
    if item is None:
        raise NotFoundError(_("The document is not in this file."))
    ordinal = item.ordinal
    item.delete()
    for later in f.items.filter(ordinal__gt=ordinal).order_by("ordinal"):
        FileItem.objects.filter(pk=later.pk).update(ordinal=later.ordinal - 1)
    file_event(f, FileEventKind.REMOVAL, actor=acting_user, detail=str(ordinal))
    audit_record(actor=acting_user, unit=f.unit, verb=AuditVerb.FILE_DOCUMENT_REMOVED, obj=f,
                 details={"document": item.document_id, "ordinal": ordinal})


@service
def file_close(*, case_file: CaseFile, acting_user, description: str | None = None,
               on: datetime.date | None = None) -> CaseFile:
    """
    Close the file (kết thúc): it is frozen and catalogued; it is due for transfer to the
    archive within RECORDS_TRANSFER_WITHIN_DAYS (one year, NĐ 30 Đ30).
    """
    f = lock_file(case_file)
    if f.person_in_charge_id != acting_user.pk:
        require_role(user=acting_user, unit=f.unit, roles=(Role.LEADER,))
    _require_open(f)
    refuse_if_held(f)
    if not f.items.exists():
        raise StateError(_("An empty file cannot be closed."))
    now = timezone.now()
    f.state, f.closed_at, f.closed_by = FileState.CLOSED, now, acting_user
    if description is not None:
        f.description = description
    f.transfer_due = (on or timezone.localdate()) + datetime.timedelta(days=settings.RECORDS_TRANSFER_WITHIN_DAYS)
    f.save(update_fields=["state", "closed_at", "closed_by", "description", "transfer_due"])
    count = f.items.count()
    file_event(f, FileEventKind.CLOSING, actor=acting_user,
               detail=M.EVENT_DOCUMENTS(n=count))
    audit_record(actor=acting_user, unit=f.unit, verb=AuditVerb.FILE_CLOSED, obj=f,
                 details={"documents": f.items.count(), "transfer_due": f.transfer_due.isoformat()})
    return f

