"""Reads of the records app: which files a user sees, a file's documents, suggestions."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from documents.models import Document, IncomingRecord
from units.choices import Role
from units.models import Membership

from .choices import AccessState, FileState
from .models import ArchiveAccess, CaseFile, FileItem

WIDE_ROLES = (Role.LEADER, Role.ARCHIVIST)
BEFORE_ARCHIVE = (FileState.OPEN, FileState.CLOSED, FileState.RETURNED, FileState.SUBMITTED, FileState.KEPT_BACK)


def _roles(user, unit_id) -> set[str]:
    return set(Membership.objects.filter(user=user, unit_id=unit_id, is_active=True).values_list("role", flat=True))


def access_granted(*, user, case_file: CaseFile) -> bool:
    today = timezone.localdate()
    return ArchiveAccess.objects.filter(case_file=case_file, user=user, state=AccessState.GRANTED).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)).exists()


def files_visible_to(*, user) -> QuerySet[CaseFile]:
    """
    Files a user may read: every file of the units where they are leader or archive; before
    the archive accepts them, their own files and the files of units where they are clerk;
    archived files by the archive's grant (the person who kept the file asks like anyone else).
    """
    if not getattr(user, "is_authenticated", False):
        return CaseFile.objects.none()
    m = Membership.objects.filter(user=user, is_active=True)
    wide = list(m.filter(role__in=WIDE_ROLES).values_list("unit_id", flat=True))
    clerk = list(m.filter(role=Role.CLERK).values_list("unit_id", flat=True))
    granted = ArchiveAccess.objects.filter(user=user, state=AccessState.GRANTED).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate())).values("case_file_id")
    return CaseFile.objects.filter(
        Q(unit_id__in=wide)
        | Q(state__in=BEFORE_ARCHIVE) & (Q(person_in_charge=user) | Q(unit_id__in=clerk))
        | Q(pk__in=granted)
    ).distinct()


def user_may_read_file(*, user, case_file: CaseFile) -> bool:
    return files_visible_to(user=user).filter(pk=case_file.pk).exists()


def is_archivist(*, user, unit_id) -> bool:
    return Role.ARCHIVIST in _roles(user, unit_id)


@dataclass
class Row:
    """One document of a file as the index and the exports show it."""

    ordinal: int
    item: FileItem
    document: Document
    incoming: IncomingRecord | None
    date: datetime.date
    author: str
    number_notation: str
    pages: int | None


def document_date(doc: Document, incoming: IncomingRecord | None = None) -> datetime.date:
    if doc.issued_on:
        return doc.issued_on
    if incoming is not None and incoming.arrived_at:
        return timezone.localtime(incoming.arrived_at).date()
    return timezone.localtime(doc.created_at).date()


def file_rows(case_file: CaseFile) -> list[Row]:
    """The documents of a file in their ordinal order, with what the index needs."""
    items = (case_file.items.select_related("document", "document__owner_unit", "incoming")
             .order_by("ordinal"))
    rows = []
    for it in items:
        doc = it.document
        rows.append(Row(ordinal=it.ordinal, item=it, document=doc, incoming=it.incoming,
                        date=document_date(doc, it.incoming), author=doc.owner_unit.name,
                        number_notation=doc.number_notation, pages=doc.page_amount))
    return rows


def files_holding(*, document: Document, user) -> QuerySet[CaseFile]:
    """The files (visible to ``user``) that hold ``document``."""
    return files_visible_to(user=user).filter(items__document=document).select_related("person_in_charge")


def file_suggest(*, user, document: Document, incoming: IncomingRecord | None = None, limit: int = 3) -> list[CaseFile]:
    """
    The open files of ``user`` this document most likely belongs to, best first:
    the same thread of replies (3 points), the same correspondent (2), the same plan heading or
    field of the notation (1); then the open files the person worked on last. A few aggregate
    queries over the user's open files (indexed by person and state).
    """
    unit_id = incoming.unit_id if incoming is not None else document.owner_unit_id
    open_files = CaseFile.objects.filter(person_in_charge=user, unit_id=unit_id, state=FileState.OPEN)
    thread = {document.pk}
    if document.related_document_id:
        thread.add(document.related_document_id)
    if incoming is not None and incoming.reply_document_id:
        thread.add(incoming.reply_document_id)
    # Incoming records this document answers (drafts' replies_to) and documents answering this record.
    thread.update(IncomingRecord.objects.filter(reply_document_id=document.pk).values_list("document_id", flat=True))
    thread.update(IncomingRecord.objects.filter(reply_drafts__document=document).values_list("document_id", flat=True))
    correspondents = set()
    if incoming is not None:
        correspondents.add(incoming.sender_id)
    else:
        correspondents.update(document.dispatches.values_list("recipient_id", flat=True))
    field = (document.notation_suffix or "").upper()
    # (An empty __in would make Django drop the whole query: only non-empty sets take part.)
    score = Count("items", filter=Q(items__document_id__in=thread) | Q(items__document__related_document_id__in=thread)) * 3
    if correspondents:
        score = score + Count("items", filter=Q(items__incoming__sender_id__in=correspondents)
                              | Q(items__document__owner_unit_id__in=correspondents)) * 2
    qs = open_files.annotate(score=score).exclude(items__document=document)
    ranked = list(qs.filter(score__gt=0).order_by("-score", "-opened_at")[:limit])
    if len(ranked) < limit and field:
        more = open_files.filter(entry__notation=field).exclude(pk__in=[f.pk for f in ranked]).exclude(
            items__document=document).order_by("-opened_at")[: limit - len(ranked)]
        ranked.extend(more)
    if len(ranked) < limit:  # else the files the person worked on last
        recent = open_files.exclude(pk__in=[f.pk for f in ranked]).exclude(items__document=document).annotate(
            last=Max("items__added_at")).order_by(F("last").desc(nulls_last=True), "-opened_at")[: limit - len(ranked)]
        ranked.extend(recent)
    return ranked
