"""
State changes of the unit directory: create, update, merge, rename, move, dissolve.
Every change writes a UnitChange row in the same transaction; nothing is ever deleted.
Each operation is idempotent: applying it again when it already holds changes nothing, so
data files can be re-run.
"""
from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from egov.core.audit import audit_record
from egov.core.db import service
from egov.core.errors import InvalidInput, PermissionDeniedError
from egov.core.messages import message_fields

from . import messages as M
from .choices import AuditVerb, ReorganisationAction, Role
from .models import PATH_STEP, Division, Membership, Unit, UnitChange, UnitGroup
from .selectors import user_has_role

__all__ = [
    "unit_create",
    "unit_update",
    "unit_merge",
    "unit_rename",
    "unit_move",
    "unit_dissolve",
    "unit_tree_rebuild",
    "unit_group_save",
    "unit_group_delete",
    "division_create",
    "division_update",
    "division_member_set",
]

TRACKED_FIELDS = (
    "name", "short_name", "kind", "valid_from", "valid_to", "address", "email", "phone", "fax", "website",
    "is_local", "peer_ref", "is_demo_code",
)


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def _path_for(unit: Unit, parent: Unit | None) -> str:
    return (parent.path if parent else "") + f"{unit.pk:0{PATH_STEP}d}/"


def _set_path(unit: Unit) -> None:
    """Recompute the path of ``unit`` and rewrite the paths of all its descendants."""
    parent = Unit.objects.get(pk=unit.parent_id) if unit.parent_id else None
    old_path = unit.path
    new_path = _path_for(unit, parent)
    if old_path == new_path:
        return
    depth = new_path.count("/") - 1
    Unit.objects.filter(pk=unit.pk).update(path=new_path, depth=depth)
    if old_path:
        # One pass over the subtree; depth changes by the same amount for every descendant.
        delta = depth - unit.depth
        for d in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).only("pk", "path", "depth"):
            d.path = new_path + d.path[len(old_path):]
            d.depth = d.depth + delta
            Unit.objects.filter(pk=d.pk).update(path=d.path, depth=d.depth)
    unit.path, unit.depth = new_path, depth


def unit_tree_rebuild() -> int:
    """Recompute every path from the parent links (after a bulk import). Returns rows changed."""
    units = {u.pk: u for u in Unit.objects.only("pk", "parent_id", "path", "depth")}
    cache: dict[int, str] = {}

    def path_of(pk: int, seen: tuple = ()) -> str:
        if pk in cache:
            return cache[pk]
        if pk in seen:
            raise ValidationError(_("The unit hierarchy contains a cycle."))
        u = units[pk]
        prefix = path_of(u.parent_id, seen + (pk,)) if u.parent_id else ""
        cache[pk] = prefix + f"{pk:0{PATH_STEP}d}/"
        return cache[pk]

    changed = []
    for pk, u in units.items():
        p = path_of(pk)
        if u.path != p:
            u.path, u.depth = p, p.count("/") - 1
            changed.append(u)
    Unit.objects.bulk_update(changed, ["path", "depth"], batch_size=500)
    return len(changed)


ACTION_VERBS = {
    ReorganisationAction.CREATE: AuditVerb.UNIT_CREATED, ReorganisationAction.UPDATE: AuditVerb.UNIT_UPDATED,
    ReorganisationAction.MERGE: AuditVerb.UNIT_MERGED, ReorganisationAction.RENAME: AuditVerb.UNIT_RENAMED,
    ReorganisationAction.MOVE: AuditVerb.UNIT_MOVED, ReorganisationAction.DISSOLVE: AuditVerb.UNIT_DISSOLVED,
}


def _record(unit, action, *, effective_date=None, related=None, old=None, new=None, note="", actor=None):
    """The unit's history row (UnitChange) and its audit row, in the caller's transaction."""
    audit_record(actor=actor, unit=unit, verb=ACTION_VERBS[action], obj=unit,
                 details={"effective_date": _jsonable(effective_date), "related": related.code if related else None,
                          "new": {k: _jsonable(v) for k, v in (new or {}).items()}})
    UnitChange.objects.create(
        unit=unit,
        action=action,
        effective_date=effective_date,
        related_unit=related,
        old_values={k: _jsonable(v) for k, v in (old or {}).items()},
        new_values={k: _jsonable(v) for k, v in (new or {}).items()},
        **_note_fields(note),
        actor=actor,
    )


def _note_fields(note) -> dict:
    """``note``, ``note_code`` and ``note_params`` of a history row: a ``Msg`` of the portal or a person's words."""
    f = message_fields(note, limit=500)
    return {"note": f["text"], "note_code": f["code"], "note_params": f["params"]}


