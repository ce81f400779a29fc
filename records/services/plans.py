"""The annual file plan (Danh mục hồ sơ): draft, entries, approval by the head, copy forward, import."""
from __future__ import annotations

import csv
import io

from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.audit import audit_record
from egov.core.db import service, service_atomic
from egov.core.errors import InvalidInput, StateError
from units.choices import Role
from units.models import Membership
from units.permissions import require_role

from ..choices import AuditVerb, PlanState, Retention, UseRegime
from ..models import FilePlan, PlanEntry

__all__ = ["PLAN_EDITOR_ROLES", "plan_create", "plan_entry_save", "plan_entry_delete", "plan_approve",
           "plan_copy_forward", "plan_import_csv", "PLAN_CSV_COLUMNS"]

PLAN_EDITOR_ROLES = (Role.CLERK, Role.LEADER, Role.ARCHIVIST)
PLAN_CSV_COLUMNS = ["heading", "number", "notation", "title", "retention", "retention_years", "use_regime",
                    "person_in_charge", "note"]


@service
def plan_create(*, unit, year: int, acting_user) -> FilePlan:
    """A draft file plan for ``unit`` and ``year`` (clerk, leader or the archive)."""
    require_role(user=acting_user, unit=unit, roles=PLAN_EDITOR_ROLES)
    if FilePlan.objects.filter(unit=unit, year=year).exists():
        raise StateError(_("The unit already has a file plan for %(year)s.") % {"year": year})
    plan = FilePlan.objects.create(unit=unit, year=year, created_by=acting_user)
    audit_record(actor=acting_user, unit=unit, verb=AuditVerb.PLAN_CREATED, obj=plan, details={"year": year})
    return plan


def _check_person(unit, user) -> None:
    if user is not None and not Membership.objects.filter(user=user, unit=unit, is_active=True).exists():
        raise InvalidInput(_("The person in charge must work in the unit."), field="person_in_charge")


@service
def plan_entry_save(*, plan: FilePlan, acting_user, entry: PlanEntry | None = None, heading: str, number: str,
                    notation: str, title: str, retention: str = Retention.Y10, retention_years: int | None = None,
                    use_regime: str = UseRegime.PUBLIC, person_in_charge=None, note: str = "",
                    position: int | None = None) -> PlanEntry:
    """Add or change an entry of a draft plan."""
    plan = FilePlan.objects.select_for_update(no_key=True).select_related("unit").get(pk=plan.pk)
    require_role(user=acting_user, unit=plan.unit, roles=PLAN_EDITOR_ROLES)
    if plan.state != PlanState.DRAFT:
        raise StateError(_("An approved file plan cannot be changed."))
    number, notation, title = number.strip(), notation.strip().upper(), title.strip()
    if not (number and notation and title and heading.strip()):
        raise InvalidInput(_("Heading, file number, notation and title are required."), field="title")
    if retention not in Retention.values:
        raise InvalidInput(_("Unknown retention code %(code)s.") % {"code": retention}, field="retention")
    if use_regime not in UseRegime.values:
        raise InvalidInput(_("Unknown use regime %(code)s.") % {"code": use_regime}, field="use_regime")
    if retention == Retention.OTHER and not retention_years:
        raise InvalidInput(_("Give the number of years for retention code 07."), field="retention_years")
    _check_person(plan.unit, person_in_charge)
    if entry is None:
        entry = PlanEntry(plan=plan)
        if position is None:
            position = plan.entries.count()
    elif entry.plan_id != plan.pk:
        raise InvalidInput(_("The entry belongs to another plan."))
    entry.heading, entry.number, entry.notation, entry.title = heading.strip(), number, notation, title
    entry.retention, entry.use_regime, entry.note = retention, use_regime, note
    entry.retention_years = retention_years if retention == Retention.OTHER else None
    entry.person_in_charge = person_in_charge
    if position is not None:
        entry.position = position
    try:
        with service_atomic():
            entry.save()
    except IntegrityError as exc:
        raise InvalidInput(_("The plan already has a file %(code)s.") % {"code": f"{number}.{notation}"},
                           field="number") from exc
    audit_record(actor=acting_user, unit=plan.unit, verb=AuditVerb.PLAN_ENTRY_SAVED, obj=entry,
                 details={"code": entry.code, "title": title[:200]})
    return entry


