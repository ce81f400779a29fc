"""
Remote units from a directory published by a peer system (the national axis / LGSP agency list,
~111,000 entries): ``RemoteDirectorySync`` takes the entries one by one (the caller streams
them) and writes them in batches, so memory stays bounded by one batch and the set of codes seen.

- New agencies are written in bulk as remote units of ``peer_ref`` (kind "other": the groups of
  the province never include them), each with its history row (``UnitChange`` "create"). On
  PostgreSQL the batch's primary keys are drawn from the table's sequence first, so that each row
  is written once, with its parent, tree path and depth, by one ``COPY`` (the unit and its
  history row); elsewhere ``bulk_create`` then a path update.
- Existing agencies are compared first and written only when something changed: renames go
  through ``unit_rename``, contact changes through ``unit_update``, a parent that changed through
  ``unit_move``, agencies that disappeared from a complete list through ``unit_dissolve`` (from
  today; history kept, nothing deleted). Incremental and idempotent: a second run of the same list
  reads one query per batch and writes nothing.
- A parent named later in the list than its child is resolved at the end (the child was written
  as a root meanwhile); the tree paths of the peer's units are then recomputed once.
- Codes that are local units, or remote units hosted by another peer, are left alone.
- At the end (PostgreSQL) the trigram index's pending list is merged and the table analysed, so
  that the recipient search is fast at once rather than after the next autovacuum.
"""
from __future__ import annotations

import csv
import datetime
import io
import json
import logging

from django.db import connection, transaction
from django.utils import timezone

from egov.core.db import service_atomic
from egov.core.errors import ServiceError
from egov.core.messages import message_fields
from egov.core.text import search_key

from . import messages as M
from .choices import ReorganisationAction, UnitKind
from .models import PATH_STEP, Unit, UnitChange
from .services import unit_dissolve, unit_move, unit_rename, unit_update
from .validators import UNIT_CODE_RE

__all__ = ["RemoteDirectorySync", "CONTACT_FIELDS"]

log = logging.getLogger(__name__)
CONTACT_FIELDS = ("address", "email", "phone", "fax", "website")
MAX_LENGTH = {f: Unit._meta.get_field(f).max_length for f in ("name", "short_name", *CONTACT_FIELDS)}
_EXISTING = ("pk", "code", "name", "short_name", "is_local", "peer_ref", "valid_to", "parent_id", "path",
             *CONTACT_FIELDS)
TRIGRAM_INDEX = "units_unit_search_trgm"  # units 0003_h11_unit_search_trgm


def _clip(value, size: int) -> str:
    return str(value or "").strip()[:size]


def _step(pk: int) -> str:
    return f"{pk:0{PATH_STEP}d}/"


def _write_tree(rows: list[tuple[int, int | None, str, int]]) -> None:
    """Parent, path and depth of many units: one UPDATE … FROM (VALUES …) on PostgreSQL (a CASE per
    row, as bulk_update writes, is quadratic in the batch), bulk_update elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        from psycopg2.extras import execute_values

        with connection.cursor() as cursor:
            execute_values(cursor.cursor, "UPDATE units_unit AS u SET parent_id = v.parent, path = v.path, "
                           "depth = v.depth FROM (VALUES %s) AS v(id, parent, path, depth) WHERE u.id = v.id",
                           rows, template="(%s::bigint, %s::bigint, %s, %s::smallint)", page_size=len(rows))
        return
    Unit.objects.bulk_update([Unit(pk=pk, parent_id=parent, path=path, depth=depth) for pk, parent, path, depth in rows],
                             ["parent", "path", "depth"], batch_size=500)


def _copy(table: str, columns: list[str], rows: list[tuple], not_null: list[str]) -> None:
    """``COPY table (columns) FROM STDIN`` in CSV; an empty unquoted field is NULL except in ``not_null``."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    buf.seek(0)
    q = connection.ops.quote_name
    sql = (f"COPY {q(table)} ({', '.join(q(c) for c in columns)}) FROM STDIN WITH (FORMAT csv, "
           f"FORCE_NOT_NULL ({', '.join(q(c) for c in not_null)}))")
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, buf)


def _new_pks(n: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('units_unit', 'id')) FROM generate_series(1, %s)", [n])
        return [row[0] for row in cursor.fetchall()]


