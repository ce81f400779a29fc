"""
Peer HMAC secrets become encrypted text columns (egov.core.crypto.EncryptedTextField).
"""
import egov.core.crypto
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('federation', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='peer',
            name='inbound_secret',
            field=egov.core.crypto.EncryptedTextField(blank=True, help_text='HMAC key the peer signs its requests to this portal with (stored encrypted).', verbose_name='secret of its requests'),
        ),
        migrations.AlterField(
            model_name='peer',
            name='outbound_secret',
            field=egov.core.crypto.EncryptedTextField(blank=True, help_text='HMAC key this portal signs its requests to the peer with (stored encrypted).', verbose_name='secret of our requests'),
        ),
    ]
