"""
Old notifications and timeline notes were stored as sentences in the language of whoever acted.
Those that read as one of the portal's messages with plain parameters (documents.messages
LEGACY_*) get their code and parameters, so that they too are shown in the reader's language;
the others keep their stored text (shown as written, as before). Nothing is lost: ``text`` and
``note`` are not changed.
"""
from django.db import migrations


def forwards(apps, schema_editor):
    from documents import messages
    from egov.core.messages import legacy_fill

    legacy_fill(apps.get_model("egov", "Notification"), "text", "message_code", "message_params",
                messages.LEGACY_NOTIFICATIONS)
    legacy_fill(apps.get_model("documents", "DispatchEvent"), "note", "note_code", "note_params",
                messages.LEGACY_NOTES)


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0011_h15_message_codes"),
        ("egov", "0010_h15_message_codes"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
