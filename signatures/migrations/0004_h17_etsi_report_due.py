"""
h17: the deferred ETSI reports are built by a sweep (``signatures.etsi_reports``) instead of a task
published per verification. ``etsi_report_due`` marks the rows still to build, under a partial
index; the rows deferred before this migration and still without a report are marked.
"""

from django.db import migrations, models


def _mark_deferred(apps, schema_editor):
    Verification = apps.get_model("signatures", "Verification")
    Verification.objects.filter(etsi_report="", evidence__etsi_report="deferred").update(etsi_report_due=True)


class Migration(migrations.Migration):

    dependencies = [
        ('signatures', '0003_h17_verification_lz4'),
    ]

    operations = [
        migrations.AddField(
            model_name='verification',
            name='etsi_report_due',
            field=models.BooleanField(default=False, editable=False, verbose_name='ETSI report due'),
        ),
        migrations.RunPython(_mark_deferred, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='verification',
            index=models.Index(condition=models.Q(('etsi_report_due', True)), fields=['id'], name='signatures_verif_etsi_due'),
        ),
    ]
