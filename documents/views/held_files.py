"""
Files chosen on the compose form are kept across a validation error.

A browser cannot re-fill a file input, so when the form comes back with an error the files
that were fine are stored under ``compose-hold/<user>/<random>/`` in the portal's storage and
offered again as ticked "kept files" (a signed reference each: only the user who chose a file
can use it, for a day). Saving the draft attaches them through the same services as a fresh
upload and removes the held copies. This is UI state, not a record: nothing else refers to it.
"""
from __future__ import annotations

import os
import secrets

from django.core import signing
from django.core.files.storage import default_storage

from ..services.held import HOLD_DIR, HOLD_MAX_AGE  # the beat task held_files_sweep removes old ones
_SALT = "egov.compose.held"


def hold(request, uploads) -> list[dict]:
    """Store ``(upload, kind)`` pairs; return what the form shows again (name, kind, signed ref)."""
    out = []
    for upload, kind in uploads:
        name = os.path.basename(getattr(upload, "name", "") or "file")[:200]
        upload.seek(0)
        path = default_storage.save(f"{HOLD_DIR}/{request.user.pk}/{secrets.token_hex(8)}/{name}", upload)
        out.append({"ref": signing.dumps({"p": path, "k": kind, "u": request.user.pk}, salt=_SALT),
                    "name": name, "kind": kind})
    return out


def held(request, refs) -> list[dict]:
    """The held files the form sent back (refs that are the user's, recent and still stored)."""
    out = []
    for ref in refs:
        try:
            data = signing.loads(ref, salt=_SALT, max_age=HOLD_MAX_AGE)
        except signing.BadSignature:
            continue
        path = data.get("p", "")
        if data.get("u") != request.user.pk or not path.startswith(f"{HOLD_DIR}/{request.user.pk}/"):
            continue
        if not default_storage.exists(path):
            continue
        out.append({"ref": ref, "path": path, "kind": data.get("k"), "name": os.path.basename(path)})
    return out


def open_held(items):
    """``(file, kind)`` pairs for the services, from ``held()`` items (the caller closes them)."""
    files = []
    for item in items:
        fh = default_storage.open(item["path"], "rb")
        fh.name = item["name"]
        files.append((fh, item["kind"]))
    return files


def release(items) -> None:
    for item in items:
        default_storage.delete(item["path"])
