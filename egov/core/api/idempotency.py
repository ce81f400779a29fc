"""
``Idempotency-Key`` on POSTs that create or send (docs/api.md, "Idempotency").

Insert first, in the same transaction as the work: the handler runs inside a transaction that
began by inserting ``IdempotencyRecord(principal, key)``. A concurrent request with the same
key blocks on the unique index (PostgreSQL) or on the write lock (SQLite, IMMEDIATE
transactions) until the first one commits, then fails to insert and replays the stored
response; if the first one rolled back, the second simply does the work. So a key never
yields two documents, and a record is never visible half-done. Responses below 500 are kept
(a validation error replays as the same validation error); a 5xx rolls everything back so
the client may retry with the same key. The same key with another body gets 409.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response

from ..db import service_atomic
from .errors import Conflict
from .models import ApiClient, IdempotencyRecord

HEADER = "Idempotency-Key"
KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")
REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_HEADERS = ("ETag", "Location")


class _RollBack(Exception):
    def __init__(self, response):
        self.response = response


def principal_of(request) -> str:
    if isinstance(request.auth, ApiClient):
        return f"client:{request.auth.pk}"
    return f"user:{request.user.pk}"


def _canon_value(value):
    if hasattr(value, "chunks"):  # an uploaded file: its name and content hash
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "sha256": digest.hexdigest()}
    return value


def request_fingerprint(request) -> str:
    data = request.data
    if hasattr(data, "lists"):  # QueryDict (form / multipart): keys sorted, files by content
        data = [[k, [_canon_value(v) for v in vs]] for k, vs in sorted(data.lists())]
    blob = json.dumps([request.method, request.path, sorted(request.query_params.lists()), data],
                      sort_keys=True, cls=DjangoJSONEncoder, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        raise Conflict(_("This Idempotency-Key was already used with a different request."),
                       code="idempotency_key_reused")
    headers = {**(record.response_headers or {}), REPLAYED_HEADER: "true"}
    return Response(record.response_body, status=record.status_code, headers=headers)


def idempotent(handler):
    """Decorate a viewset action (POST) so that it honours ``Idempotency-Key``."""

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(self, request, *args, **kwargs)
        if not KEY_RE.match(key):
            raise exceptions.ValidationError(
                {HEADER: [_("The Idempotency-Key must be 1 to 255 visible ASCII characters.")]})
        principal, fingerprint = principal_of(request), request_fingerprint(request)
        try:
            # The outermost transaction of the request: the service inside runs as a savepoint, so
            # its work and the stored response commit together (egov.core.db).
            with service_atomic():
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            principal=principal, key=key, method=request.method, path=request.path[:500],
                            request_hash=fingerprint)
                except IntegrityError:
                    record = None
                if record is None:
                    existing = IdempotencyRecord.objects.get(principal=principal, key=key)
                    return _replay(existing, fingerprint)
                try:
                    response = handler(self, request, *args, **kwargs)
                except Exception as exc:  # noqa: BLE001 - turned into the stored error response
                    response = self.handle_exception(exc)
                if response.status_code >= 500:
                    raise _RollBack(response)
                record.status_code = response.status_code
                record.response_body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
                record.response_headers = {h: response[h] for h in KEPT_HEADERS if response.has_header(h)}
                record.save(update_fields=["status_code", "response_body", "response_headers"])
                return response
        except _RollBack as rb:
            return rb.response

    wrapper.idempotent = True
    return wrapper
