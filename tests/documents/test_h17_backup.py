"""Backup → wipe → restore → check on a populated portal (h17), against the real PostgreSQL."""
from __future__ import annotations

import json
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from documents.models import Attachment, DispatchEvent, IncomingRecord
from documents.services import deliver_local_batch, document_send
from egov.core.models import AccessLog

from .conftest import make_issued

pytestmark = [pytest.mark.isolated, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def populated(province, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("backup/restore_check drive pg_dump/pg_restore: PostgreSQL only")
    settings.MEDIA_ROOT = tmp_path / "media"
    from django.core.files.storage import default_storage
    from django.utils.functional import empty

    default_storage._wrapped = empty  # re-read MEDIA_ROOT (LazyObject: ``empty`` means "set up on next use")
    clerk = province.clerk(province.ubnd)
    docs = [make_issued(province.ubnd, clerk, subject=f"Văn bản sao lưu {i}") for i in range(3)]
    for doc in docs:
        dispatches = document_send(document=doc, acting_user=clerk, units=[province.snv, province.stc])
        deliver_local_batch(dispatch_ids=[d.pk for d in dispatches])
    assert IncomingRecord.objects.count() == 6
    yield tmp_path
    # Back to the run's storage. (Popping ``_wrapped`` from __dict__ would leave LazyObject's class
    # attribute ``None``, and every later test would fail on ``None.exists``.)
    default_storage._wrapped = empty


def _run(*args):
    out = StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_backup_wipe_restore_check(populated, settings):
    backup = populated / "backup"
    summary = _run("backup", str(backup))
    assert summary["files"] >= 1 and summary["audit_rows"] > 0
    # Wipe the live storage: the check must rest on the backup alone.
    shutil.rmtree(settings.MEDIA_ROOT)
    report = _run("restore_check", str(backup))
    assert report["ok"], report["problems"]
    assert report["attachments"] == Attachment.objects.count() and report["files"] == summary["files"]
    assert report["audit_rows"] == summary["audit_rows"]
    # The partitioned tables are counted through their parents (PostgreSQL: partitions by month),
    # the partitions themselves are no model's table and not counted twice.
    tables = json.loads((backup / "manifest.json").read_text())["tables"]
    assert tables["documents_dispatchevent"] == DispatchEvent.objects.count() > 0
    assert tables["egov_accesslog"] == AccessLog.objects.count()
    assert not [t for t in tables if t.startswith(("documents_dispatchevent_", "egov_accesslog_"))]


def test_a_damaged_backup_fails_the_check(populated):
    backup = populated / "backup"
    _run("backup", str(backup))
    victim = next(p for p in (backup / "files").rglob("*") if p.is_file())
    victim.write_bytes(victim.read_bytes() + b"tampered")
    with pytest.raises(CommandError, match="differs from the inventory"):
        call_command("restore_check", str(backup), "--json", stdout=StringIO())


def test_rows_added_after_the_manifest_fail_the_check(populated):
    backup = populated / "backup"
    _run("backup", str(backup))
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["tables"]["documents_incomingrecord"] += 1  # the dump lacks a row the manifest promised
    (backup / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="row counts differ"):
        call_command("restore_check", str(backup), "--json", stdout=StringIO())
