"""Read queries of the documents app, scoped to what a user may see."""
from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from units.choices import Role
from units.models import Membership, Unit

from django.utils.translation import gettext_lazy as _

from .choices import IncomingStatus, Urgency
from .models import Dispatch, Document, IncomingRead, IncomingRecord

__all__ = [
    "incoming_visible_to",
    "incoming_for_unit",
    "incoming_overdue",
    "documents_visible_to",
    "dispatches_of_document",
    "dispatch_summary",
    "QUEUES",
    "QUEUE_CAP",
    "incoming_queues_for",
    "incoming_queue",
    "incoming_queue_counts",
    "incoming_menu_queue",
    "incoming_unread_ids",
]

OPEN_STATUSES = [IncomingStatus.ACCEPTED, IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS]
UNIT_WIDE_ROLES = [Role.CLERK, Role.LEADER, Role.UNIT_ADMIN]


def incoming_visible_to(*, user, unit: Unit | None = None) -> QuerySet[IncomingRecord]:
    """
    Incoming records a user may read: every record of the units where the user is clerk,
    leader or unit admin; in units where the user is only a specialist, the records assigned to
    them. Never another unit's records.
    """
    if not getattr(user, "is_authenticated", False):
        return IncomingRecord.objects.none()
    memberships = Membership.objects.filter(user=user, is_active=True)
    if unit is not None:
        memberships = memberships.filter(unit=unit)
    wide = list(memberships.filter(role__in=UNIT_WIDE_ROLES).values_list("unit_id", flat=True).distinct())
    narrow = list(memberships.filter(role=Role.SPECIALIST).exclude(unit_id__in=wide)
                  .values_list("unit_id", flat=True).distinct())
    cond = Q(unit_id__in=wide)
    if narrow:
        cond |= Q(unit_id__in=narrow, assignments__user=user, assignments__is_active=True)
        # Division heads see what was assigned to their division (issue 12).
        headed = list(memberships.filter(unit_id__in=narrow, is_division_head=True)
                      .values_list("division_id", flat=True))
        if headed:
            cond |= Q(unit_id__in=narrow, division_assignments__division_id__in=headed,
                      division_assignments__is_active=True)
    qs = IncomingRecord.objects.filter(cond)
    return qs.distinct() if narrow else qs


def incoming_for_unit(*, unit: Unit) -> QuerySet[IncomingRecord]:
    return IncomingRecord.objects.filter(unit=unit)


def incoming_overdue(*, on=None) -> QuerySet[IncomingRecord]:
    on = on or timezone.localdate()
    return IncomingRecord.objects.filter(status__in=OPEN_STATUSES, deadline__lt=on)


def documents_visible_to(*, user) -> QuerySet[Document]:
    """Outgoing documents of the units where the user holds any role."""
    if not getattr(user, "is_authenticated", False):
        return Document.objects.none()
    units = Membership.objects.filter(user=user, is_active=True).values_list("unit_id", flat=True)
    return Document.objects.filter(owner_unit_id__in=units)


def dispatches_of_document(*, document: Document) -> QuerySet[Dispatch]:
    return document.dispatches.select_related("recipient", "addressed_to").order_by("recipient__path")


def dispatch_summary(*, document: Document) -> dict:
    """Counts per delivery state and per business status (what the sender's page shows)."""
    from django.db.models import Count

    states = dict(document.dispatches.values_list("state").annotate(n=Count("pk")))
    statuses = dict(document.dispatches.exclude(status_code="").values_list("status_code").annotate(n=Count("pk")))
    return {"total": sum(states.values()), "states": states, "statuses": statuses}


# --- Inbox queues (quick tabs with counters) ------------------------------------------------
# Each queue is a filter of the records the user may see. Counts are bounded (QUEUE_CAP + 1
# index entries at most), so the tabs cost the same for 100 or 100,000 records; the page says
# "999+" beyond that.

QUEUE_CAP = 999
QUEUES = {
    "register": _("Awaiting registration"),
    "assign": _("Awaiting assignment"),
    "in_progress": _("Being handled"),
    "overdue": _("Overdue"),
    "urgent": _("Urgent / flash"),
    "unread": _("Unread"),
}
ATTENTION = [IncomingStatus.ARRIVED, *OPEN_STATUSES]


def incoming_queues_for(roles: set[str]) -> list[str]:
    """The tabs a role works from: the clerk registers, the leader assigns, everyone handles."""
    out = []
    if Role.CLERK in roles:
        out.append("register")
    if Role.LEADER in roles:
        out.append("assign")
    return out + ["in_progress", "overdue", "urgent", "unread"]


def incoming_menu_queue(roles: set[str]) -> str:
    """The queue counted next to "Incoming" in the menu: the first thing the role must do."""
    if Role.CLERK in roles:
        return "register"
    if Role.LEADER in roles:
        return "assign"
    return "in_progress"


def incoming_queue(qs: QuerySet[IncomingRecord], *, queue: str, user) -> QuerySet[IncomingRecord]:
    today = timezone.localdate()
    if queue == "register":
        return qs.filter(status=IncomingStatus.ARRIVED)
    if queue == "assign":
        return qs.filter(status=IncomingStatus.ACCEPTED)
    if queue == "in_progress":
        return qs.filter(status__in=[IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS])
    if queue == "overdue":
        return qs.filter(status__in=OPEN_STATUSES, deadline__lt=today)
    if queue == "urgent":
        return qs.filter(status__in=ATTENTION, urgency__gte=Urgency.URGENT)
    if queue == "unread":
        return qs.filter(status__in=ATTENTION).exclude(
            Exists(IncomingRead.objects.filter(incoming=OuterRef("pk"), user=user)))
    return qs


def incoming_queue_counts(*, user, unit: Unit, queues: list[str], base: QuerySet | None = None) -> dict[str, int]:
    """
    Bounded count of each queue (one query each, at most QUEUE_CAP + 1 rows read). ``base``:
    the user's visible records when the caller has them already.
    """
    if base is None:
        base = incoming_visible_to(user=user, unit=unit)
    return {q: incoming_queue(base, queue=q, user=user).order_by().values("pk")[: QUEUE_CAP + 1].count()
            for q in queues}


def incoming_unread_ids(*, user, ids: list[int]) -> set[int]:
    """Which of these records the user has never opened (one query; the inbox shows them bold)."""
    read = set(IncomingRead.objects.filter(user=user, incoming_id__in=ids).values_list("incoming_id", flat=True))
    return {i for i in ids if i not in read}
