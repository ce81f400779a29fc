"""
ETag / If-Match. The ETag is a hash of the resource's API representation, so any change a
client could see changes it. A state change with ``If-Match`` locks the row, recomputes the
ETag and answers 412 if it differs: no lost update between two clients.
"""
from __future__ import annotations

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

from .errors import PreconditionFailed


def etag_of(data) -> str:
    blob = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, default=str)
    return '"' + hashlib.sha256(blob.encode()).hexdigest()[:32] + '"'


def _tags(header: str) -> list[str]:
    out = []
    for part in header.split(","):
        part = part.strip()
        if part.startswith("W/"):
            part = part[2:]
        if part:
            out.append(part)
    return out


def check_if_match(request, current_etag: str) -> None:
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return
    if current_etag not in _tags(header):
        raise PreconditionFailed(_("The resource has changed since you read it; read it again and retry."))
