"""Helpers shared by the views: the active unit, keyset pagination, service errors."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from units.portal import portal_context

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
COUNT_CAP = 1000  # lists say "more than 1000" instead of counting 100,000 rows on every page


def non_blank(query):
    """A mutable copy of a QueryDict without its empty values ("All" in a select is no filter)."""
    out = query.copy()
    for key in list(out.keys()):
        values = [v for v in out.getlist(key) if v.strip()]
        if values:
            out.setlist(key, values)
        else:
            del out[key]
    return out


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


SEARCH_WINDOW = 2000  # newest rows searched first (see keyset_paginate)


def keyset_paginate(qs: QuerySet, *, cursor: str | None, time_field: str, per_page: int = 25,
                    search=None, search_words: list[str] | None = None) -> KeysetPage:
    """
    ``search`` (optional) narrows ``qs`` with a text filter; ``search_words`` are the words it
    requires in ``search_text``. Substring filters defeat the planner's row estimates: a common
    word matching 20,000 of a unit's 100,000 records is estimated at a few dozen rows, so the
    database fetches and sorts every match before the LIMIT. So the newest SEARCH_WINDOW rows
    after the cursor are read first (one range scan of the inbox index, ids and search keys
    only) and matched here; a common term fills the page there. Only when it does not is the
    whole list searched by the database — then the term is rare and the trigram index finds it.
    """
    ordered = qs.order_by(f"-{time_field}", "-pk")
    decoded = _decode(cursor) if cursor else None
    page_qs = ordered
    if decoded is not None:
        ts, pk = decoded
        page_qs = ordered.filter(Q(**{f"{time_field}__lt": ts}) | Q(**{time_field: ts, "pk__lt": pk}))
    if search is not None:
        if search_words:
            window = page_qs.values_list("pk", "search_text")[:SEARCH_WINDOW]
            matches = [pk for pk, text in window if all(word in text for word in search_words)]
            if len(matches) > per_page:
                rows = list(page_qs.filter(pk__in=matches[:per_page]))
                next_cursor = _encode(getattr(rows[-1], time_field), rows[-1].pk)
                # At least len(matches) exist: "more than len(matches) - 1".
                return KeysetPage(rows=rows, next_cursor=next_cursor, count=min(len(matches) - 1, COUNT_CAP),
                                  count_capped=True, is_first=decoded is None)
        qs, page_qs = search(qs), search(page_qs)
    rows = list(page_qs[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    if search is not None and decoded is None and not more:
        count = len(rows)  # a rare term: the first page holds every match, no second scan to count them
    else:
        # A bounded count: reads at most COUNT_CAP + 1 index entries however large the list is.
        count = qs.order_by()[: COUNT_CAP + 1].count()
    next_cursor = _encode(getattr(rows[-1], time_field), rows[-1].pk) if more and rows else None
    return KeysetPage(rows=rows, next_cursor=next_cursor, count=min(count, COUNT_CAP),
                      count_capped=count > COUNT_CAP, is_first=decoded is None)
