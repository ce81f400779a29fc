"""
Remote units from a directory published by a peer system (the national axis / LGSP agency list,
~111,000 entries): ``RemoteDirectorySync`` takes the entries in batches (the caller streams
them), so memory stays bounded by a few dictionaries of codes whatever the list's size.

- New agencies are inserted in bulk as remote units of ``peer_ref`` (kind "other": the groups of
  the province never include them), each with its history row (``UnitChange`` "create").
- Renames go through ``unit_rename``, contact changes through ``unit_update``, a parent that changed
  through ``unit_move``, agencies that disappeared from a complete list through ``unit_dissolve``
  (from today; history kept, nothing deleted). Incremental and idempotent: a second run of the
  same list changes nothing.
- Codes that are local units, or remote units hosted by another peer, are left alone.
"""
from __future__ import annotations

import datetime
import logging

from django.db import connection
from django.utils import timezone

from egov.core.db import service_atomic
from egov.core.errors import ServiceError
from egov.core.text import search_key

from .choices import ReorganisationAction, UnitKind
from .models import PATH_STEP, Unit, UnitChange
from .services import unit_dissolve, unit_move, unit_rename, unit_update
from .validators import UNIT_CODE_RE

__all__ = ["RemoteDirectorySync", "CONTACT_FIELDS"]

log = logging.getLogger(__name__)
CONTACT_FIELDS = ("address", "email", "phone", "fax", "website")


def _clip(value, size: int) -> str:
    return str(value or "").strip()[:size]


def _write_tree(rows: list[tuple[int, int | None, str, int]]) -> None:
    """Parent, path and depth of many units: one UPDATE … FROM (VALUES …) on PostgreSQL (a CASE per
    row, as bulk_update writes, is quadratic in the batch), bulk_update elsewhere."""
    if connection.vendor == "postgresql":
        from psycopg2.extras import execute_values

        with connection.cursor() as cursor:
            execute_values(cursor.cursor, "UPDATE units_unit AS u SET parent_id = v.parent, path = v.path, "
                           "depth = v.depth FROM (VALUES %s) AS v(id, parent, path, depth) WHERE u.id = v.id",
                           rows, template="(%s::bigint, %s::bigint, %s, %s::smallint)", page_size=len(rows))
        return
    Unit.objects.bulk_update([Unit(pk=pk, parent_id=parent, path=path, depth=depth) for pk, parent, path, depth in rows],
                             ["parent", "path", "depth"], batch_size=500)


