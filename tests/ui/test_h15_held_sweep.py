"""
Issue 15: files held across a compose error that nobody comes back for are removed by the beat
task after a day (audited); a recent one stays and can still be used.
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.models import Attachment
from documents.services.held import HOLD_DIR, HOLD_MAX_AGE, held_files_sweep
from documents.tasks import held_files_sweep_task
from egov.core.models import AuditEvent
from tests.documents.conftest import PDF


def _hold(client, name: str) -> str:
    response = client.post(reverse("documents:document_create"), {
        "doc_type": "CV", "notation_suffix": "VP", "subject": "x" * 501, "urgency": "0",
        "main_file": SimpleUploadedFile(name, PDF, "application/pdf")})
    assert response.status_code == 400
    return re.search(r'name="held" value="([^"]+)"', response.content.decode()).group(1)


def test_old_held_files_are_swept_and_audited_recent_ones_stay(province, login, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    clerk = province.clerk(province.snv)
    client = login(clerk)
    _hold(client, "bo-quen.pdf")
    fresh_ref = _hold(client, "dang-dung.pdf")
    held = {p.name: p for p in (tmp_path / HOLD_DIR).rglob("*.pdf")}
    assert set(held) == {"bo-quen.pdf", "dang-dung.pdf"}
    old = time.time() - HOLD_MAX_AGE - 3600
    os.utime(held["bo-quen.pdf"], (old, old))

    assert held_files_sweep_task.apply().get() == 1  # the beat's task, run in-process
    assert not held["bo-quen.pdf"].exists() and not held["bo-quen.pdf"].parent.exists()  # its folder too
    assert held["dang-dung.pdf"].exists()
    [row] = AuditEvent.objects.filter(verb="compose.held_file_removed")
    assert row.details["path"].endswith("/bo-quen.pdf") and row.details["user"] == clerk.pk
    assert row.details["size"] == len(PDF) and row.details["age_hours"] >= 25
    assert held_files_sweep() == 0  # nothing more to do

    # the recent one is still usable, then gone from the hold
    response = client.post(reverse("documents:document_create"), {
        "doc_type": "CV", "notation_suffix": "VP", "subject": "Tờ trình", "urgency": "0", "held": [fresh_ref]})
    assert response.status_code == 302
    assert Attachment.objects.get().original_name == "dang-dung.pdf"
    assert not list(Path(tmp_path / HOLD_DIR).rglob("*.pdf"))


def test_the_sweep_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["held-files-sweep"]
    assert entry["task"] == held_files_sweep_task.name and entry["schedule"] <= 24 * 3600
