"""
Read-only statistics for the dashboard (selectors). Every function runs a fixed number of
queries whatever the amount of data, so the dashboard's cost stays flat as the province grows.
"""
from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, Exists, F, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.choices import Role, UnitKind
from units.models import Unit

from .choices import HandlerRole, IncomingStatus, StatusCode
from .models import Dispatch, Document, IncomingAssignment, IncomingRecord

__all__ = ["LEVELS", "unit_worklist", "connection_table", "exchanged_per_day", "acceptance_median_by_level"]

LEVELS = [
    (UnitKind.PROVINCE_COMMITTEE, _("Provincial People's Committee")),
    (UnitKind.DEPARTMENT, _("Departments (sở, ban, ngành)")),
    (UnitKind.DISTRICT_COMMITTEE, _("Districts")),
    (UnitKind.COMMUNE_COMMITTEE, _("Communes")),
]
OPEN = [IncomingStatus.ACCEPTED, IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS]
DUE_SOON_DAYS = 3


@dataclass
class Worklist:
    new_count: int
    new: list
    mine_count: int
    mine: list
    overdue_count: int
    due_soon_count: int
    due: list
    waiting_count: int
    waiting: list
    assign_count: int = 0
    assign: list = None


def unit_worklist(*, unit: Unit, user, roles: set[str], size: int = 5) -> Worklist:
    """The boxes of the dashboard for one unit and one user (ten queries)."""
    today = timezone.localdate()
    rec = IncomingRecord.objects.filter(unit=unit).select_related("document", "sender")
    wide = bool(roles & {Role.CLERK, Role.LEADER, Role.UNIT_ADMIN})
    new = rec.filter(status=IncomingStatus.ARRIVED) if wide else rec.none()
    mine_ids = IncomingAssignment.objects.filter(user=user, is_active=True,
                                                 role__in=[HandlerRole.MAIN, HandlerRole.CO]).values("incoming_id")
    mine = rec.filter(pk__in=mine_ids, status__in=OPEN)
    due_scope = rec.filter(status__in=OPEN, deadline__isnull=False)
    if not wide:
        due_scope = due_scope.filter(pk__in=mine_ids)
    due = due_scope.filter(deadline__lte=today + datetime.timedelta(days=DUE_SOON_DAYS))
    counts = due.aggregate(overdue=Count("pk", filter=Q(deadline__lt=today)), soon=Count("pk", filter=Q(
        deadline__gte=today)))
    waiting = (Document.objects.filter(owner_unit=unit, sent_at__isnull=False)
               .filter(Exists(Dispatch.objects.filter(document=OuterRef("pk"),
                                                      status_code__in=["", StatusCode.ARRIVED]))))
    to_assign = rec.filter(status=IncomingStatus.ACCEPTED) if Role.LEADER in roles else rec.none()
    return Worklist(
        assign_count=to_assign.count(), assign=list(to_assign.order_by("-urgency", "accepted_at", "pk")[:size]),
        new_count=new.count(), new=list(new.order_by("-arrived_at", "-pk")[:size]),
        mine_count=mine.count(), mine=list(mine.order_by("deadline", "-arrived_at")[:size]),
        overdue_count=counts["overdue"], due_soon_count=counts["soon"],
        due=list(due.order_by("deadline", "pk")[:size]),
        waiting_count=waiting.count() if wide else 0,
        waiting=list(waiting.order_by("-sent_at", "-pk")[:size]) if wide else [],
    )


def _scope(qs, unit: Unit | None, *, sender="sender", recipient="recipient"):
    if unit is None:
        return qs
    return qs.filter(Q(**{sender: unit}) | Q(**{recipient: unit}))


