"""
h17: the dispatch events become a table range-partitioned by month on ``at`` (PostgreSQL only;
SQLite keeps the plain table). docs/operations.md, "Ten years of data", egov/core/partitions.py;
the same method as the access log (egov 0010_h17_partition_access_log).

Why it can be partitioned: the table has no unique constraint but its primary key (checked:
exactly-once of a status per dispatch is kept by the dispatch's row lock and an existence check
in documents.federation.inbound, not by a unique index), so the key becomes ``(id, at)`` with
ids from one sequence. The three one-to-one links into it (StatusOutbox, PullItem, HubItem) lost
their database foreign keys in federation 0007 (a foreign key into a partitioned table would
have to name ``at``); the application keeps them (events are never deleted: the trigger below
refuses a DELETE) and their unique indexes on ``event_id`` stay.

Migration path for an existing database, no row copied:
1. the current table is renamed ``documents_dispatchevent_before`` (its indexes get a ``_b``
   suffix, its identity becomes a plain column fed by a sequence the new table owns, its primary
   key on ``id`` is dropped: attaching it builds the ``(id, at)`` key, the one index built);
2. a partitioned ``documents_dispatchevent`` with the same columns, primary key ``(id, at)``, the
   same indexes and the same foreign keys (to the dispatch and the actor) is created;
3. the old table is attached as the partition of everything before the cut-over (the first day
   of next month, UTC, or of the month after its latest row) after a CHECK constraint proves it
   (added NOT VALID, then validated); its indexes and foreign keys are attached, not rebuilt;
4. the monthly partitions from the cut-over for a year and a DEFAULT partition are created, and
   a trigger refusing DELETE on the partitioned table (every partition inherits it).
"""
import datetime

from django.db import migrations

TABLE = "documents_dispatchevent"
TRIGGER = "documents_dispatchevent_no_delete"

NO_DELETE_FUNCTION = """
CREATE OR REPLACE FUNCTION documents_dispatchevent_no_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'dispatch events are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""


def _cutover(cur) -> datetime.date:
    from egov.core.partitions import month_start

    cur.execute(f"SELECT max(at) FROM {TABLE}")
    latest = cur.fetchone()[0]
    today = datetime.datetime.now(datetime.timezone.utc).date()
    if latest is not None:
        today = max(today, latest.astimezone(datetime.timezone.utc).date())
    return month_start(today, 1)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from egov.core.partitions import create_month, month_start

    with schema_editor.connection.cursor() as cur:
        cur.execute("SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass",
                    [TABLE])
        referencing = [r[0] for r in cur.fetchall()]
        if referencing:  # federation 0007 drops them; a foreign key elsewhere would block the partitioning
            raise RuntimeError(f"foreign keys into {TABLE} from {', '.join(referencing)}: drop them first")
        cur.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        cut = _cutover(cur)
        cut_ts = f"{cut.isoformat()} 00:00:00+00"
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname <> %s",
                    [TABLE, f"{TABLE}_pkey"])
        indexes = cur.fetchall()
        cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' "
                    "AND conrelid = %s::regclass ORDER BY conname", [TABLE])
        foreign_keys = cur.fetchall()
        cur.execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_before")
        cur.execute(f"ALTER TABLE {TABLE}_before DROP CONSTRAINT {TABLE}_pkey")
        for name, _definition in indexes:
            cur.execute(f'ALTER INDEX "{name}" RENAME TO "{name[:61]}_b"')
        cur.execute(f"ALTER TABLE {TABLE}_before ALTER COLUMN id DROP IDENTITY IF EXISTS")
        cur.execute(f"CREATE TABLE {TABLE} (LIKE {TABLE}_before INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
                    f"PARTITION BY RANGE (at)")
        cur.execute(f"ALTER TABLE {TABLE}_before ALTER COLUMN id DROP DEFAULT")
        cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {TABLE}_id_seq")
        cur.execute(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
        cur.execute(f"SELECT setval('{TABLE}_id_seq', COALESCE((SELECT max(id) FROM {TABLE}_before), 0) + 1, false)")
        cur.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{TABLE}_id_seq')")
        cur.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, at)")
        for _name, definition in indexes:
            cur.execute(definition)  # captured before the rename: it names the new table
        for name, definition in foreign_keys:  # the same as the old table's: attached, not validated again
            cur.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        cur.execute(f"ALTER TABLE {TABLE}_before ADD CONSTRAINT {TABLE}_before_range "
                    f"CHECK (at < %s) NOT VALID", [cut_ts])
        cur.execute(f"ALTER TABLE {TABLE}_before VALIDATE CONSTRAINT {TABLE}_before_range")
        cur.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {TABLE}_before FOR VALUES FROM (MINVALUE) TO (%s)",
                    [cut_ts])
        cur.execute(f"ALTER TABLE {TABLE}_before DROP CONSTRAINT {TABLE}_before_range")
        for i in range(12):
            create_month(cur, TABLE, month_start(cut, i))
        cur.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        cur.execute(NO_DELETE_FUNCTION)
        cur.execute(f"CREATE TRIGGER {TRIGGER} BEFORE DELETE ON {TABLE} "
                    f"FOR EACH ROW EXECUTE FUNCTION documents_dispatchevent_no_delete()")


def backwards(apps, schema_editor):
    """Back to one plain table (rows copied: a rollback, not a routine step)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        cur.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        if cur.fetchone()[0] != "p":
            return
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname <> %s",
                    [TABLE, f"{TABLE}_pkey"])
        indexes = cur.fetchall()
        cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' "
                    "AND conrelid = %s::regclass AND conparentid = 0 ORDER BY conname", [TABLE])
        foreign_keys = cur.fetchall()
        cur.execute(f"CREATE TABLE {TABLE}_plain (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cur.execute(f"INSERT INTO {TABLE}_plain SELECT * FROM {TABLE}")
        cur.execute(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}_plain.id")
        cur.execute(f"DROP TABLE {TABLE} CASCADE")
        cur.execute(f"ALTER TABLE {TABLE}_plain RENAME TO {TABLE}")
        cur.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id)")
        for _name, definition in indexes:
            cur.execute(definition.replace(" ON ONLY ", " ON "))
        for name, definition in foreign_keys:
            cur.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        cur.execute("DROP FUNCTION IF EXISTS documents_dispatchevent_no_delete()")


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0019_h17_search_sweep"),
        ("federation", "0007_h17_event_links_without_db_constraint"),  # the foreign keys into it are gone
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