@service
def plan_entry_delete(*, entry: PlanEntry, acting_user) -> None:
    plan = entry.plan
    require_role(user=acting_user, unit=plan.unit, roles=PLAN_EDITOR_ROLES)
    if plan.state != PlanState.DRAFT:
        raise StateError(_("An approved file plan cannot be changed."))
    audit_record(actor=acting_user, unit=plan.unit, verb=AuditVerb.PLAN_ENTRY_DELETED, obj=entry,
                 details={"code": entry.code})
    entry.delete()


@service
def plan_approve(*, plan: FilePlan, acting_user) -> FilePlan:
    """The head of the unit approves the plan; files can then be opened from it."""
    plan = FilePlan.objects.select_for_update(no_key=True).select_related("unit").get(pk=plan.pk)
    require_role(user=acting_user, unit=plan.unit, roles=(Role.LEADER,))
    if plan.state != PlanState.DRAFT:
        raise StateError(_("The file plan is already approved."))
    if not plan.entries.exists():
        raise StateError(_("A file plan without entries cannot be approved."))
    plan.state, plan.approved_by, plan.approved_at = PlanState.APPROVED, acting_user, timezone.now()
    plan.save(update_fields=["state", "approved_by", "approved_at"])
    audit_record(actor=acting_user, unit=plan.unit, verb=AuditVerb.PLAN_APPROVED, obj=plan,
                 details={"year": plan.year, "entries": plan.entries.count()})
    return plan


@service
def plan_copy_forward(*, plan: FilePlan, acting_user, year: int | None = None) -> FilePlan:
    """A draft plan for the next year with the same entries (persons and retention included)."""
    year = year or plan.year + 1
    new = plan_create(unit=plan.unit, year=year, acting_user=acting_user)
    PlanEntry.objects.bulk_create([
        PlanEntry(plan=new, heading=e.heading, number=e.number, notation=e.notation, title=e.title,
                  retention=e.retention, retention_years=e.retention_years, use_regime=e.use_regime,
                  person_in_charge=e.person_in_charge, note=e.note, position=e.position)
        for e in plan.entries.all()
    ])
    audit_record(actor=acting_user, unit=plan.unit, verb=AuditVerb.PLAN_COPIED, obj=new,
                 details={"from": plan.year, "to": year})
    return new


@service
def plan_import_csv(*, plan: FilePlan, acting_user, data: bytes) -> int:
    """
    Entries from a CSV (UTF-8, header row ``PLAN_CSV_COLUMNS``; person_in_charge is a user
    name). All rows or none: the first bad row refuses the import with its line number.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(_("The file is not UTF-8 text."), field="file") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = {"heading", "number", "notation", "title"} - set(reader.fieldnames or [])
    if missing:
        raise InvalidInput(_("Missing columns: %(cols)s") % {"cols": ", ".join(sorted(missing))}, field="file")
    users = get_user_model().objects
    count = 0
    for line, row in enumerate(reader, start=2):
        person = None
        if (row.get("person_in_charge") or "").strip():
            person = users.filter(username=row["person_in_charge"].strip()).first()
            if person is None:
                raise InvalidInput(_("Line %(line)d: unknown user %(name)s.")
                                   % {"line": line, "name": row["person_in_charge"]}, field="file")
        years = (row.get("retention_years") or "").strip()
        try:
            plan_entry_save(plan=plan, acting_user=acting_user, heading=row.get("heading") or "",
                            number=row.get("number") or "", notation=row.get("notation") or "",
                            title=row.get("title") or "", retention=(row.get("retention") or "06").strip().zfill(2),
                            retention_years=int(years) if years.isdigit() else None,
                            use_regime=(row.get("use_regime") or "01").strip().zfill(2), person_in_charge=person,
                            note=row.get("note") or "")
        except InvalidInput as exc:
            raise InvalidInput(_("Line %(line)d: %(error)s") % {"line": line, "error": exc.message},
                               field="file") from exc
        count += 1
    audit_record(actor=acting_user, unit=plan.unit, verb=AuditVerb.PLAN_IMPORTED, obj=plan, details={"rows": count})
    return count
