"""
h17: the access log becomes a table range-partitioned by month on ``at`` (PostgreSQL only; SQLite
keeps the plain table). docs/operations.md, "Ten years of data", egov/core/partitions.py.

Migration path for an existing database, no row copied:
1. the current table is renamed ``egov_accesslog_before`` (its indexes get a ``_b`` suffix, its
   identity becomes a plain column fed by a sequence the new table owns, its primary key on
   ``id`` is dropped: attaching it builds the ``(id, at)`` key, the one index built);
2. a partitioned ``egov_accesslog`` with the same columns, primary key ``(id, at)`` and the same
   indexes is created;
3. the old table is attached as the partition of everything before the cut-over (the first day
   of next month, UTC, or of the month after its latest row) after a CHECK constraint proves it (validated without a long lock);
4. the monthly partitions from the cut-over for a year and a DEFAULT partition are created; the
   append-only trigger is created on the partitioned table (every partition inherits it).
The whole runs in the migration's transaction (the table is locked for its duration: seconds,
the CHECK validation being the only full scan).
"""
import datetime

from django.db import migrations

TABLE = "egov_accesslog"


def _cutover(cur) -> datetime.date:
    """The first day of next month (UTC), or of the month after the latest row if it is later."""
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
        cur.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        cut = _cutover(cur)
        cut_ts = f"{cut.isoformat()} 00:00:00+00"
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname <> %s",
                    [TABLE, f"{TABLE}_pkey"])
        indexes = cur.fetchall()
        cur.execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_before")
        # Its key becomes (id, at), built when it is attached (the one index built, once).
        cur.execute(f"ALTER TABLE {TABLE}_before DROP CONSTRAINT {TABLE}_pkey")
        for name, _definition in indexes:
            cur.execute(f'ALTER INDEX "{name}" RENAME TO "{name[:61]}_b"')
        cur.execute(f"DROP TRIGGER IF EXISTS egov_accesslog_no_update_delete ON {TABLE}_before")
        cur.execute(f"ALTER TABLE {TABLE}_before ALTER COLUMN id DROP IDENTITY IF EXISTS")
        cur.execute(f"CREATE TABLE {TABLE} (LIKE {TABLE}_before INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
                    f"PARTITION BY RANGE (at)")
        cur.execute(f"ALTER TABLE {TABLE}_before ALTER COLUMN id DROP DEFAULT")  # (after a rollback: a sequence)
        cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {TABLE}_id_seq")
        cur.execute(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
        cur.execute(f"SELECT setval('{TABLE}_id_seq', COALESCE((SELECT max(id) FROM {TABLE}_before), 0) + 1, false)")
        cur.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{TABLE}_id_seq')")
        cur.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, at)")
        for _name, definition in indexes:
            cur.execute(definition)  # captured before the rename: it names the new table
        cur.execute(f"ALTER TABLE {TABLE}_before ADD CONSTRAINT {TABLE}_before_range "
                    f"CHECK (at < %s) NOT VALID", [cut_ts])
        cur.execute(f"ALTER TABLE {TABLE}_before VALIDATE CONSTRAINT {TABLE}_before_range")
        cur.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {TABLE}_before FOR VALUES FROM (MINVALUE) TO (%s)",
                    [cut_ts])
        cur.execute(f"ALTER TABLE {TABLE}_before DROP CONSTRAINT {TABLE}_before_range")
        for i in range(12):
            create_month(cur, TABLE, month_start(cut, i))
        cur.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        cur.execute(f"CREATE TRIGGER egov_accesslog_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE} "
                    f"FOR EACH ROW EXECUTE FUNCTION egov_accesslog_immutable()")


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
        cur.execute(f"CREATE TABLE {TABLE}_plain (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cur.execute(f"INSERT INTO {TABLE}_plain SELECT * FROM {TABLE}")
        cur.execute(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}_plain.id")
        cur.execute(f"DROP TABLE {TABLE} CASCADE")
        cur.execute(f"ALTER TABLE {TABLE}_plain RENAME TO {TABLE}")
        cur.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id)")
        for _name, definition in indexes:
            cur.execute(definition.replace(" ON ONLY ", " ON "))
        cur.execute(f"CREATE TRIGGER egov_accesslog_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE} "
                    f"FOR EACH ROW EXECUTE FUNCTION egov_accesslog_immutable()")


class Migration(migrations.Migration):
    dependencies = [("egov", "0009_merge_0007_h14_access_log_0008_h16_audit_chain")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