class RemoteDirectorySync:
    def __init__(self, *, peer_ref: str, actor=None, note: str = "", batch_size: int = 2000,
                 effective_date: datetime.date | None = None):
        self.peer_ref = peer_ref
        self.actor, self.note, self.batch_size = actor, note, batch_size
        self.today = effective_date or timezone.localdate()
        self.parent_of: dict[str, str] = {}   # code → parent code, for every entry seen
        self.batch: list[dict] = []
        self.counts = {"entries": 0, "created": 0, "renamed": 0, "updated": 0, "moved": 0, "dissolved": 0,
                       "restored": 0, "invalid": 0, "foreign": 0, "unchanged": 0}

    def add(self, entry: dict) -> None:
        code = _clip(entry.get("code"), 13)
        self.counts["entries"] += 1
        if not UNIT_CODE_RE.match(code) or code in self.parent_of:
            self.counts["invalid"] += 1
            return
        self.parent_of[code] = _clip(entry.get("parent_code"), 13)
        self.batch.append({"code": code, "name": _clip(entry.get("name"), 255) or code,
                           "short_name": _clip(entry.get("short_name"), 50),
                           **{f: _clip(entry.get(f), 254 if f == "email" else 255) for f in CONTACT_FIELDS}})
        if len(self.batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        existing = {u.code: u for u in Unit.objects.filter(code__in=[e["code"] for e in batch]).only(
            "pk", "code", "name", "short_name", "is_local", "peer_ref", "valid_to", *CONTACT_FIELDS)}
        new = []
        with service_atomic():
            for e in batch:
                unit = existing.get(e["code"])
                if unit is None:
                    new.append(Unit(code=e["code"], name=e["name"], short_name=e["short_name"] or e["code"][:50],
                                    kind=UnitKind.OTHER, is_local=False, peer_ref=self.peer_ref,
                                    search_text=search_key(e["name"], e["short_name"], e["code"]),
                                    **{f: e[f] for f in CONTACT_FIELDS}))
                    continue
                if unit.is_local or unit.peer_ref != self.peer_ref:
                    self.counts["foreign"] += 1
                    continue
                changed = False
                if unit.valid_to is not None:
                    unit_update(unit=unit, valid_to=None, actor=self.actor, note=self.note)
                    self.counts["restored"] += 1
                    changed = True
                if unit.name != e["name"] or (e["short_name"] and unit.short_name != e["short_name"]):
                    unit_rename(unit=unit, name=e["name"], short_name=e["short_name"] or None,
                                effective_date=self.today, actor=self.actor, note=self.note)
                    self.counts["renamed"] += 1
                    changed = True
                contact = {f: e[f] for f in CONTACT_FIELDS if getattr(unit, f) != e[f]}
                if contact:
                    unit_update(unit=unit, actor=self.actor, note=self.note, **contact)
                    self.counts["updated"] += 1
                    changed = True
                if not changed:
                    self.counts["unchanged"] += 1
            if new:
                created = Unit.objects.bulk_create(new, batch_size=self.batch_size)
                if any(u.pk is None for u in created):
                    created = list(Unit.objects.filter(code__in=[u.code for u in new]))
                UnitChange.objects.bulk_create(
                    [UnitChange(unit=u, action=ReorganisationAction.CREATE, actor=self.actor, note=self.note[:500],
                                new_values={"code": u.code, "name": u.name, "peer_ref": self.peer_ref})
                     for u in created], batch_size=self.batch_size)
                self.counts["created"] += len(created)

    def finish(self, *, complete: bool = True) -> dict:
        """Parents and tree paths, then (for a complete list) the agencies that disappeared."""
        self.flush()
        pk_of: dict[str, int] = {}
        parent_now: dict[int, int | None] = {}
        created_ids = set()
        for pk, code, parent_id, path in Unit.objects.filter(peer_ref=self.peer_ref, is_local=False).values_list(
                "pk", "code", "parent_id", "path").iterator(chunk_size=5000):
            pk_of[code] = pk
            parent_now[pk] = parent_id
            if not path:
                created_ids.add(pk)
        outside = {c for c in set(self.parent_of.values()) if c and c not in pk_of}
        for pk, code in Unit.objects.filter(code__in=outside).values_list("pk", "code"):
            pk_of[code] = pk
        bulk_parent = []
        for code, parent_code in self.parent_of.items():
            pk = pk_of.get(code)
            if pk is None or pk not in parent_now:
                continue
            wanted = pk_of.get(parent_code) if parent_code and parent_code != code else None
            if wanted == parent_now[pk]:
                continue
            if pk in created_ids:
                bulk_parent.append((pk, wanted))
                parent_now[pk] = wanted
            else:
                try:
                    unit_move(unit=Unit.objects.get(pk=pk), new_parent=Unit.objects.get(pk=wanted) if wanted else None,
                              effective_date=self.today, actor=self.actor, note=self.note)
                    parent_now[pk] = wanted
                    self.counts["moved"] += 1
                except (ServiceError, Exception) as exc:  # noqa: BLE001 - a cycle in the list must not stop the sync
                    log.warning("directory sync: cannot move %s under %s: %s", code, parent_code, exc)
        self._paths(parent_now, created_ids | {pk for pk, _p in bulk_parent})
        if complete:
            self._disappeared()
        return self.counts

    def _paths(self, parent_now: dict[int, int | None], dirty: set[int]) -> None:
        """Materialised paths of the units whose parent was set here (and their descendants among the new ones)."""
        if not dirty:
            return
        external = {p for p in parent_now.values() if p is not None and p not in parent_now}
        path_of: dict[int, str] = dict(Unit.objects.filter(pk__in=external).values_list("pk", "path"))

        def resolve(pk: int) -> str:
            chain = []
            while pk not in path_of:
                chain.append(pk)
                parent = parent_now.get(pk)
                if parent is None or parent in chain or len(chain) > 64:
                    break
                pk = parent
            prefix = path_of.get(pk, "") if pk not in chain else ""
            for item in reversed(chain):
                prefix = prefix + f"{item:0{PATH_STEP}d}/"
                path_of[item] = prefix
            return path_of[chain[0]] if chain else path_of[pk]

        rows = []
        for pk in dirty:
            p = resolve(pk)
            rows.append((pk, parent_now.get(pk), p, p.count("/") - 1))
            if len(rows) >= self.batch_size:
                _write_tree(rows)
                rows = []
        if rows:
            _write_tree(rows)

    def _disappeared(self) -> None:
        gone = [pk for pk, code in Unit.objects.filter(peer_ref=self.peer_ref, is_local=False, valid_to__isnull=True)
                .values_list("pk", "code").iterator(chunk_size=5000) if code not in self.parent_of]
        # Children first: a unit is dissolved only once nothing below it still exists.
        for unit in Unit.objects.filter(pk__in=gone).order_by("-depth"):
            try:
                if unit_dissolve(unit=unit, effective_date=self.today, actor=self.actor,
                                 note=self.note or "not in the directory any more"):
                    self.counts["dissolved"] += 1
            except ServiceError as exc:
                log.warning("directory sync: %s stays: %s", unit.code, exc)
