"""
Directory sync from an axis peer: ``getAgenciesList`` (or ``getAgenciesListQD20``) streamed with
ijson straight into ``units.sync.RemoteDirectorySync`` — the ~111,000-entry answer is never held
in memory. Agencies become remote units of the peer (``Unit.peer_ref = Peer.code``) with their
parent, names and contact fields; renames, moves and disappearances go through the units app's
reorganisation services (history kept). See docs/federation.md.
"""
from __future__ import annotations

import time

import ijson
from django.db import connection
from django.utils import timezone

from egov.core.audit import audit_record
from units import messages as UM
from units.sync import RemoteDirectorySync

from ..choices import AuditVerb
from ..models import Peer
from .client import client_for

__all__ = ["axis_directory_sync", "directory_entries", "normalise_agency"]

_KEYS = {
    "code": ("code", "Code", "agencyCode", "AgencyCode", "organId", "OrganId", "id"),
    "name": ("name", "Name", "agencyName", "AgencyName", "organName", "OrganName"),
    "short_name": ("shortName", "ShortName", "short_name"),
    "parent_code": ("parentCode", "ParentCode", "parent_code", "pid", "parentId", "parent"),
    "address": ("address", "Address", "OrganAdd"),
    "email": ("email", "Email"),
    "phone": ("phone", "Phone", "telephone", "Telephone"),
    "fax": ("fax", "Fax"),
    "website": ("website", "Website"),
}


def normalise_agency(item: dict) -> dict:
    """The fields of one agency entry, whatever spelling the hub uses for the keys."""
    out = {}
    for field, keys in _KEYS.items():
        value = ""
        for key in keys:
            found = item.get(key)
            if found is not None and found != "":
                value = str(found)
                break
        out[field] = value
    return out


def directory_entries(stream):
    """Agency dicts from a JSON answer (``{"data": [...]}`` or a bare list), read incrementally."""
    head = stream.read(1) if hasattr(stream, "read") else b""
    while head in (b" ", b"\n", b"\r", b"\t", b"\xef", b"\xbb", b"\xbf"):
        head = stream.read(1)

    class _Rejoin:
        def __init__(self, first, rest):
            self.first, self.rest = first, rest

        def read(self, n=-1):
            if n == 0:
                return b""  # ijson probes with read(0) to tell bytes from text
            if self.first:
                out, self.first = self.first, b""
                return out + (self.rest.read(n - 1) if n and n > 1 else b"")
            return self.rest.read(n)

    source = _Rejoin(head, stream)
    prefix = "item" if head == b"[" else "data.item"
    for item in ijson.items(source, prefix, use_float=True):
        if isinstance(item, dict):
            yield normalise_agency(item)


SPOOL_IN_MEMORY = 8 * 1024 * 1024  # bytes of the answer kept in memory before it goes to a temporary file


def _download(peer: Peer, *, qd20: bool):
    """
    The whole answer, read as fast as the hub sends it into a temporary file (memory bounded by
    SPOOL_IN_MEMORY), before any entry is written. Parsing while downloading held the hub's request
    open for as long as the batches took to write: a hub whose workers have a request timeout (our
    own gunicorn's 120 s, a real LGSP's proxy) cut the answer of a slow re-sync half way.
    """
    import shutil
    import tempfile

    response = client_for(peer).agencies_stream(qd20=qd20)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    try:
        response.raw.decode_content = True
        shutil.copyfileobj(response.raw, spool, 1024 * 1024)
    except BaseException:
        spool.close()
        raise
    finally:
        response.close()
    spool.seek(0)
    return spool


def axis_directory_sync(*, peer: Peer, qd20: bool = False, source=None, complete: bool = True, actor=None) -> dict:
    """
    Sync the peer's agency list into the unit directory. ``source``: a binary stream of the answer
    (tests and the benchmark); by default the list is fetched from the peer.

    Two syncs of the same peer are serialised by a PostgreSQL session advisory lock (per peer): the
    second waits for the first to finish, then runs as an incremental sync (without the lock both
    would create the same remote units and the second failed on the unique unit code).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"egov-axis-directory:{peer.pk}"])
    try:
        return _sync_locked(peer=peer, qd20=qd20, source=source, complete=complete, actor=actor)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"egov-axis-directory:{peer.pk}"])


def _sync_locked(*, peer: Peer, qd20: bool, source, complete: bool, actor) -> dict:
    started = time.monotonic()
    spool = None
    if source is None:
        spool = _download(peer, qd20=qd20)
        source = spool
    sync = RemoteDirectorySync(peer_ref=peer.code, actor=actor,
                               note=(UM.DIRECTORY_SYNC_QD20 if qd20 else UM.DIRECTORY_SYNC)(peer=peer.code))
    try:
        for entry in directory_entries(source):
            sync.add(entry)
        counts = sync.finish(complete=complete)
    finally:
        if spool is not None:
            spool.close()
    Peer.objects.filter(pk=peer.pk).update(directory_synced_at=timezone.now())
    counts["seconds"] = round(time.monotonic() - started, 2)
    audit_record(actor=actor, unit=None, verb=AuditVerb.AXIS_DIRECTORY_SYNCED, obj=peer,
                 details={**counts, "qd20": qd20})
    return counts
