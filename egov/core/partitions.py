"""
Time partitions of the append-only tables that grow without bound (h17, docs/operations.md,
"Ten years of data").

On PostgreSQL the access log (``egov_accesslog``) is range-partitioned by month on ``at``
(declarative partitioning; primary key ``(id, at)``, ids from one sequence): migration
``0010_h17_partition_access_log`` turned the existing table into the partition of everything
before the cut-over month without copying a row, then created the monthly partitions and a
DEFAULT partition (so an insert never fails if a month was not created in time).
``partitions_ensure`` creates the coming months ahead of time (the beat job
``partitions-ensure`` daily, and ``manage.py partitions_ensure`` at every deploy). The
append-only trigger is on the partitioned table, so every partition has it. SQLite: nothing.

The dispatch events (``documents_dispatchevent``) are partitioned the same way on ``at``
(migration ``documents 0020_h17_partition_dispatch_events``): the one-to-one links into them
(federation's StatusOutbox, PullItem, HubItem) have no database foreign key, the application
keeps them (events are never deleted: a trigger refuses DELETE).

Old months can be detached (``ALTER TABLE egov_accesslog DETACH PARTITION …``), moved to a
cheaper tablespace or archived with the records they belong to.
"""
from __future__ import annotations

import datetime
import logging

from django.db import connection

__all__ = ["PARTITIONED", "partition_name", "partitions_ensure", "partitions_list", "month_start"]

log = logging.getLogger(__name__)

# table → partition key column (by month). The dispatch events (documents 0019_h17) are the
# documents app's table, named here as a string only (the base layer imports nothing of it).
PARTITIONED = {"egov_accesslog": "at", "documents_dispatchevent": "at"}


def month_start(day: datetime.date, months: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: datetime.date) -> str:
    return f"{table}_y{month:%Y}m{month:%m}"


def is_partitioned(table: str) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(%s)", [table])
        row = cur.fetchone()
    return bool(row) and row[0] == "p"


def partitions_list(table: str) -> list[tuple[str, str]]:
    """(partition name, bound expression) of ``table``, in name order; [] when not partitioned."""
    if not is_partitioned(table):
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                    "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
                    [table])
        return list(cur.fetchall())


def create_month(cursor, table: str, month: datetime.date) -> bool:
    """Create ``table``'s partition of ``month`` unless it exists; True when created."""
    name = partition_name(table, month)
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    if cursor.fetchone()[0]:
        return False
    q = connection.ops.quote_name
    cursor.execute(f"CREATE TABLE {q(name)} PARTITION OF {q(table)} FOR VALUES FROM (%s) TO (%s)",
                   [f"{month.isoformat()} 00:00:00+00", f"{month_start(month, 1).isoformat()} 00:00:00+00"])
    return True


def partitions_ensure(*, months_ahead: int = 12, today: datetime.date | None = None) -> list[str]:
    """
    Create the monthly partitions from this month to ``months_ahead`` months ahead that do not
    exist yet, for every partitioned table. Returns the names created. No-op on SQLite and for a
    table that is not partitioned (a database not migrated yet).
    """
    if connection.vendor != "postgresql":
        return []
    today = today or datetime.datetime.now(datetime.timezone.utc).date()
    created = []
    from django.db import transaction

    for table in PARTITIONED:
        if not is_partitioned(table):
            continue
        with transaction.atomic(), connection.cursor() as cur:
            # One creator at a time (several beat-capable machines, a deploy running the command).
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"egov-partitions:{table}"])
            for i in range(months_ahead + 1):
                month = month_start(today, i)
                if _covered_by_earlier(cur, table, month):
                    continue
                if create_month(cur, table, month):
                    created.append(partition_name(table, month))
    if created:
        log.info("partitions created: %s", ", ".join(created))
    return created


def _covered_by_earlier(cursor, table: str, month: datetime.date) -> bool:
    """The month lies before the cut-over: the former table (partition ``…_before``) holds it."""
    cursor.execute("SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.oid = to_regclass(%s)",
                   [f"{table}_before"])
    row = cursor.fetchone()
    if not row or not row[0]:
        return False
    # "FOR VALUES FROM (MINVALUE) TO ('2026-12-01 00:00:00+00')"
    upper = row[0].rsplit("TO ('", 1)[-1][:10]
    return month.isoformat() < upper
