"""
Retention and destruction: the yearly review lists archived files whose retention has ended in a
destruction proposal (danh mục tài liệu hết giá trị) per unit; a council votes on it in the
system; destruction removes the content (the archive's packages) and the documents' links and
keeps the metadata of the decision and an index of what was destroyed. Legal holds freeze files
against change, move and destruction (PL VI IV.1.g).
"""
from __future__ import annotations

import datetime

from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.models import IncomingRecord
from documents.services.destruction import document_content_destroy
from egov.core.audit import audit_record
from egov.core.db import service
from egov.core.errors import InvalidInput, PermissionDeniedError, StateError
from egov.core.notifications import Note, notifications_send
from units.choices import Role
from units.models import Membership
from units.permissions import require_role

from .. import messages as M
from ..choices import AuditVerb, FileEventKind, FileState, NotificationKind, ProposalState
from ..models import CaseFile, DestructionProposal, DestructionVote, FileItem, LegalHold
from ..selectors import file_rows
from .common import file_event, is_held

__all__ = ["legal_hold_place", "legal_hold_release", "retention_review", "destruction_council_set",
           "destruction_vote", "destruction_execute", "files_due_for_destruction"]


@service
def legal_hold_place(*, unit, files, acting_user, reason: str) -> LegalHold:
    """Freeze ``files`` of ``unit`` (leader or archive)."""
    require_role(user=acting_user, unit=unit, roles=(Role.LEADER, Role.ARCHIVIST))
    files = list(files)
    if not files or any(f.unit_id != unit.pk for f in files):
        raise InvalidInput(_("Choose files of the unit."), field="files")
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for the hold."), field="reason")
    hold = LegalHold.objects.create(unit=unit, reason=reason.strip()[:500], placed_by=acting_user)
    hold.files.set(files)
    for f in files:
        file_event(f, FileEventKind.HOLD, actor=acting_user, detail=reason[:400])
    audit_record(actor=acting_user, unit=unit, verb=AuditVerb.HOLD_PLACED, obj=hold,
                 details={"files": [f.pk for f in files], "reason": reason[:300]})
    return hold


@service
def legal_hold_release(*, hold: LegalHold, acting_user) -> LegalHold:
    hold = LegalHold.objects.select_for_update(no_key=True).select_related("unit").get(pk=hold.pk)
    require_role(user=acting_user, unit=hold.unit, roles=(Role.LEADER, Role.ARCHIVIST))
    if hold.released_at:
        raise StateError(_("The hold is already released."))
    hold.released_at, hold.released_by = timezone.now(), acting_user
    hold.save(update_fields=["released_at", "released_by"])
    for f in hold.files.all():
        file_event(f, FileEventKind.RELEASE, actor=acting_user, detail=hold.reason[:400])
    audit_record(actor=acting_user, unit=hold.unit, verb=AuditVerb.HOLD_RELEASED, obj=hold, details={})
    return hold


def files_due_for_destruction(*, on: datetime.date, unit_id: int | None = None) -> list[CaseFile]:
    """Archived files whose retention ended before ``on``, not held, not already proposed."""
    qs = CaseFile.objects.filter(state=FileState.ARCHIVED).exclude(retention="01").select_related("unit")
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    qs = qs.exclude(destruction_proposals__state__in=[ProposalState.SUBMITTED, ProposalState.APPROVED])
    return [f for f in qs if f.retention_ends and f.retention_ends < on and not is_held(f)]


