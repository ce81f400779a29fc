"""
PostgreSQL only: a trigram index on IncomingRecord.search_text, so that a search for a rare
term ("so 123457") reads a few index entries instead of every record of the unit. Built
CONCURRENTLY (non-atomic migration) so that a live inbox is not locked while it builds.
pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
"""
from django.db import migrations

INDEX = "documents_incoming_search_trgm"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON documents_incomingrecord "
                          "USING gin (search_text gin_trgm_ops)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("documents", "0005_incoming_unit_id_index")]
    operations = [migrations.RunPython(forward, backward)]
