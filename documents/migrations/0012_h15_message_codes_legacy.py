"""
Old notifications and timeline notes were stored as sentences in the language of whoever acted.
Those that read as one of the portal's messages with plain parameters (documents.messages
LEGACY_*) get their code and parameters, so that they too are shown in the reader's language;
the others keep their stored text (shown as written, as before). Nothing is lost: ``text`` and
``note`` are not changed.
"""
from django.db import migrations

BATCH = 2000


def forwards(apps, schema_editor):
    from documents import messages
    from egov.core.messages import legacy_parse

    for model, text_field, code_field, params_field, codes in (
        (apps.get_model("egov", "Notification"), "text", "message_code", "message_params",
         messages.LEGACY_NOTIFICATIONS),
        (apps.get_model("documents", "DispatchEvent"), "note", "note_code", "note_params", messages.LEGACY_NOTES),
    ):
        changed = []
        rows = model.objects.filter(**{code_field: ""}).exclude(**{text_field: ""}).only("pk", text_field)
        for row in rows.iterator(chunk_size=BATCH):
            found = legacy_parse(getattr(row, text_field), codes)
            if found:
                setattr(row, code_field, found[0])
                setattr(row, params_field, found[1])
                changed.append(row)
            if len(changed) >= BATCH:
                model.objects.bulk_update(changed, [code_field, params_field])
                changed = []
        if changed:
            model.objects.bulk_update(changed, [code_field, params_field])


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0011_h15_message_codes"),
        ("egov", "0010_h15_message_codes"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