@service
def retention_review(*, year: int, on: datetime.date | None = None) -> list[DestructionProposal]:
    """
    The yearly job: one proposal per unit listing its files whose retention has ended; the
    unit's leaders form the council by default and are asked to vote. Running it again in the
    same year adds nothing.
    """
    on = on or timezone.localdate()
    by_unit: dict[int, list[CaseFile]] = {}
    for f in files_due_for_destruction(on=on):
        by_unit.setdefault(f.unit_id, []).append(f)
    made = []
    for unit_id, files in by_unit.items():
        if DestructionProposal.objects.filter(unit_id=unit_id, year=year).exists():
            continue
        p = DestructionProposal.objects.create(unit_id=unit_id, year=year)
        p.files.set(files)
        leaders = list(Membership.objects.filter(unit_id=unit_id, role=Role.LEADER, is_active=True)
                       .values_list("user_id", flat=True).distinct())
        p.council.set(leaders)
        audit_record(actor=None, unit=files[0].unit, verb=AuditVerb.DESTRUCTION_PROPOSED, obj=p,
                     details={"files": [f.pk for f in files], "year": year})
        notifications_send(Note(user_id=u, kind=NotificationKind.DESTRUCTION_PROPOSED,
                                text=M.DESTRUCTION_PROPOSED(n=len(files)), unit_id=unit_id, object_type="records.destructionproposal",
                                object_id=p.pk) for u in leaders)
        made.append(p)
    return made


@service
def destruction_council_set(*, proposal: DestructionProposal, acting_user, members) -> DestructionProposal:
    """The head names the council (members of the unit) before any vote."""
    p = DestructionProposal.objects.select_for_update(no_key=True).select_related("unit").get(pk=proposal.pk)
    require_role(user=acting_user, unit=p.unit, roles=(Role.LEADER,))
    if p.state != ProposalState.SUBMITTED or p.votes.exists():
        raise StateError(_("The council can be changed only before the first vote."))
    members = list(members)
    ids = set(Membership.objects.filter(unit=p.unit, user__in=members, is_active=True).values_list("user_id", flat=True))
    if not members or len(ids) != len({m.pk for m in members}):
        raise InvalidInput(_("Council members must work in the unit."), field="members")
    p.council.set(members)
    audit_record(actor=acting_user, unit=p.unit, verb=AuditVerb.DESTRUCTION_PROPOSED, obj=p,
                 details={"council": sorted(ids)})
    return p


@service
def destruction_vote(*, proposal: DestructionProposal, acting_user, approve: bool, note: str = "",
                     decision_ref: str = "") -> DestructionProposal:
    """A council member votes; all in favour approves the proposal, any vote against rejects it."""
    p = DestructionProposal.objects.select_for_update(no_key=True).select_related("unit").get(pk=proposal.pk)
    if not p.council.filter(pk=acting_user.pk).exists():
        raise PermissionDeniedError(_("Only members of the council vote on the proposal."))
    if p.state != ProposalState.SUBMITTED:
        raise StateError(_("The proposal is already decided."))
    if p.votes.filter(member=acting_user).exists():
        raise StateError(_("You have already voted."))
    DestructionVote.objects.create(proposal=p, member=acting_user, approve=approve, note=note[:500])
    if not approve:
        p.state, p.decided_at = ProposalState.REJECTED, timezone.now()
    elif p.votes.filter(approve=True).count() == p.council.count():
        p.state, p.decided_at = ProposalState.APPROVED, timezone.now()
    if decision_ref:
        p.decision_ref = decision_ref[:200]
    p.save(update_fields=["state", "decided_at", "decision_ref"])
    audit_record(actor=acting_user, unit=p.unit, verb=AuditVerb.DESTRUCTION_VOTED, obj=p,
                 details={"approve": approve, "state": p.state})
    return p