@service
def unit_create(*, code: str, name: str, short_name: str, kind: str, parent: Unit | None = None,
                actor=None, note="", **fields) -> Unit:
    """Create a unit (validated) with its path and a 'create' history row."""
    unit = Unit(code=code, name=name, short_name=short_name, kind=kind, parent=parent, **fields)
    unit.full_clean(exclude=["path"])
    unit.save()
    _set_path(unit)
    _record(unit, ReorganisationAction.CREATE, effective_date=unit.valid_from, related=parent,
            new={"code": code, "name": name, "short_name": short_name, "kind": kind}, note=note, actor=actor)
    return unit


@service
def unit_update(*, unit: Unit, actor=None, note="", parent: Unit | None | object = ..., successor=...,
                **fields) -> bool:
    """Change fields of a unit; records the old and new values. Returns False if nothing changed."""
    unit = Unit.objects.select_for_update(no_key=True).get(pk=unit.pk)
    old, new = {}, {}
    for key, value in fields.items():
        if key not in TRACKED_FIELDS:
            raise ValueError(f"unit_update cannot change {key!r}")
        if getattr(unit, key) != value:
            old[key], new[key] = getattr(unit, key), value
            setattr(unit, key, value)
    parent_changed = parent is not ... and unit.parent_id != (parent.pk if parent else None)
    if parent_changed:
        old["parent"], new["parent"] = unit.parent.code if unit.parent_id else None, parent.code if parent else None
        unit.parent = parent
    if successor is not ... and unit.successor_id != (successor.pk if successor else None):
        old["successor"] = unit.successor.code if unit.successor_id else None
        new["successor"] = successor.code if successor else None
        unit.successor = successor
    if not old:
        return False
    unit.full_clean(exclude=["path"])
    unit.save()
    if parent_changed:
        _set_path(unit)
    _record(unit, ReorganisationAction.UPDATE, old=old, new=new, note=note, actor=actor)
    return True


def _day_before(date: datetime.date) -> datetime.date:
    return date - datetime.timedelta(days=1)


@service
def unit_merge(*, sources: Sequence[Unit], target: Unit, effective_date: datetime.date, actor=None,
               note="") -> list[Unit]:
    """
    Merge ``sources`` into ``target`` from ``effective_date``: each source is closed the day
    before (``valid_to``) with ``successor=target``; its units still open below it move under
    the target. History rows are written for every unit touched. Sources already merged into
    the target are skipped (re-runs are harmless). Returns the sources actually merged.
    """
    if not sources:
        raise ValidationError(_("A merger needs at least one unit to merge."))
    closing = _day_before(effective_date)
    target = Unit.objects.select_for_update(no_key=True).get(pk=target.pk)
    if not target.is_active(effective_date):
        raise ValidationError(_("%(name)s does not exist on %(date)s.") % {"name": target.name, "date": effective_date})
    merged = []
    for src in Unit.objects.select_for_update(no_key=True).filter(pk__in=[s.pk for s in sources]).order_by("pk"):
        if src.pk == target.pk:
            continue  # "A and B become A": A simply continues.
        if src.successor_id == target.pk and src.valid_to == closing:
            continue
        if src.valid_to is not None and src.valid_to < closing:
            raise ValidationError(
                _("%(name)s already ended on %(date)s.") % {"name": src.name, "date": src.valid_to}
            )
        old = {"valid_to": src.valid_to, "successor": src.successor.code if src.successor_id else None}
        src.valid_to, src.successor = closing, target
        src.full_clean(exclude=["path"])
        src.save(update_fields=["valid_to", "successor", "updated_at"])
        _record(src, ReorganisationAction.MERGE, effective_date=effective_date, related=target, old=old,
                new={"valid_to": closing, "successor": target.code}, note=note, actor=actor)
        for child in Unit.objects.filter(parent=src).active(effective_date):
            unit_move(unit=child, new_parent=target, effective_date=effective_date, actor=actor,
                      note=M.PARENT_MERGED(name=src.name))
        merged.append(src)
    return merged


@service
def unit_rename(*, unit: Unit, name: str, short_name: str | None = None, effective_date: datetime.date | None = None,
                actor=None, note="") -> bool:
    """Rename a unit (same code); the old names stay in its history. Returns False if unchanged."""
    unit = Unit.objects.select_for_update(no_key=True).get(pk=unit.pk)
    short_name = short_name or unit.short_name
    if unit.name == name and unit.short_name == short_name:
        return False
    old = {"name": unit.name, "short_name": unit.short_name}
    unit.name, unit.short_name = name, short_name
    unit.full_clean(exclude=["path"])
    unit.save(update_fields=["name", "short_name", "updated_at"])
    _record(unit, ReorganisationAction.RENAME, effective_date=effective_date, old=old,
            new={"name": name, "short_name": short_name}, note=note, actor=actor)
    return True


