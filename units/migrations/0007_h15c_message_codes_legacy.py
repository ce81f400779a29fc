"""
History notes the portal wrote before they were codes — "Parent … merged" and the directory
sync's "directory of PEER[ (QĐ 20)]" — get their code, so that they are read in the reader's
language; other notes (people's words) keep their stored text.
"""
import re

from django.db import migrations

BATCH = 2000
DIRECTORY = re.compile(r"directory of (.+?)( \(QĐ 20\))?")


def forwards(apps, schema_editor):
    from egov.core.messages import legacy_parse
    from units import messages as M

    UnitChange = apps.get_model("units", "UnitChange")
    changed = []
    for row in UnitChange.objects.filter(note_code="").exclude(note="").only("pk", "note").iterator(chunk_size=BATCH):
        m = DIRECTORY.fullmatch(row.note)
        found = ((M.DIRECTORY_SYNC_QD20 if m.group(2) else M.DIRECTORY_SYNC).code, {"peer": m.group(1)}) if m \
            else legacy_parse(row.note, M.LEGACY_NOTES)
        if found:
            row.note_code, row.note_params = found
            changed.append(row)
        if len(changed) >= BATCH:
            UnitChange.objects.bulk_update(changed, ["note_code", "note_params"])
            changed = []
    if changed:
        UnitChange.objects.bulk_update(changed, ["note_code", "note_params"])


class Migration(migrations.Migration):

    dependencies = [("units", "0006_h15c_message_codes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
