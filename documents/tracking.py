"""
The sender's tracking board of one document (selectors): where each recipient stands, in the
words a clerk uses — waiting to be sent, arrived, registered, being handled, done, rejected,
failed — with counters, filters, sorting and each recipient's full history.

The stage is computed by the database (a CASE over the delivery state and the latest business
status), so the counters are one aggregate query and a filter or a sort is a WHERE / ORDER BY,
whatever the number of recipients (a document to every unit of the province: ~450). A page
shows PAGE_SIZE recipients; rejections and failures come first, with their reasons.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, CharField, Count, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from egov.core.text import search_key

from .choices import DeliveryState, EventKind, StatusCode, actor_label
from .models import Dispatch, DispatchEvent, Document

__all__ = ["STAGES", "PAGE_SIZE", "SORTS", "Board", "dispatch_board", "dispatch_history", "board_is_final"]

PAGE_SIZE = 50
# key → label, in the order of the counters; "problem" stages first on the page.
STAGES = {
    "failed": _("Failed"),
    "rejected": _("Rejected"),
    "pending": _("Waiting to be sent"),
    "arrived": _("Arrived"),
    "accepted": _("Registered"),
    "in_progress": _("Being handled"),
    "done": _("Done"),
    "request": _("Take-back / update request"),
}
PROBLEMS = ("failed", "rejected")
FINAL = ("failed", "rejected", "done")  # nothing more will happen unless someone acts
SORTS = {
    "problems": _("Problems first"),
    "name": _("Recipient"),
    "recent": _("Latest change"),
    "stage": _("Stage"),
}


def _stage():
    return Case(
        When(state=DeliveryState.FAILED, then=Value("failed")),
        When(state__in=[DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.RETRYING], then=Value("pending")),
        When(status_code=StatusCode.REJECTED, then=Value("rejected")),
        When(status_code=StatusCode.DONE, then=Value("done")),
        When(status_code__in=[StatusCode.ASSIGNED, StatusCode.IN_PROGRESS], then=Value("in_progress")),
        When(status_code=StatusCode.ACCEPTED, then=Value("accepted")),
        When(status_code__in=[StatusCode.TAKE_BACK_REQUESTED, StatusCode.REQUEST_AGREED,
                              StatusCode.REQUEST_REFUSED], then=Value("request")),
        default=Value("arrived"), output_field=CharField())


def _rank():
    order = list(STAGES)
    return Case(*[When(stage=k, then=Value(i)) for i, k in enumerate(order)], output_field=IntegerField())


@dataclass
class Board:
    counts: dict
    total: int
    rows: list
    page: int
    pages: int
    filtered: int
    stage: list
    sort: str
    q: str

    @property
    def final(self) -> bool:
        return board_is_final(self.counts)


def board_is_final(counts: dict) -> bool:
    """Every recipient is in a final stage (done, rejected or failed): nothing to poll for."""
    total = sum(counts.values())
    return total > 0 and sum(counts.get(k, 0) for k in FINAL) == total


def dispatch_board(*, document: Document, stage: list[str] | None = None, q: str = "", sort: str = "problems",
                   page: int = 1) -> Board:
    """Counters (one query), then one page of recipients (one query, with the recipient's số đến)."""
    base = Dispatch.objects.filter(document=document).annotate(stage=_stage())
    counts = {row["stage"]: row["n"] for row in base.values("stage").annotate(n=Count("pk")).order_by()}
    counts = {k: counts.get(k, 0) for k in STAGES}
    qs = base
    stage = [s for s in (stage or []) if s in STAGES]
    if stage:
        qs = qs.filter(stage__in=stage)
    words = search_key(q or "").split()[:6]
    for w in words:
        qs = qs.filter(Q(recipient__search_text__contains=w) | Q(recipient__code__icontains=w))
    sort = sort if sort in SORTS else "problems"
    if sort == "name":
        qs = qs.order_by("recipient__name", "pk")
    elif sort == "recent":
        qs = qs.order_by("-status_at", "-delivered_at", "pk")
    elif sort == "stage":
        qs = qs.annotate(rank=_rank()).order_by("rank", "recipient__path", "pk")
    else:
        qs = qs.annotate(problem=Case(When(stage__in=PROBLEMS, then=Value(0)), default=Value(1),
                                      output_field=IntegerField())).order_by("problem", "recipient__path", "pk")
    filtered = qs.count() if (stage or words) else sum(counts.values())
    pages = max(1, -(-filtered // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = list(qs.select_related("recipient", "addressed_to").values(
        "pk", "stage", "state", "state_reason", "last_error", "status_code", "status_at", "status_note", "status_by",
        "delivered_at", "attempts", "recipient__name", "recipient__code", "addressed_to__name",
        "incoming__incoming_number", "remote_incoming_number", "is_remote")[(page - 1) * PAGE_SIZE: page * PAGE_SIZE])
    for r in rows:
        r["stage_label"] = STAGES[r["stage"]]
        r["reason"] = (r["status_note"] if r["stage"] == "rejected"
                       else (r["last_error"] or r["state_reason"]) if r["stage"] in ("failed", "pending") else "")
        r["status_label"] = StatusCode(r["status_code"]).label if r["status_code"] in StatusCode.values else ""
    return Board(counts=counts, total=sum(counts.values()), rows=rows, page=page, pages=pages, filtered=filtered,
                 stage=stage, sort=sort, q=q)


def dispatch_history(*, dispatch: Dispatch) -> list[dict]:
    """One recipient's full history: delivery steps and business statuses 01→06, who and when."""
    out = []
    for e in DispatchEvent.objects.filter(dispatch=dispatch).order_by("at", "pk"):
        if e.kind == EventKind.BUSINESS:
            label = StatusCode(e.code).label if e.code in StatusCode.values else e.code
        else:
            label = DeliveryState(e.code).label if e.code in DeliveryState.values else e.code
        out.append({"at": e.at, "kind": e.kind, "code": e.code, "label": label, "who": actor_label(e.actor_id, e.actor_name),
                    "note": e.note_display})
    return out
