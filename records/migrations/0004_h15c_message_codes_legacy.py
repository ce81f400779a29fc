"""
Records notifications and file-trail details written before they were codes were stored as
sentences in the language of whoever acted. Those that read as one of the records app's messages
with plain parameters (records.messages LEGACY_*) get their code and parameters and are shown in
the reader's language from then on; the others keep their stored text. Nothing stored is changed
but the code and parameter columns.
"""
from django.db import migrations

BATCH = 2000


def forwards(apps, schema_editor):
    from egov.core.messages import legacy_parse
    from records import messages

    for model, text_field, code_field, params_field, codes, where in (
        (apps.get_model("egov", "Notification"), "text", "message_code", "message_params",
         messages.LEGACY_NOTIFICATIONS, {}),
        (apps.get_model("records", "FileEvent"), "detail", "detail_code", "detail_params", messages.LEGACY_EVENTS, {}),
    ):
        changed = []
        rows = model.objects.filter(**{code_field: ""}, **where).exclude(**{text_field: ""}).only("pk", text_field)
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
        ("records", "0003_h15c_message_codes"),
        ("egov", "0011_merge_wave3"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
