"""
The access log is range-partitioned by month on PostgreSQL (h17, issue 17 "Ten years of data";
egov/core/partitions.py, migration egov 0010_h17): rows land in their month, the append-only
trigger holds on every partition, the coming months are created ahead of time, and the
runtime role gets insert-only rights on every partition.
"""
import datetime

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from egov.core.access import access_flush
from egov.core.management.commands.db_grant_runtime import runtime_grants_sql
from egov.core.models import AccessLog, AuditImmutable
from egov.core.partitions import month_start, partition_name, partitions_ensure, partitions_list

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="declarative partitioning is PostgreSQL's"),
]

UTC = datetime.timezone.utc


def _where(pk) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT tableoid::regclass::text FROM egov_accesslog WHERE id = %s", [pk])
        return cur.fetchone()[0]


def _row(at) -> AccessLog:
    return AccessLog(at=at, action="view", object_type="documents.document", object_id="7", user_agent="test")


def test_rows_land_in_the_partition_of_their_month_and_read_back_through_the_parent():
    now = datetime.datetime.now(UTC)
    later = datetime.datetime.combine(month_start(now.date(), 3), datetime.time(12), tzinfo=UTC)
    assert access_flush([_row(now), _row(later)]) == 2
    recent, future = AccessLog.objects.order_by("at")
    # this month lies before the cut-over: the table the migration found holds it
    assert _where(recent.pk) in ("egov_accesslog_before", partition_name("egov_accesslog", month_start(now.date())))
    assert _where(future.pk) == partition_name("egov_accesslog", month_start(now.date(), 3))
    assert future.pk > recent.pk  # one sequence for every partition
    assert list(AccessLog.objects.filter(object_type="documents.document", object_id="7").values_list("pk", flat=True)) \
        == [future.pk, recent.pk]


def test_every_partition_is_append_only():
    later = datetime.datetime.combine(month_start(datetime.date.today(), 2), datetime.time(8), tzinfo=UTC)
    access_flush([_row(later)])
    row = AccessLog.objects.get()
    with pytest.raises(AuditImmutable):
        AccessLog.objects.filter(pk=row.pk).delete()
    part = _where(row.pk)
    for sql in (f"DELETE FROM egov_accesslog WHERE id = {row.pk}", f"UPDATE {part} SET action = 'x' WHERE id = {row.pk}",
                f"DELETE FROM {part} WHERE id = {row.pk}"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AccessLog.objects.get().action == "view"


def test_the_coming_months_are_created_ahead_once():
    names = {name for name, _bound in partitions_list("egov_accesslog")}
    assert "egov_accesslog_default" in names and "egov_accesslog_before" in names
    # A year and a half from now, the beat job creates what is missing, and only that.
    later = month_start(datetime.date.today(), 18)
    created = [n for n in partitions_ensure(months_ahead=2, today=later) if n.startswith("egov_accesslog_")]
    assert created == [partition_name("egov_accesslog", month_start(later, i)) for i in range(3)
                       if partition_name("egov_accesslog", month_start(later, i)) not in names]
    assert created and partitions_ensure(months_ahead=2, today=later) == []
    row = _row(datetime.datetime.combine(month_start(later, 1), datetime.time(9), tzinfo=UTC))
    access_flush([row])
    assert _where(AccessLog.objects.get().pk) == partition_name("egov_accesslog", month_start(later, 1))
    # a month nobody created yet still takes rows: the DEFAULT partition
    far = datetime.datetime.combine(month_start(later, 40), datetime.time(9), tzinfo=UTC)
    access_flush([_row(far)])
    assert _where(AccessLog.objects.get(at=far).pk) == "egov_accesslog_default"


def test_the_command_lists_the_partitions(capsys):
    call_command("partitions_ensure", "--list")
    out = capsys.readouterr().out
    assert "egov_accesslog_before FOR VALUES FROM (MINVALUE)" in out and "egov_accesslog_default DEFAULT" in out


def test_the_runtime_role_may_only_insert_into_every_partition():
    statements = runtime_grants_sql("egov_runtime")
    for name, _bound in partitions_list("egov_accesslog"):
        assert f'REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON "{name}" FROM "egov_runtime"' in statements
        assert f'GRANT SELECT, INSERT ON "{name}" TO "egov_runtime"' in statements
