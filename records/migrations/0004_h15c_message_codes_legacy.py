"""
Records notifications and file-trail details written before they were codes were stored as
sentences in the language of whoever acted. Those that read as one of the records app's messages
with plain parameters (records.messages LEGACY_*) get their code and parameters and are shown in
the reader's language from then on; the others keep their stored text. Nothing stored is changed
but the code and parameter columns.
"""
from django.db import migrations


def forwards(apps, schema_editor):
    from egov.core.messages import legacy_fill
    from records import messages

    legacy_fill(apps.get_model("egov", "Notification"), "text", "message_code", "message_params",
                messages.LEGACY_NOTIFICATIONS)
    legacy_fill(apps.get_model("records", "FileEvent"), "detail", "detail_code", "detail_params",
                messages.LEGACY_EVENTS)


class Migration(migrations.Migration):

    dependencies = [
        ("records", "0003_h15c_message_codes"),
        ("egov", "0011_merge_wave3"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
