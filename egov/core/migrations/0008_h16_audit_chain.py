"""
Issue 16: the tamper-evident audit. Every audit row gets its place in a hash chain (shard,
sequence, previous hash, row hash; egov/core/audit_chain.py); the rows already there are
chained in id order on shard 0 (the append-only trigger is switched off for that update only,
by the table owner that runs migrations). Signed checkpoints get a table of their own, append-
only like the audit. Backwards: the columns and the table go away.
"""
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


TRIGGER = "documents_auditevent_no_update_delete"
CHECKPOINT_TRIGGER = """
CREATE TRIGGER egov_auditcheckpoint_no_update_delete
  BEFORE UPDATE OR DELETE ON egov_auditcheckpoint
  FOR EACH ROW EXECUTE FUNCTION documents_audit_immutable();
"""


def chain_existing(apps, schema_editor):
    from egov.core.audit_chain import GENESIS, row_hash

    AuditEvent = apps.get_model("egov", "AuditEvent")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(f"ALTER TABLE documents_auditevent DISABLE TRIGGER {TRIGGER}")
    prev, seq = GENESIS, 0
    batch = []
    for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=2000):
        seq += 1
        event.shard, event.shard_seq, event.prev_hash = 0, seq, prev
        event.row_hash = prev = row_hash(prev_hash=prev, shard=0, seq=seq, at=event.at, actor_id=event.actor_id,
                                         unit_id=event.unit_id, verb=event.verb, object_type=event.object_type,
                                         object_id=event.object_id, details=event.details)
        batch.append(event)
        if len(batch) >= 2000:
            AuditEvent.objects.bulk_update(batch, ["shard", "shard_seq", "prev_hash", "row_hash"])
            batch = []
    if batch:
        AuditEvent.objects.bulk_update(batch, ["shard", "shard_seq", "prev_hash", "row_hash"])
    if postgres:
        schema_editor.execute(f"ALTER TABLE documents_auditevent ENABLE TRIGGER {TRIGGER}")


def checkpoint_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CHECKPOINT_TRIGGER)


def checkpoint_trigger_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS egov_auditcheckpoint_no_update_delete ON egov_auditcheckpoint")


class Migration(migrations.Migration):

    dependencies = [
        ('egov', '0007_h16_login_failures_to_axes'),
        ('units', '0002_divisions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditCheckpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('shard', models.PositiveSmallIntegerField(verbose_name='chain shard')),
                ('shard_seq', models.BigIntegerField(verbose_name='sequence in shard')),
                ('row_hash', models.CharField(max_length=64, verbose_name='row hash')),
                ('at', models.DateTimeField(verbose_name='time')),
                ('signature', models.CharField(max_length=128, verbose_name='signature')),
            ],
            options={
                'verbose_name': 'audit checkpoint',
                'verbose_name_plural': 'audit checkpoints',
                'ordering': ['-at', '-pk'],
            },
        ),
        migrations.AddField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='previous hash'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='row_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='row hash'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='shard',
            field=models.PositiveSmallIntegerField(default=0, editable=False, verbose_name='chain shard'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='shard_seq',
            field=models.BigIntegerField(editable=False, null=True, verbose_name='sequence in shard'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False, verbose_name='time'),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='auditevent',
            constraint=models.UniqueConstraint(fields=('shard', 'shard_seq'), name='egov_auditevent_unique_chain_seq'),
        ),
        migrations.AddConstraint(
            model_name='auditcheckpoint',
            constraint=models.UniqueConstraint(fields=('shard', 'shard_seq'), name='egov_auditcheckpoint_unique'),
        ),
        migrations.RunPython(checkpoint_trigger, checkpoint_trigger_drop),
    ]
