# Joins the third wave's egov migrations (issues 15, 16, 17).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('egov', '0010_h15_message_codes'),
        ('egov', '0010_h16_checkpoint_timestamp'),
        ('egov', '0010_h17_partition_access_log'),
    ]

    operations = [
    ]
