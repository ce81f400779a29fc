"""
The dispatch events are range-partitioned by month on PostgreSQL (h17, issue 17 "Ten years of
data"; migration documents 0019_h17, egov/core/partitions.py): the delivery path's COPY and the
ORM write through the parent and rows land in their month, nothing deletes an event, the coming
months are created for both partitioned tables, the links into the events (no database foreign
key any more) still join, and the runtime role may only insert into every partition.
"""
import datetime

import pytest
from django.db import DatabaseError, connection, transaction

from documents.models import DispatchEvent
from documents.services import document_send
from egov.core.db import copy_insert, copy_insert_objects
from egov.core.management.commands.db_grant_runtime import runtime_grants_sql
from egov.core.partitions import PARTITIONED, is_partitioned, month_start, partition_name, partitions_ensure, \
    partitions_list

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="declarative partitioning is PostgreSQL's"),
]

UTC = datetime.timezone.utc
TABLE = "documents_dispatchevent"


def _where(pk) -> str:
    with connection.cursor() as cur:
        cur.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [pk])
        return cur.fetchone()[0]


@pytest.fixture
def dispatch(province, issued):
    clerk = province.clerk(province.snv)
    doc = issued(province.snv, clerk)
    return document_send(document=doc, acting_user=clerk, units=[province.stc])[0]


def test_the_events_table_is_partitioned_by_month_on_at():
    assert is_partitioned(TABLE) and PARTITIONED[TABLE] == "at"
    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_partkeydef(%s::regclass)", [TABLE])
        assert cur.fetchone()[0] == "RANGE (at)"
        # no foreign key points into it any more: the links are kept by the application
        cur.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass", [TABLE])
        assert cur.fetchone()[0] == 0
        # the one-to-one links keep their uniqueness on their own tables
        for table in ("documents_statusoutbox", "documents_pullitem", "federation_hubitem"):
            cur.execute("SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisunique "
                        "AND i.indnatts = 1 AND a.attname = 'event_id'", [table])
            assert cur.fetchone()[0] == 1, table
    names = {name for name, _bound in partitions_list(TABLE)}
    assert {f"{TABLE}_before", f"{TABLE}_default"} <= names


def test_inserts_land_in_the_partition_of_their_month(dispatch):
    now = datetime.datetime.now(UTC)
    later = datetime.datetime.combine(month_start(now.date(), 3), datetime.time(12), tzinfo=UTC)
    sent = list(DispatchEvent.objects.filter(dispatch=dispatch))  # written by the send (COPY, ids from the sequence)
    assert sent
    # the COPY of the delivery path, without ids
    copy_insert(DispatchEvent, [{"dispatch_id": dispatch.pk, "kind": "business", "code": "02", "at": later,
                                 "actor_name": "copy", "note": "", "note_code": "", "note_params": {}}])
    copied = DispatchEvent.objects.get(actor_name="copy")
    # ids taken from the sequence first, then COPY (copy_insert_objects), and the ORM
    objs = copy_insert_objects(DispatchEvent, [DispatchEvent(dispatch=dispatch, kind="business", code="03", at=later,
                                                             actor_name="objects")])
    created = DispatchEvent.objects.create(dispatch=dispatch, kind="business", code="04", at=later, actor_name="orm")
    this_month = partition_name(TABLE, month_start(now.date()))
    assert _where(sent[0].pk) in (f"{TABLE}_before", this_month)  # before the cut-over: the table found
    for pk in (copied.pk, objs[0].pk, created.pk):
        assert _where(pk) == partition_name(TABLE, month_start(now.date(), 3))
    ids = [e.pk for e in sent] + [copied.pk, objs[0].pk, created.pk]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # one sequence for every partition
    assert list(dispatch.events.values_list("code", flat=True))[-3:] == ["02", "03", "04"]


def test_an_event_is_never_deleted_in_any_partition(dispatch):
    later = datetime.datetime.combine(month_start(datetime.date.today(), 2), datetime.time(8), tzinfo=UTC)
    event = DispatchEvent.objects.create(dispatch=dispatch, kind="business", code="02", at=later)
    part = _where(event.pk)
    for sql in (f"DELETE FROM {TABLE} WHERE id = {event.pk}", f"DELETE FROM {part} WHERE id = {event.pk}"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert DispatchEvent.objects.filter(pk=event.pk).exists()


def test_a_link_into_a_partition_still_joins(dispatch):
    from documents.federation.models import Peer, StatusOutbox

    later = datetime.datetime.combine(month_start(datetime.date.today(), 1), datetime.time(8), tzinfo=UTC)
    event = DispatchEvent.objects.create(dispatch=dispatch, kind="business", code="03", at=later)
    peer = Peer.objects.create(code="peer-part", name="Cổng bên")
    StatusOutbox.objects.create(peer=peer, event=event)
    row = StatusOutbox.objects.select_related("event__dispatch").get(peer=peer)
    assert row.event == event and row.event.dispatch == dispatch
    assert StatusOutbox.objects.filter(event__at=later).count() == 1


def test_partitions_ensure_creates_the_months_of_both_tables():
    later = month_start(datetime.date.today(), 18)
    before = {t: {name for name, _bound in partitions_list(t)} for t in PARTITIONED}
    created = partitions_ensure(months_ahead=2, today=later)
    for table in ("egov_accesslog", TABLE):
        expected = [partition_name(table, month_start(later, i)) for i in range(3)]
        assert [n for n in created if n.startswith(table + "_y")] == [n for n in expected if n not in before[table]]
        assert set(expected) <= {name for name, _bound in partitions_list(table)}
    assert partitions_ensure(months_ahead=2, today=later) == []


def test_the_runtime_role_may_only_insert_into_every_event_partition():
    statements = runtime_grants_sql("egov_runtime")
    for name in [TABLE] + [name for name, _bound in partitions_list(TABLE)]:
        assert f'REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON "{name}" FROM "egov_runtime"' in statements
        assert f'GRANT SELECT, INSERT ON "{name}" TO "egov_runtime"' in statements
