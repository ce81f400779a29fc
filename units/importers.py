"""
Loading a province's unit directory and its reorganisations from CSV files.

``units_import_csv`` reads the whole file, validates every row (collecting every error with
its row number) and writes nothing unless all rows are good; then it upserts by code in one
transaction. ``reorganisation_apply_csv`` applies merge/rename/move/dissolve rows in order
through the services, also all-or-nothing. Both are idempotent: a second run changes nothing.
"""
from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from egov.core.db import service_atomic

from .choices import ReorganisationAction, UnitKind
from .models import Unit
from .services import (
    unit_create,
    unit_dissolve,
    unit_merge,
    unit_move,
    unit_rename,
    unit_tree_rebuild,
    unit_update,
)
from .validators import validate_unit_code

__all__ = ["ImportReport", "ImportFailed", "units_import_csv", "reorganisation_apply_csv", "UNIT_COLUMNS",
           "REORG_COLUMNS"]

UNIT_COLUMNS = ["code", "name", "short_name", "kind", "parent_code", "valid_from", "valid_to", "successor_code",
                "address", "email", "phone", "fax", "website"]
OPTIONAL_UNIT_COLUMNS = ["is_local", "peer_ref", "is_demo_code"]
REORG_COLUMNS = ["effective_date", "action", "target_code", "target_name", "target_short_name", "target_kind",
                 "target_parent_code", "source_codes", "note"]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    applied: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


