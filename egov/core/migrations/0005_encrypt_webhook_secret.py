"""
Webhook signing secrets become an encrypted text column (egov.core.crypto.EncryptedTextField).
"""
import egov.core.crypto
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('egov', '0004_audit_notifications_moved_here'),
    ]

    operations = [
        migrations.AlterField(
            model_name='webhook',
            name='secret',
            field=egov.core.crypto.EncryptedTextField(editable=False, verbose_name='signing secret'),
        ),
    ]
