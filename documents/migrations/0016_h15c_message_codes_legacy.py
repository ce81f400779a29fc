"""
- Handling notes the portal wrote ("Answered by …" / "Trả lời bằng …") get their code.
- Federation timeline notes with plain parameters (attempt, stored as DocId, fetched/taken/refused
  by) written before they were codes get theirs.
- Date parameters stored as dd/mm/yyyy text (reminders, deadlines, certificates) become dates, so
  that each reader sees them written their own way (egov.core.messages).
Rows that do not read as one of these keep their stored text; nothing else changes.
"""
import datetime
import re

from django.db import migrations

BATCH = 2000
DMY = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
DATE_PARAMS = ("date", "due")


def _as_date(value):
    m = DMY.fullmatch(value) if isinstance(value, str) else None
    if not m:
        return None
    try:
        return {"$date": datetime.date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()}
    except ValueError:
        return None


def _dates(model, code_field, params_field):
    changed = []
    rows = model.objects.exclude(**{code_field: ""}).only("pk", params_field)
    for row in rows.iterator(chunk_size=BATCH):
        params = getattr(row, params_field) or {}
        fixed = {k: _as_date(v) for k, v in params.items() if k in DATE_PARAMS and _as_date(v)}
        if fixed:
            setattr(row, params_field, {**params, **fixed})
            changed.append(row)
        if len(changed) >= BATCH:
            model.objects.bulk_update(changed, [params_field])
            changed = []
    if changed:
        model.objects.bulk_update(changed, [params_field])


def forwards(apps, schema_editor):
    from documents import messages as M
    from egov.core.messages import legacy_fill

    legacy_fill(apps.get_model("documents", "HandlingNote"), "text", "text_code", "text_params",
                [M.NOTE_ANSWERED_BY.code])
    legacy_fill(apps.get_model("documents", "DispatchEvent"), "note", "note_code", "note_params",
                [M.NOTE_ATTEMPT.code, M.NOTE_STORED_AS.code, M.NOTE_FETCHED_BY.code, M.NOTE_TAKEN_BY.code,
                 M.NOTE_REFUSED_BY.code])
    _dates(apps.get_model("egov", "Notification"), "message_code", "message_params")


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0015_h15c_message_codes"),
        ("egov", "0011_merge_wave3"),
        ("records", "0004_h15c_message_codes_legacy"),  # records' old sentences first, then their dates
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