class ImportFailed(Exception):
    """Raised with every row error; nothing has been written."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def _read_rows(source, required: list[str]) -> list[tuple[int, dict]]:
    try:
        if isinstance(source, (str, Path)):
            text = Path(source).read_text(encoding="utf-8-sig")
        else:
            text = source.read()
            if isinstance(text, bytes):
                text = text.decode("utf-8-sig")
    except UnicodeDecodeError:  # found by fuzzing (tests/fuzz): a refusal, not a crash
        raise ImportFailed([_("The file is not UTF-8 text (save the spreadsheet as CSV UTF-8).")]) from None
    try:
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportFailed([_("Missing columns: %(cols)s") % {"cols": ", ".join(missing)}])
        # Row numbers as a spreadsheet shows them: the header is row 1.
        return [(n, {k: (v if isinstance(v, str) else "").strip() for k, v in row.items() if isinstance(k, str) and k})
                for n, row in enumerate(reader, start=2)]
    except csv.Error as exc:
        raise ImportFailed([_("The file is not a readable CSV file: %(error)s") % {"error": exc}]) from None


def _date(value: str, row: int, column: str, errors: list[str]) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        errors.append(_("Row %(row)d: %(col)s %(value)r is not a date (YYYY-MM-DD).")
                      % {"row": row, "col": column, "value": value})
        return None


def _bool(value: str, default: bool) -> bool:
    if value == "":
        return default
    return value.lower() in {"1", "true", "yes", "y", "x", "có"}


def units_import_csv(source, *, actor=None, dry_run: bool = False) -> ImportReport:
    rows = _read_rows(source, UNIT_COLUMNS)
    errors: list[str] = []
    parsed: dict[str, dict] = {}
    kinds = set(UnitKind.values)
    for n, row in rows:
        code = row["code"]
        try:
            validate_unit_code(code)
        except ValidationError:
            errors.append(_("Row %(row)d: %(code)r is not a valid agency code (000.00.00.H41).")
                          % {"row": n, "code": code})
            continue
        if code in parsed:
            errors.append(_("Row %(row)d: code %(code)s appears twice (first on row %(first)d).")
                          % {"row": n, "code": code, "first": parsed[code]["_row"]})
            continue
        if not row["name"]:
            errors.append(_("Row %(row)d: the name is empty.") % {"row": n})
        if not row["short_name"]:
            errors.append(_("Row %(row)d: the short name is empty.") % {"row": n})
        if row["kind"] not in kinds:
            errors.append(_("Row %(row)d: kind %(kind)r is not one of %(kinds)s.")
                          % {"row": n, "kind": row["kind"], "kinds": ", ".join(sorted(kinds))})
        if row["email"]:
            try:
                validate_email(row["email"])
            except ValidationError:
                errors.append(_("Row %(row)d: %(email)r is not an e-mail address.") % {"row": n, "email": row["email"]})
        valid_from = _date(row["valid_from"], n, "valid_from", errors)
        valid_to = _date(row["valid_to"], n, "valid_to", errors)
        if valid_from and valid_to and valid_to < valid_from:
            errors.append(_("Row %(row)d: valid_to is before valid_from.") % {"row": n})
        is_local = _bool(row.get("is_local", ""), True)
        if not is_local and not row.get("peer_ref"):
            errors.append(_("Row %(row)d: a remote unit needs peer_ref.") % {"row": n})
        parsed[code] = {
            "_row": n,
            "name": row["name"][:255],
            "short_name": row["short_name"][:30],
            "kind": row["kind"],
            "valid_from": valid_from,
            "valid_to": valid_to,
            "address": row["address"][:255],
            "email": row["email"],
            "phone": row["phone"][:50],
            "fax": row["fax"][:50],
            "website": row["website"][:255],
            "is_local": is_local,
            "peer_ref": row.get("peer_ref", "")[:100],
            "is_demo_code": _bool(row.get("is_demo_code", ""), False),
            "parent_code": row["parent_code"],
            "successor_code": row["successor_code"],
        }
    referenced = {c for p in parsed.values() for c in (p["parent_code"], p["successor_code"]) if c}
    existing = set(Unit.objects.filter(code__in=referenced).values_list("code", flat=True))
    for code, p in parsed.items():
        for col in ("parent_code", "successor_code"):
            ref = p[col]
            if ref and ref not in parsed and ref not in existing:
                errors.append(_("Row %(row)d: %(col)s %(ref)s is neither in the file nor in the directory.")
                              % {"row": p["_row"], "col": col, "ref": ref})
            if ref == code:
                errors.append(_("Row %(row)d: a unit cannot be its own %(col)s.") % {"row": p["_row"], "col": col})
    if errors:
        raise ImportFailed(errors)

    report = ImportReport()
    with service_atomic():
        current = {u.code: u for u in Unit.objects.filter(code__in=list(parsed) + list(referenced))}
        # Pass 1: create or update every unit's own fields.
        for code, p in parsed.items():
            fields = {k: v for k, v in p.items() if not k.startswith("_") and k not in ("parent_code", "successor_code")}
            unit = current.get(code)
            if unit is None:
                unit = Unit(code=code, **fields)
                unit.full_clean(exclude=["path", "parent", "successor"])
                unit.save()
                current[code] = unit
                report.created += 1
                p["_new"] = True
            elif unit_update(unit=unit, actor=actor, note=_("CSV import"), **fields):
                current[code] = Unit.objects.get(pk=unit.pk)
                report.updated += 1
                p["_changed"] = True
        # Pass 2: links, now that every unit exists.
        for code, p in parsed.items():
            unit = current[code]
            parent = current.get(p["parent_code"]) if p["parent_code"] else None
            successor = current.get(p["successor_code"]) if p["successor_code"] else None
            if p.get("_new"):
                Unit.objects.filter(pk=unit.pk).update(parent=parent, successor=successor)
                unit.parent, unit.successor = parent, successor
            elif unit_update(unit=unit, parent=parent, successor=successor, actor=actor, note=_("CSV import")):
                if not p.get("_changed"):
                    report.updated += 1
            elif not p.get("_changed"):
                report.unchanged += 1
        try:
            unit_tree_rebuild()
        except ValidationError as exc:  # e.g. two new units each the other's parent: nothing is written
            raise ImportFailed(list(exc.messages)) from None
        from .services import _record  # history row for units first seen in this import

        for code, p in parsed.items():
            if p.get("_new"):
                _record(current[code], ReorganisationAction.CREATE, effective_date=p["valid_from"],
                        new={"code": code, "name": p["name"]}, note=_("CSV import"), actor=actor)
        if dry_run:
            transaction.set_rollback(True)
    return report


def reorganisation_apply_csv(source, *, actor=None, dry_run: bool = False) -> ImportReport:
    rows = _read_rows(source, REORG_COLUMNS)
    errors: list[str] = []
    report = ImportReport()
    actions = set(ReorganisationAction.values)
    with service_atomic():
        for n, row in rows:
            action = row["action"]
            date = _date(row["effective_date"], n, "effective_date", errors)
            if action not in actions or action == ReorganisationAction.UPDATE:
                errors.append(_("Row %(row)d: unknown action %(action)r.") % {"row": n, "action": action})
                continue
            if date is None:
                errors.append(_("Row %(row)d: effective_date is required.") % {"row": n})
                continue
            codes = [c.strip() for c in row["source_codes"].split(";") if c.strip()]
            by_code = Unit.objects.in_bulk(codes + [row["target_code"], row["target_parent_code"]], field_name="code")
            unknown = [c for c in codes if c not in by_code]
            if unknown:
                errors.append(_("Row %(row)d: unknown unit codes %(codes)s.") % {"row": n, "codes": ", ".join(unknown)})
                continue
            sources = [by_code[c] for c in codes]
            note = row["note"]
            try:
                with transaction.atomic():
                    changed = _apply_row(action, row, date, sources, by_code, actor=actor, note=note)
            except ValidationError as exc:
                errors.append(_("Row %(row)d: %(error)s") % {"row": n, "error": "; ".join(exc.messages)})
                continue
            if changed:
                report.applied += 1
            else:
                report.skipped += 1
        if errors:
            transaction.set_rollback(True)
            raise ImportFailed(errors)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _apply_row(action, row, date, sources, by_code, *, actor, note) -> bool:
    parent = by_code.get(row["target_parent_code"]) if row["target_parent_code"] else None
    if row["target_parent_code"] and parent is None:
        raise ValidationError(_("unknown parent %(code)s") % {"code": row["target_parent_code"]})
    target = by_code.get(row["target_code"]) if row["target_code"] else None
    if action == ReorganisationAction.MERGE:
        created = False
        if target is None:
            if not row["target_code"]:
                raise ValidationError(_("a merger needs target_code"))
            target = unit_create(code=row["target_code"], name=row["target_name"], short_name=row["target_short_name"],
                                 kind=row["target_kind"], parent=parent, valid_from=date, is_demo_code=True,
                                 actor=actor, note=note)
            created = True
        return bool(unit_merge(sources=sources, target=target, effective_date=date, actor=actor, note=note)) or created
    if action == ReorganisationAction.CREATE:
        if target is not None:
            return False
        unit_create(code=row["target_code"], name=row["target_name"], short_name=row["target_short_name"],
                    kind=row["target_kind"], parent=parent, valid_from=date, actor=actor, note=note)
        return True
    if action == ReorganisationAction.RENAME:
        if len(sources) != 1:
            raise ValidationError(_("a rename names exactly one unit"))
        return unit_rename(unit=sources[0], name=row["target_name"], short_name=row["target_short_name"] or None,
                           effective_date=date, actor=actor, note=note)
    if action == ReorganisationAction.MOVE:
        return any([unit_move(unit=s, new_parent=parent, effective_date=date, actor=actor, note=note) for s in sources])
    if action == ReorganisationAction.DISSOLVE:
        if row["target_code"] and target is None:
            raise ValidationError(_("unknown successor %(code)s") % {"code": row["target_code"]})
        return any([unit_dissolve(unit=s, effective_date=date, successor=target, actor=actor, note=note)
                    for s in sources])
    raise ValidationError(_("unsupported action %(action)s") % {"action": action})
