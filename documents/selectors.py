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
    "replies_of_document",
    "late_replies",
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


def _reply_row(d: Dispatch, rec: IncomingRecord | None, due, today) -> dict:
    """Whether one recipient answered a document that expects a reply, and whether it is late."""
    reply = rec.reply_document if rec is not None else None
    replied_at = None
    if reply is not None:
        replied_at = rec.finished_at or reply.issued_at
    elif d.is_remote and d.status_code == "06":  # a remote recipient's 06 carries its reply
        replied_at = d.status_at
    closed = rec is not None and rec.status in (IncomingStatus.REJECTED, IncomingStatus.CANCELLED)
    replied = replied_at is not None
    if replied:
        late = due is not None and timezone.localdate(replied_at) > due
    else:
        late = due is not None and not closed and today > due
    return {"dispatch": d, "recipient": d.recipient, "incoming": rec, "reply": reply, "replied": replied,
            "replied_at": replied_at, "late": late, "closed": closed,
            "days_late": ((timezone.localdate(replied_at) if replied else today) - due).days if late else 0}


def replies_of_document(*, document: Document, today=None) -> dict:
    """
    The sender's reply tracking of an outgoing document that expects a reply (its due date):
    per recipient, answered or not (a reply document linked to the recipient's record, or a
    remote recipient's status 06), when, and whether late. Two queries whatever the fan-out.
    """
    today = today or timezone.localdate()
    due = document.due_date
    dispatches = list(document.dispatches.select_related("recipient").order_by("recipient__path"))
    records = {r.dispatch_id: r for r in IncomingRecord.objects.filter(dispatch__document=document)
               .select_related("reply_document")}
    rows = [_reply_row(d, records.get(d.pk), due, today) for d in dispatches]
    return {"due": due, "rows": rows, "expected": due is not None,
            "answered": sum(r["replied"] for r in rows), "late": sum(r["late"] for r in rows),
            "waiting": sum(not r["replied"] and not r["closed"] for r in rows)}


def late_replies(*, unit: Unit, today=None, limit: int = 500) -> list[dict]:
    """
    Recipients that have not answered the unit's documents past their due date (the list the
    sender chases), oldest due date first.
    """
    today = today or timezone.localdate()
    qs = (Dispatch.objects.filter(sender=unit, document__due_date__lt=today, document__status="issued")
          .exclude(status_code="02").exclude(is_remote=True, status_code="06")
          .exclude(incoming__status__in=[IncomingStatus.REJECTED, IncomingStatus.CANCELLED])
          .exclude(incoming__reply_document__isnull=False)
          .select_related("document", "recipient", "incoming")
          .order_by("document__due_date", "document_id", "recipient__path"))[:limit]
    out = []
    for d in qs:
        rec = d.incoming if hasattr(d, "incoming") else None  # RelatedObjectDoesNotExist is an AttributeError
        out.append({**_reply_row(d, rec, d.document.due_date, today), "document": d.document})
    return out
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
