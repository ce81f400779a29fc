"""
Encrypt the webhook secrets written in clear text before 0005 (re-runnable; the reverse writes clear text).
"""
from django.db import migrations

FIELDS = ['secret']


def encrypt_existing(apps, schema_editor):
    """Encrypt the values still in clear text; safe to re-run (encrypted values are left alone)."""
    from egov.core.crypto import encrypt

    Model = apps.get_model("egov", "Webhook")
    with schema_editor.connection.cursor() as cursor:
        table = schema_editor.quote_name(Model._meta.db_table)
        cols = ", ".join(schema_editor.quote_name(f) for f in FIELDS)
        cursor.execute(f"SELECT id, {cols} FROM {table}")
        for pk, *values in cursor.fetchall():
            new = [encrypt(v) if v else v for v in values]
            if new != values:
                sets = ", ".join(f"{schema_editor.quote_name(f)} = %s" for f in FIELDS)
                cursor.execute(f"UPDATE {table} SET {sets} WHERE id = %s", [*new, pk])


def decrypt_existing(apps, schema_editor):
    from egov.core.crypto import decrypt

    Model = apps.get_model("egov", "Webhook")
    with schema_editor.connection.cursor() as cursor:
        table = schema_editor.quote_name(Model._meta.db_table)
        cols = ", ".join(schema_editor.quote_name(f) for f in FIELDS)
        cursor.execute(f"SELECT id, {cols} FROM {table}")
        for pk, *values in cursor.fetchall():
            sets = ", ".join(f"{schema_editor.quote_name(f)} = %s" for f in FIELDS)
            cursor.execute(f"UPDATE {table} SET {sets} WHERE id = %s", [*(decrypt(v) if v else v for v in values), pk])


class Migration(migrations.Migration):

    dependencies = [
        ('egov', '0005_encrypt_webhook_secret'),
    ]

    operations = [
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