class RemoteDirectorySync:
    def __init__(self, *, peer_ref: str, actor=None, note="", batch_size: int = 5000,
                 effective_date: datetime.date | None = None):
        self.peer_ref = peer_ref
        # note: a Msg of the portal (stored as its code, read in the reader's language) or plain text
        self.actor, self.note, self.batch_size = actor, note, batch_size
        self._note = message_fields(note, limit=500)
        self.today = effective_date or timezone.localdate()
        self.seen: set[str] = set()                  # every code of the list (duplicates, disappearances)
        # (code, parent code, created by this run) whose parent was not in the directory yet when written
        self.deferred: list[tuple[str, str, bool]] = []
        self.batch: list[dict] = []
        self.counts = {"entries": 0, "created": 0, "renamed": 0, "updated": 0, "moved": 0, "dissolved": 0,
                       "restored": 0, "invalid": 0, "foreign": 0, "unchanged": 0}

    def add(self, entry: dict) -> None:
        code = _clip(entry.get("code"), 13)
        self.counts["entries"] += 1
        if not UNIT_CODE_RE.match(code) or code in self.seen:
            self.counts["invalid"] += 1
            return
        self.seen.add(code)
        parent = _clip(entry.get("parent_code"), 13)
        self.batch.append({"code": code, "parent": parent if parent != code else "",
                           "name": _clip(entry.get("name"), MAX_LENGTH["name"]) or code,
                           "short_name": _clip(entry.get("short_name"), MAX_LENGTH["short_name"]),
                           **{f: _clip(entry.get(f), MAX_LENGTH[f]) for f in CONTACT_FIELDS}})
        if len(self.batch) >= self.batch_size:
            self.flush()

    # --- one batch ------------------------------------------------------------------------------

    def flush(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        wanted = {e["code"] for e in batch} | {e["parent"] for e in batch if e["parent"]}
        known = {row[1]: dict(zip(_EXISTING, row)) for row in
                 Unit.objects.filter(code__in=wanted).values_list(*_EXISTING)}
        new = [e for e in batch if e["code"] not in known]
        with service_atomic():
            if new:
                self._create(new, known)
            for e in batch:
                row = known.get(e["code"])
                if row is not None and not row.get("created"):
                    self._compare(e, row, known)

    def _create(self, new: list[dict], known: dict) -> None:
        """Write the batch's new agencies (and their history rows), each with its parent and path when known."""
        now = timezone.now()
        if connection.vendor == "postgresql":
            for e, pk in zip(new, _new_pks(len(new))):
                e["pk"] = pk
        else:
            made = Unit.objects.bulk_create([Unit(code=e["code"], name=e["name"], short_name=e["short_name"] or
                                                  e["code"], kind=UnitKind.OTHER, is_local=False, peer_ref=self.peer_ref,
                                                  search_text=search_key(e["name"], e["short_name"], e["code"]),
                                                  **{f: e[f] for f in CONTACT_FIELDS}) for e in new])
            if any(u.pk is None for u in made):
                made = list(Unit.objects.filter(code__in=[e["code"] for e in new]))
            pk_of = {u.code: u.pk for u in made}
            for e in new:
                e["pk"] = pk_of[e["code"]]
        for e in new:
            known[e["code"]] = {"pk": e["pk"], "code": e["code"], "path": None, "created": True, "entry": e}

        def path_of(code: str, trail: tuple = ()) -> str:
            row = known[code]
            if row["path"] is None:
                parent = row["entry"]["parent"]
                above = known.get(parent) if parent else None
                if above is not None and parent not in trail and len(trail) < 64:
                    row["parent_id"] = above["pk"]
                    row["path"] = (path_of(parent, (*trail, code)) if above.get("created") else above["path"]) \
                        + _step(row["pk"])
                else:
                    if parent:
                        self.deferred.append((code, parent, True))
                    row["parent_id"], row["path"] = None, _step(row["pk"])
            return row["path"]

        units, changes = [], []
        stamp = now.isoformat()
        for e in new:
            path = path_of(e["code"])
            row = known[e["code"]]
            units.append((e["pk"], e["code"], e["name"], e["short_name"] or e["code"], UnitKind.OTHER,
                          row["parent_id"] or "", path, path.count("/") - 1, *(e[f] for f in CONTACT_FIELDS),
                          "f", self.peer_ref, "f", search_key(e["name"], e["short_name"], e["code"])[:400], stamp, stamp))
            changes.append((e["pk"], ReorganisationAction.CREATE, "{}",
                            json.dumps({"code": e["code"], "name": e["name"], "peer_ref": self.peer_ref},
                                       ensure_ascii=False), self._note["text"], self._note["code"],
                            json.dumps(self._note["params"], ensure_ascii=False), self.actor.pk if self.actor else "", stamp))
        if connection.vendor == "postgresql":
            text = ["code", "name", "short_name", "kind", "path", *CONTACT_FIELDS, "peer_ref", "search_text"]
            _copy("units_unit", ["id", "code", "name", "short_name", "kind", "parent_id", "path", "depth",
                                 *CONTACT_FIELDS, "is_local", "peer_ref", "is_demo_code", "search_text",
                                 "created_at", "updated_at"], units, text)
            _copy("units_unitchange", ["unit_id", "action", "old_values", "new_values", "note", "note_code",
                                       "note_params", "actor_id", "recorded_at"], changes,
                  ["action", "old_values", "new_values", "note", "note_code", "note_params"])
        else:
            _write_tree([(u[0], u[5] or None, u[6], u[7]) for u in units])
            UnitChange.objects.bulk_create(
                [UnitChange(unit_id=c[0], action=c[1], actor=self.actor, note=self._note["text"],
                            note_code=self._note["code"], note_params=self._note["params"],
                            new_values=json.loads(c[3])) for c in changes], batch_size=500)
        self.counts["created"] += len(new)

    def _compare(self, e: dict, row: dict, known: dict) -> None:
        """An agency already in the directory: written only where it differs from the list."""
        if row["is_local"] or row["peer_ref"] != self.peer_ref:
            self.counts["foreign"] += 1
            return
        changed = False

        def fresh() -> Unit:
            return Unit.objects.get(pk=row["pk"])

        if row["valid_to"] is not None:
            unit_update(unit=fresh(), valid_to=None, actor=self.actor, note=self.note)
            self.counts["restored"] += 1
            changed = True
        if row["name"] != e["name"] or (e["short_name"] and row["short_name"] != e["short_name"]):
            unit_rename(unit=fresh(), name=e["name"], short_name=e["short_name"] or None,
                        effective_date=self.today, actor=self.actor, note=self.note)
            self.counts["renamed"] += 1
            changed = True
        contact = {f: e[f] for f in CONTACT_FIELDS if row[f] != e[f]}
        if contact:
            unit_update(unit=fresh(), actor=self.actor, note=self.note, **contact)
            self.counts["updated"] += 1
            changed = True
        parent = e["parent"]
        above = known.get(parent) if parent else None
        if parent and above is None:
            self.deferred.append((e["code"], parent, False))  # named later in the list, or not at all
        elif (above["pk"] if above else None) != row["parent_id"]:
            changed = self._move(e["code"], row["pk"], above["pk"] if above else None) or changed
        if not changed:
            self.counts["unchanged"] += 1

    def _move(self, code: str, pk: int, parent_pk: int | None) -> bool:
        try:
            with transaction.atomic():
                moved = unit_move(unit=Unit.objects.get(pk=pk),
                                  new_parent=Unit.objects.get(pk=parent_pk) if parent_pk else None,
                                  effective_date=self.today, actor=self.actor, note=self.note)
        except (ServiceError, Exception) as exc:  # noqa: BLE001 - a cycle in the list must not stop the sync
            log.warning("directory sync: cannot move %s: %s", code, exc)
            return False
        if moved:
            self.counts["moved"] += 1
        return moved

    # --- the end ---------------------------------------------------------------------------------

    def finish(self, *, complete: bool = True) -> dict:
        """Parents named after their children, tree paths, then (for a complete list) the agencies that disappeared."""
        self.flush()
        with service_atomic():
            self._resolve_deferred()
        if complete:
            self._disappeared()
        self._tidy_indexes()
        return self.counts

    def _resolve_deferred(self) -> None:
        """Parents named later than their children: a unit created by this run gets its parent directly
        (then the peer's paths are recomputed once); an existing unit moves through ``unit_move``."""
        deferred, self.deferred = self.deferred, []
        tree_rows = []
        for i in range(0, len(deferred), self.batch_size):
            chunk = deferred[i:i + self.batch_size]
            codes = {c for c, _p, _n in chunk} | {p for _c, p, _n in chunk}
            rows = dict(Unit.objects.filter(code__in=codes).values_list("code", "pk"))
            parents = dict(Unit.objects.filter(code__in=[c for c, _p, _n in chunk]).values_list("code", "parent_id"))
            for code, parent, created in chunk:
                wanted = rows.get(parent)  # a parent nowhere in the directory: the unit stays a root
                if wanted == parents.get(code):
                    continue
                if created:
                    tree_rows.append((rows[code], wanted))
                else:
                    self._move(code, rows[code], wanted)
        if tree_rows:
            self._reparent(tree_rows)

    def _reparent(self, links: list[tuple[int, int | None]]) -> None:
        """
        Parents of units created by this run that were written as roots: set unless it would make
        a cycle (a list naming A under B and B under A); then the materialised paths of every unit
        of the peer are recomputed from the parent links, and only the rows that differ written.
        """
        parent_now: dict[int, int | None] = {}
        stored: dict[int, tuple[str, int]] = {}
        for pk, parent_id, path, depth in Unit.objects.filter(peer_ref=self.peer_ref, is_local=False).values_list(
                "pk", "parent_id", "path", "depth").iterator(chunk_size=5000):
            parent_now[pk] = parent_id
            stored[pk] = (path, depth)
        external_path: dict[int, str] = {}

        def above(pk: int):
            """The parent of a unit outside the peer's (its path holds its ancestors)."""
            if pk not in external_path:
                external_path[pk] = Unit.objects.filter(pk=pk).values_list("path", flat=True).first() or ""
            steps = [int(x) for x in external_path[pk].split("/") if x]
            return steps[-2] if len(steps) > 1 else None

        changed_parent = []
        for pk, wanted in links:
            x, hops = wanted, 0
            while x is not None and x != pk and hops < 10_000:
                x = parent_now[x] if x in parent_now else above(x)
                hops += 1
            if x == pk:
                log.warning("directory sync: unit %s stays a root: its parent in the list is below it", pk)
                continue
            parent_now[pk] = wanted
            changed_parent.append(pk)
        external = {p for p in parent_now.values() if p is not None and p not in parent_now}
        path_of: dict[int, str] = dict(Unit.objects.filter(pk__in=external).values_list("pk", "path"))
        reparented = set(changed_parent)

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
                prefix = prefix + _step(item)
                path_of[item] = prefix
            return path_of[chain[0]] if chain else path_of[pk]

        rows = []
        for pk in parent_now:
            p = resolve(pk)
            if stored[pk] != (p, p.count("/") - 1) or pk in reparented:
                rows.append((pk, parent_now[pk], p, p.count("/") - 1))
            if len(rows) >= self.batch_size:
                _write_tree(rows)
                rows = []
        _write_tree(rows)

    def _disappeared(self) -> None:
        gone = [pk for pk, code in Unit.objects.filter(peer_ref=self.peer_ref, is_local=False, valid_to__isnull=True)
                .values_list("pk", "code").iterator(chunk_size=5000) if code not in self.seen]
        # Children first: a unit is dissolved only once nothing below it still exists.
        for unit in Unit.objects.filter(pk__in=gone).order_by("-depth"):
            try:
                if unit_dissolve(unit=unit, effective_date=self.today, actor=self.actor,
                                 note=self.note or M.NOT_IN_DIRECTORY()):
                    self.counts["dissolved"] += 1
            except ServiceError as exc:
                log.warning("directory sync: %s stays: %s", unit.code, exc)

    def _tidy_indexes(self) -> None:
        """Merge the trigram index's pending entries and refresh the planner's statistics (PostgreSQL)."""
        if connection.vendor != "postgresql" or not (self.counts["created"] or self.counts["renamed"]):
            return
        for sql in (f"SELECT gin_clean_pending_list('{TRIGRAM_INDEX}'::regclass)", "ANALYZE units_unit"):
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql)
            except Exception as exc:  # noqa: BLE001 - only the table's owner may; autovacuum does it otherwise
                log.info("directory sync: %s: %s", sql, exc)