@service
def unit_move(*, unit: Unit, new_parent: Unit | None, effective_date: datetime.date | None = None, actor=None,
              note="") -> bool:
    """Move a unit (and its subtree) under another parent. Returns False if already there."""
    unit = Unit.objects.select_for_update(no_key=True).get(pk=unit.pk)
    if unit.parent_id == (new_parent.pk if new_parent else None):
        return False
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValidationError(_("A unit cannot be moved below itself."))
    old = {"parent": unit.parent.code if unit.parent_id else None}
    unit.parent = new_parent
    unit.save(update_fields=["parent", "updated_at"])
    _set_path(unit)
    _record(unit, ReorganisationAction.MOVE, effective_date=effective_date, related=new_parent, old=old,
            new={"parent": new_parent.code if new_parent else None}, note=note, actor=actor)
    return True


@service
def unit_dissolve(*, unit: Unit, effective_date: datetime.date, successor: Unit | None = None, actor=None,
                  note="") -> bool:
    """
    Dissolve a unit from ``effective_date`` (closed the day before). Refused while units
    below it still exist on that date: they must be merged or moved first, so that no unit is
    left under a parent that no longer exists. Returns False if already dissolved so.
    """
    closing = _day_before(effective_date)
    unit = Unit.objects.select_for_update(no_key=True).get(pk=unit.pk)
    if unit.valid_to == closing and unit.successor_id == (successor.pk if successor else None):
        return False
    if unit.valid_to is not None and unit.valid_to < closing:
        raise ValidationError(_("%(name)s already ended on %(date)s.") % {"name": unit.name, "date": unit.valid_to})
    remaining = list(Unit.objects.filter(parent=unit).active(effective_date).values_list("name", flat=True)[:5])
    if remaining:
        raise ValidationError(
            _("%(name)s still has units on %(date)s: %(units)s.")
            % {"name": unit.name, "date": effective_date, "units": ", ".join(remaining)}
        )
    old = {"valid_to": unit.valid_to, "successor": unit.successor.code if unit.successor_id else None}
    unit.valid_to, unit.successor = closing, successor
    unit.full_clean(exclude=["path"])
    unit.save(update_fields=["valid_to", "successor", "updated_at"])
    _record(unit, ReorganisationAction.DISSOLVE, effective_date=effective_date, related=successor, old=old,
            new={"valid_to": closing, "successor": successor.code if successor else None}, note=note, actor=actor)
    return True


def _require_list_manager(*, owner: Unit, acting_user) -> None:
    if not user_has_role(user=acting_user, unit=owner, roles=(Role.CLERK, Role.UNIT_ADMIN)):
        raise PermissionDenied(_("Only the clerks and administrators of %(unit)s manage its recipient lists.")
                               % {"unit": owner.name})


@service
def unit_group_save(*, owner: Unit, name: str, members: Sequence[Unit], acting_user,
                    group: UnitGroup | None = None) -> UnitGroup:
    """Create or replace a saved recipient list of ``owner`` (clerks and unit admins)."""
    _require_list_manager(owner=owner, acting_user=acting_user)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the list a name.")})
    if not members:
        raise ValidationError({"units": _("Choose at least one unit.")})
    clash = UnitGroup.objects.filter(owner=owner, name=name).exclude(pk=group.pk if group else None)
    if clash.exists():
        raise ValidationError({"name": _("Your unit already has a list named %(name)s.") % {"name": name}})
    if group is None:
        group = UnitGroup.objects.create(owner=owner, name=name[:200])
    else:
        group.name = name[:200]
        group.save(update_fields=["name"])
    group.members.set(members)
    audit_record(actor=acting_user, unit=owner, verb=AuditVerb.UNIT_GROUP_SAVED, obj=group,
                 details={"name": group.name, "members": [u.code for u in members][:500]})
    return group


@service
def unit_group_delete(*, group: UnitGroup, acting_user) -> None:
    _require_list_manager(owner=group.owner, acting_user=acting_user)
    audit_record(actor=acting_user, unit=group.owner, verb=AuditVerb.UNIT_GROUP_DELETED, obj=group,
                 details={"name": group.name})
    group.delete()


# --- divisions ------------------------------------------------------------------------------

