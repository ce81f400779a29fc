"""
Trigram index on Unit.search_text for the recipient search (a LIKE '%term%' that stays fast with
~111,000 units of the national directory). PostgreSQL only (pg_trgm); nothing on SQLite.
Reversible: the index is dropped (the extension is left, other indexes may use it).
"""
from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE INDEX IF NOT EXISTS units_unit_search_trgm ON units_unit "
                          "USING gin (search_text gin_trgm_ops)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS units_unit_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("units", "0002_divisions")]
    operations = [migrations.RunPython(forwards, backwards)]
