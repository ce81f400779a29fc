"""
Narrow search rows (issue 14): the large ``tsv`` of every entry is stored out of line (TOAST),
``meta_tsv`` (ranked) stays in the row. A search for a common word reads the matching rows to
pick the newest ones by date: with ~2 KB rows inline it read gigabytes of heap at province
scale; with ~300-byte rows it reads a seventh of that, and the GIN index answers ``@@`` without
reading ``tsv`` (no recheck for AND queries). Existing rows are rewritten once so that the new
storage applies to them too (the UPDATE builds a new ``tsv`` value, which the toaster then
moves out of line).
"""
from django.db import migrations

PG_FORWARD = """
ALTER TABLE documents_searchentry ALTER COLUMN tsv SET STORAGE EXTERNAL;
ALTER TABLE documents_searchentry ALTER COLUMN meta_tsv SET STORAGE MAIN;
ALTER TABLE documents_searchentry SET (toast_tuple_target = 128);
UPDATE documents_searchentry SET tsv = tsv || ''::tsvector;
"""
PG_BACKWARD = """
ALTER TABLE documents_searchentry RESET (toast_tuple_target);
ALTER TABLE documents_searchentry ALTER COLUMN meta_tsv SET STORAGE EXTENDED;
ALTER TABLE documents_searchentry ALTER COLUMN tsv SET STORAGE EXTENDED;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0010_merge_wave2"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
