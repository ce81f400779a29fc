"""Read queries of the documents app, scoped to what a user may see."""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from units.choices import Role
from units.models import Membership, Unit

from .choices import IncomingStatus
from .models import Dispatch, Document, IncomingRecord

__all__ = [
    "incoming_visible_to",
    "incoming_for_unit",
    "incoming_overdue",
    "documents_visible_to",
    "dispatches_of_document",
    "dispatch_summary",
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
