"""
On PostgreSQL, refuse UPDATE and DELETE on the audit table at the database level, so that not
even raw SQL or a bug in the ORM layer can rewrite history. (SQLite: the ORM guard only.)
"""
from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION documents_audit_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER documents_auditevent_no_update_delete
  BEFORE UPDATE OR DELETE ON documents_auditevent
  FOR EACH ROW EXECUTE FUNCTION documents_audit_immutable();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS documents_auditevent_no_update_delete ON documents_auditevent;
DROP FUNCTION IF EXISTS documents_audit_immutable();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
