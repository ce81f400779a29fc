"""
The access log (NĐ 30 Phụ lục VI III.6.a, l): every view, download and printout of a document
or a file by a person. A view calls ``access_note(request, …)``, which only appends to the
request's buffer; ``AccessLogMiddleware`` registers the buffer to be written in one
``bulk_create`` when the response is closed — after its bytes have gone to the client, so the
page is not slowed by the log. Objects are named by a string label and an id
(``documents.document`` / 42): the base layer knows no app. Append-only, like the audit.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import models
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AccessLog

__all__ = ["AccessAction", "access_note", "access_flush", "access_counts", "access_history", "access_rows",
           "AccessLogMiddleware"]

log = logging.getLogger(__name__)


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    DOWNLOAD = "download", _("Downloaded")
    PRINT = "print", _("Printed")


def _client_ip(request) -> str | None:
    # The portal sits behind one reverse proxy in production: REMOTE_ADDR is set by gunicorn from it.
    return request.META.get("REMOTE_ADDR") or None


def access_note(request, *, object_type: str, object_id, action: AccessAction = AccessAction.VIEW,
                unit_id: int | None = None) -> None:
    """Record (at the end of the request) that the request's user accessed an object."""
    if not isinstance(action, AccessAction):
        raise TypeError(f"access actions are AccessAction choices: {action!r}")
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return
    # A DRF request wraps the HttpRequest the middleware sees: the buffer lives on the latter
    # (the user is the DRF one: a token's user is not on the HttpRequest).
    http_request = getattr(request, "_request", request)
    buffer = http_request.__dict__.setdefault("_egov_access", [])
    buffer.append(AccessLog(at=timezone.now(), user_id=user.pk, unit_id=unit_id, action=action.value,
                            object_type=object_type[:64], object_id=str(object_id)[:64],
                            ip_address=_client_ip(request),
                            user_agent=request.META.get("HTTP_USER_AGENT", "")[:200]))


def access_flush(rows: list[AccessLog]) -> int:
    """Write buffered rows in one statement. A failure is logged, never shown to the user."""
    if not rows:
        return 0
    try:
        AccessLog.objects.bulk_create(rows, batch_size=500)
    except Exception:  # noqa: BLE001 - the response is already sent; losing a log row must not raise
        log.exception("access log: %d rows not written", len(rows))
        return 0
    return len(rows)


class AccessLogMiddleware:
    """Write the request's access rows once the response is closed (after streaming a file)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        rows = request.__dict__.get("_egov_access")
        if rows:
            response._resource_closers.append(lambda: access_flush(rows))
        return response


def access_counts(*, object_type: str, object_ids: Iterable, unit_id: int | None = None) -> dict[str, dict[str, int]]:
    """{object_id: {action: count, "total": n}} for the given objects (one query); by one unit's staff if given."""
    ids = [str(i) for i in object_ids]
    out: dict[str, dict[str, int]] = {i: {"total": 0} for i in ids}
    qs = AccessLog.objects.filter(object_type=object_type, object_id__in=ids)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    rows = (qs.order_by()
            .values_list("object_id", "action").annotate(n=Count("pk")))
    for object_id, action, n in rows:
        out[object_id][action] = n
        out[object_id]["total"] += n
    return out


def access_rows(*, objects: Iterable[tuple[str, object]], unit_id: int | None = None):
    """Every access to any of the (object_type, object_id) pairs, newest first, with the user (unsliced)."""
    q = models.Q(pk__in=[])
    for object_type, object_id in objects:
        q |= models.Q(object_type=object_type, object_id=str(object_id))
    qs = AccessLog.objects.filter(q)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return qs.select_related("user", "unit").order_by("-at", "-pk")


def access_history(*, objects: Iterable[tuple[str, object]], unit_id: int | None = None, limit: int = 200):
    """The latest accesses to any of the (object_type, object_id) pairs, newest first, with the user."""
    return access_rows(objects=objects, unit_id=unit_id)[:limit]
