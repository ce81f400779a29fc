"""Helpers shared by the views: the active unit, keyset pagination, service errors."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from egov.portal import portal_context

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
COUNT_CAP = 1000  # lists say "more than 1000" instead of counting 100,000 rows on every page


def active_unit_or_403(request):
    ctx = portal_context(request)
    if ctx.unit is None:
        raise PermissionDenied(_("You do not belong to any unit yet. Ask your unit administrator."))
    return ctx


@dataclass
class KeysetPage:
    """
    One page of a list ordered by (time DESC, id DESC). The cursor is the last row's key, so
    page 1 and page 5,000 cost the same index range scan; there is no OFFSET.
    """

    rows: list
    next_cursor: str | None
    count: int
    count_capped: bool
    is_first: bool


def _encode(ts: datetime.datetime, pk: int) -> str:
    us = (ts - EPOCH) // datetime.timedelta(microseconds=1)
    return f"{us}.{pk}"


def _decode(cursor: str):
    try:
        us, pk = cursor.split(".", 1)
        return EPOCH + datetime.timedelta(microseconds=int(us)), int(pk)
    except (ValueError, OverflowError):
        return None


def keyset_paginate(qs: QuerySet, *, cursor: str | None, time_field: str, per_page: int = 25) -> KeysetPage:
    ordered = qs.order_by(f"-{time_field}", "-pk")
    decoded = _decode(cursor) if cursor else None
    page_qs = ordered
    if decoded is not None:
        ts, pk = decoded
        page_qs = ordered.filter(Q(**{f"{time_field}__lt": ts}) | Q(**{time_field: ts, "pk__lt": pk}))
    rows = list(page_qs[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    # A bounded count: reads at most COUNT_CAP + 1 index entries however large the list is.
    count = qs.order_by()[: COUNT_CAP + 1].count()
    next_cursor = _encode(getattr(rows[-1], time_field), rows[-1].pk) if more and rows else None
    return KeysetPage(rows=rows, next_cursor=next_cursor, count=min(count, COUNT_CAP),
                      count_capped=count > COUNT_CAP, is_first=decoded is None)