@service
def destruction_execute(*, proposal: DestructionProposal, acting_user) -> int:
    """
    The archive destroys the files of an approved proposal: their packages' content and their
    document links are removed; the file rows stay with the index of what they held, the
    decision and the votes. A file under a legal hold refuses the whole destruction.
    """
    p = DestructionProposal.objects.select_for_update(no_key=True).select_related("unit").get(pk=proposal.pk)
    require_role(user=acting_user, unit=p.unit, roles=(Role.ARCHIVIST,))
    if p.state != ProposalState.APPROVED:
        raise StateError(_("Only a proposal the council approved can be carried out."))
    files = list(p.files.select_for_update(no_key=True).order_by("pk"))
    held = [f.code for f in files if is_held(f)]
    if held:
        raise StateError(_("Files under a legal hold cannot be destroyed: %(codes)s") % {"codes": ", ".join(held)})
    now = timezone.now()
    for f in files:
        if f.state != FileState.ARCHIVED:
            raise StateError(_("The file %(code)s is no longer archived.") % {"code": f.code})
    outcome = _content_outcome(files)
    for f in files:
        index = [{"ordinal": r.ordinal, "number_notation": r.number_notation, "date": r.date.isoformat(),
                  "subject": r.document.subject, "author": r.author} for r in file_rows(f)]
        for pkg in f.packages.filter(purged_at__isnull=True):
            if pkg.path and default_storage.exists(pkg.path):
                default_storage.delete(pkg.path)
        f.packages.update(purged_at=now, path="")
        f.items.all().delete()
        f.state, f.destroyed_at, f.destroyed_index = FileState.DESTROYED, now, index
        f.save(update_fields=["state", "destroyed_at", "destroyed_index"])
        file_event(f, FileEventKind.DESTRUCTION, actor=acting_user,
                   detail=M.EVENT_DESTRUCTION(id=p.pk, ref=p.decision_ref[:300]))
    reason = f"proposal {p.pk} {p.decision_ref}".strip()
    for row in outcome["destroyed"]:
        row["attachments"] = document_content_destroy(document=row.pop("_doc"), acting_user=acting_user,
                                                      reason=reason)
    p.state, p.executed_at, p.executed_by = ProposalState.EXECUTED, now, acting_user
    p.content_outcome = outcome
    p.save(update_fields=["state", "executed_at", "executed_by", "content_outcome"])
    audit_record(actor=acting_user, unit=p.unit, verb=AuditVerb.DESTRUCTION_EXECUTED, obj=p,
                 details={"files": [f.pk for f in files], "decision": p.decision_ref,
                          "votes": list(p.votes.values_list("member_id", "approve")),
                          "content_destroyed": [r["document"] for r in outcome["destroyed"]],
                          "content_kept": [{"document": r["document"], "reasons": r["reasons"]}
                                           for r in outcome["kept"]]})
    return len(files)


def _content_outcome(files: list[CaseFile]) -> dict:
    """
    Which documents of ``files`` lose their content, and why the others keep it. A document keeps
    its content when it is still held elsewhere: by a file outside this destruction that is not
    destroyed (open, closed, archived or under a legal hold: its packages are kept with it), or by
    another unit (it issued the document or received it: that unit's records have their own
    retention). Reasons are codes with the holder, in the decision's record.
    """
    ids = [f.pk for f in files]
    unit_of = {f.pk: f.unit_id for f in files}
    docs: dict[int, tuple] = {}
    for item in FileItem.objects.filter(case_file_id__in=ids).select_related("document").order_by("document_id"):
        docs.setdefault(item.document_id, (item.document, set()))[1].add(unit_of[item.case_file_id])
    elsewhere: dict[int, list[str]] = {}
    for doc_id, code, state in (FileItem.objects.filter(document_id__in=docs).exclude(case_file_id__in=ids)
                                .exclude(case_file__state=FileState.DESTROYED)
                                .values_list("document_id", "case_file__code", "case_file__state")
                                .order_by("document_id", "case_file__code")):
        elsewhere.setdefault(doc_id, []).append(f"file:{code}:{state}")
    holders: dict[int, set[int]] = {}
    for doc_id, unit_id in (IncomingRecord.objects.filter(document_id__in=docs).exclude(status="cancelled")
                            .values_list("document_id", "unit_id")):
        holders.setdefault(doc_id, set()).add(unit_id)
    destroyed, kept = [], []
    for doc_id, (doc, units) in docs.items():
        reasons = list(elsewhere.get(doc_id, []))
        others = ({doc.owner_unit_id} | holders.get(doc_id, set())) - units
        reasons += [f"unit:{u}" for u in sorted(others)]
        row = {"document": doc_id, "number_notation": doc.number_notation, "subject": doc.subject[:200]}
        if reasons:
            kept.append({**row, "reasons": reasons})
        else:
            destroyed.append({**row, "_doc": doc})
    return {"destroyed": destroyed, "kept": kept}