def _require_unit_admin(*, unit: Unit, acting_user) -> None:
    if acting_user is None or getattr(acting_user, "is_superuser", False):
        return  # management commands and the superuser
    if not user_has_role(user=acting_user, unit=unit, roles=(Role.UNIT_ADMIN,)):
        raise PermissionDeniedError(_("Only the administrators of %(unit)s manage its divisions.")
                                    % {"unit": unit.name})


def _division_clean(*, unit: Unit, name: str, short_name: str, is_office: bool, exclude_pk=None) -> tuple[str, str]:
    name, short_name = (name or "").strip(), (short_name or "").strip()
    if not name:
        raise InvalidInput(_("Give the division a name."), field="name")
    if not short_name:
        raise InvalidInput(_("Give the division a short name (e.g. VP)."), field="short_name")
    others = Division.objects.filter(unit=unit).exclude(pk=exclude_pk)
    if others.filter(short_name=short_name).exists():
        raise InvalidInput(_("%(unit)s already has a division named %(name)s.")
                           % {"unit": unit.name, "name": short_name}, field="short_name")
    if is_office and others.filter(is_office=True, is_active=True).exists():
        raise InvalidInput(_("%(unit)s already has an office division.") % {"unit": unit.name}, field="is_office")
    return name[:200], short_name[:20]


@service
def division_create(*, unit: Unit, name: str, short_name: str, acting_user=None, is_office: bool = False,
                    position: int = 0) -> Division:
    """A new division of ``unit`` (its administrators, or a management command)."""
    _require_unit_admin(unit=unit, acting_user=acting_user)
    name, short_name = _division_clean(unit=unit, name=name, short_name=short_name, is_office=is_office)
    division = Division.objects.create(unit=unit, name=name, short_name=short_name, is_office=is_office,
                                       position=position)
    audit_record(actor=acting_user, unit=unit, verb=AuditVerb.DIVISION_CREATED, obj=division,
                 details={"name": name, "short_name": short_name, "is_office": is_office})
    return division


@service
def division_update(*, division: Division, acting_user=None, name: str | None = None, short_name: str | None = None,
                    is_office: bool | None = None, is_active: bool | None = None) -> Division:
    division = Division.objects.select_for_update(no_key=True).select_related("unit").get(pk=division.pk)
    _require_unit_admin(unit=division.unit, acting_user=acting_user)
    new_office = division.is_office if is_office is None else is_office
    new_name, new_short = _division_clean(unit=division.unit, name=division.name if name is None else name,
                                          short_name=division.short_name if short_name is None else short_name,
                                          is_office=new_office and (division.is_active if is_active is None
                                                                    else is_active),
                                          exclude_pk=division.pk)
    old = {"name": division.name, "short_name": division.short_name, "is_office": division.is_office,
           "is_active": division.is_active}
    division.name, division.short_name, division.is_office = new_name, new_short, new_office
    if is_active is not None:
        division.is_active = is_active
    division.save()
    audit_record(actor=acting_user, unit=division.unit, verb=AuditVerb.DIVISION_UPDATED, obj=division,
                 details={"old": old, "new": {"name": division.name, "short_name": division.short_name,
                                              "is_office": division.is_office, "is_active": division.is_active}})
    return division


@service
def division_member_set(*, unit: Unit, user, division: Division | None, is_head: bool = False,
                        acting_user=None) -> int:
    """
    Put ``user`` (who must hold a role in ``unit``) in ``division`` — as one of its heads when
    ``is_head`` — or take them out of any division (``division=None``). Every membership the
    user holds in the unit names the same division. Returns the memberships changed.
    """
    _require_unit_admin(unit=unit, acting_user=acting_user)
    if division is not None and division.unit_id != unit.pk:
        raise InvalidInput(_("The division %(division)s belongs to another unit.") % {"division": division.name},
                           field="division")
    if division is not None and not division.is_active:
        raise InvalidInput(_("The division %(division)s is closed.") % {"division": division.name}, field="division")
    rows = list(Membership.objects.select_for_update(no_key=True).filter(unit=unit, user=user, is_active=True)
                .order_by("pk"))
    if not rows:
        raise InvalidInput(_("%(user)s holds no role in %(unit)s.") % {"user": user, "unit": unit.name},
                           field="user")
    head = bool(is_head and division is not None)
    changed = Membership.objects.filter(pk__in=[m.pk for m in rows]).update(division=division, is_division_head=head)
    audit_record(actor=acting_user, unit=unit, verb=AuditVerb.DIVISION_MEMBER_SET, obj=rows[0],
                 details={"user": user.pk, "division": division.pk if division else None, "is_head": head})
    return changed