def connection_table(*, days: int = 30, now=None) -> list[dict]:
    """
    Per level of the province: units existing today, units connected (sent or received a
    document in the last ``days`` days), documents exchanged (sent or received) today and this
    month. Three queries.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    since = now - datetime.timedelta(days=days)
    day_start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    month_start = day_start.replace(day=1)
    recent = Dispatch.objects.filter(created_at__gte=since)
    kinds = [k for k, _label in LEVELS]
    units = dict((row["kind"], row) for row in Unit.objects.active(today).filter(kind__in=kinds).values("kind").annotate(
        total=Count("pk"),
        connected=Count("pk", filter=Q(Exists(recent.filter(recipient=OuterRef("pk"))))
                        | Q(Exists(recent.filter(sender=OuterRef("pk"))))),
    ).order_by())
    # Documents, not hand-overs: one document to 131 communes is one document sent (by the
    # sender's level) and one received at each receiving level.
    month = Dispatch.objects.filter(created_at__gte=month_start)
    received = {r["recipient__kind"]: r for r in month.values("recipient__kind").annotate(
        today=Count("document", filter=Q(created_at__gte=day_start), distinct=True),
        month=Count("document", distinct=True)).order_by()}
    sent = {r["sender__kind"]: r for r in month.values("sender__kind").annotate(
        today=Count("document", filter=Q(created_at__gte=day_start), distinct=True),
        month=Count("document", distinct=True)).order_by()}
    rows = []
    for kind, label in LEVELS:
        u = units.get(kind, {"total": 0, "connected": 0})
        r, s = received.get(kind, {}), sent.get(kind, {})
        rows.append({"kind": kind, "label": label, "total": u["total"], "connected": u["connected"],
                     "today": r.get("today", 0) + s.get("today", 0), "month": r.get("month", 0) + s.get("month", 0)})
    return rows


def exchanged_per_day(*, unit: Unit | None = None, days: int = 30, now=None) -> list[tuple[datetime.date, int]]:
    """
    Documents exchanged per day for the last ``days`` days, zeros included: a document sent to
    131 recipients counts once (distinct documents of the day's hand-overs). One query.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - datetime.timedelta(days=days - 1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    qs = _scope(Dispatch.objects.filter(created_at__gte=start), unit)
    counts = dict(qs.annotate(day=TruncDate("created_at")).values("day").annotate(n=Count("document", distinct=True))
                  .order_by().values_list("day", "n"))
    return [(first + datetime.timedelta(days=i), counts.get(first + datetime.timedelta(days=i), 0))
            for i in range(days)]


class _Median(Aggregate):
    """PostgreSQL's ordered-set aggregate; works on intervals."""

    function = "PERCENTILE_CONT"
    name = "median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def acceptance_median_by_level(*, unit: Unit | None = None, days: int = 30, now=None,
                               sample_limit: int = 50000) -> list[dict]:
    """
    Median time from arrival to acceptance of the documents accepted in the last ``days``
    days, per level of the receiving unit. ``unit``: only documents that unit sent. One query
    (PostgreSQL computes the median; elsewhere the durations are read, at most ``sample_limit``).
    """
    now = now or timezone.now()
    qs = IncomingRecord.objects.filter(accepted_at__gte=now - datetime.timedelta(days=days),
                                       accepted_at__isnull=False)
    if unit is not None:
        qs = qs.filter(sender=unit)
    medians: dict[str, datetime.timedelta] = {}
    counts: dict[str, int] = {}
    if connection.vendor == "postgresql":
        for row in (qs.values("unit__kind").annotate(m=_Median(F("accepted_at") - F("arrived_at")), n=Count("pk"))
                    .order_by()):
            medians[row["unit__kind"]], counts[row["unit__kind"]] = row["m"], row["n"]
    else:
        by_kind: dict[str, list[float]] = {}
        for kind, arrived, accepted in qs.values_list("unit__kind", "arrived_at", "accepted_at")[:sample_limit]:
            by_kind.setdefault(kind, []).append((accepted - arrived).total_seconds())
        for kind, values in by_kind.items():
            medians[kind] = datetime.timedelta(seconds=statistics.median(values))
            counts[kind] = len(values)
    return [{"kind": k, "label": label, "median": medians.get(k), "count": counts.get(k, 0)} for k, label in LEVELS]
