"""
The sweeper of files held across a compose error (documents/views/held_files.py): a file chosen
on the compose form is stored under ``compose-hold/<user>/<random>/<name>`` when the form comes
back with an error, and its signed reference is good for HOLD_MAX_AGE. A user who never sends the
form again leaves it behind; the beat task removes such files once they are older than that
(one audit row each: what was removed, whose, how old).
"""
from __future__ import annotations

import datetime
import logging
import os

from django.core.files.storage import default_storage
from django.utils import timezone

from egov.core.audit import audit_build, audit_bulk
from egov.core.db import service_atomic

from ..choices import AuditVerb

__all__ = ["HOLD_DIR", "HOLD_MAX_AGE", "held_files_sweep"]

log = logging.getLogger(__name__)

HOLD_DIR = "compose-hold"
HOLD_MAX_AGE = 24 * 3600  # seconds: a held file's reference is good for a day, then the file goes


def _walk(storage, top: str):
    """Every file path under ``top`` in ``storage`` (listdir, so any storage backend)."""
    try:
        dirs, files = storage.listdir(top)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{top}/{name}"
    for d in dirs:
        yield from _walk(storage, f"{top}/{d}")


def _prune_empty_dirs(storage, top: str) -> None:
    """Remove emptied folders (a filesystem storage keeps them; object stores have none)."""
    if not hasattr(storage, "path"):
        return
    try:
        root = storage.path(top)
    except NotImplementedError:
        return
    for folder, _dirs, _files in sorted(os.walk(root), key=lambda w: -len(w[0])):
        if folder != root:
            try:
                os.rmdir(folder)
            except OSError:
                pass  # not empty


def held_files_sweep(*, now=None, storage=None) -> int:
    """Remove held compose files older than HOLD_MAX_AGE; returns how many were removed."""
    storage = storage or default_storage
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=HOLD_MAX_AGE)
    removed = []
    for path in _walk(storage, HOLD_DIR):
        try:
            modified = storage.get_modified_time(path)
            size = storage.size(path)
        except FileNotFoundError:
            continue  # used or removed meanwhile
        if timezone.is_naive(modified):
            modified = timezone.make_aware(modified, datetime.UTC)
        if modified >= cutoff:
            continue
        storage.delete(path)
        parts = path.split("/")
        removed.append({"path": path, "user": int(parts[1]) if len(parts) > 3 and parts[1].isdigit() else None,
                        "size": size, "age_hours": round((now - modified).total_seconds() / 3600, 1)})
    if removed:
        with service_atomic():
            audit_bulk(audit_build(verb=AuditVerb.HELD_FILE_REMOVED, object_type="documents.heldfile",
                                   object_id=r["path"].split("/")[2] if r["path"].count("/") >= 3 else r["path"][-64:],
                                   details=r) for r in removed)
        log.info("removed %d held compose files", len(removed))
    _prune_empty_dirs(storage, HOLD_DIR)
    return len(removed)
