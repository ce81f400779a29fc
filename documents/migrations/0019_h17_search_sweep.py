"""
h17: the search index sweep (documents.services.search.search_index_sweep) reads the records that
arrived and the documents issued in the last days, in every unit, without a search entry:

- documents: a partial index on issued_at (drafts, without an issue date, are not in it);
- incoming records, the biggest table written on every delivery: a BRIN index on arrived_at
  (PostgreSQL only), a few pages that cost next to nothing per delivered row since records arrive
  in arrival order — a B-tree here would be one more index written per row, what 0018 removed.
  SQLite (development) reads its small table without it.
"""

from django.conf import settings
from django.db import migrations, models

PG_FORWARD = ("CREATE INDEX IF NOT EXISTS documents_incoming_arrived_brin ON documents_incomingrecord "
              "USING brin (arrived_at)")
PG_BACKWARD = "DROP INDEX IF EXISTS documents_incoming_arrived_brin"


def brin_forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)


def brin_backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0018_h17_lean_indexes'),
        ('units', '0007_h15c_message_codes_legacy'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='document',
            index=models.Index(condition=models.Q(('issued_at__isnull', False)), fields=['issued_at'], name='documents_doc_issued'),
        ),
        migrations.RunPython(brin_forward, brin_backward),
    ]
