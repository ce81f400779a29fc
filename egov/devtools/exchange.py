"""
Shared set-up for the exchange benchmark and the fault-injection command: a province to send
to (the Nghệ An directory of 30/6/2025, 452 units besides the sender), a clerk, issued
documents, and counters that check "delivered exactly once".
"""
from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count

from units.choices import Role
from units.models import Membership, Unit

from documents.choices import DeliveryState, EventKind, StatusCode
from documents.models import Dispatch, DispatchEvent, Document, IncomingRecord

SEND_DAY = datetime.date(2025, 6, 30)  # the last day of the three-level structure: the biggest province
SENDER_CODE = "000.00.01.H41"          # Văn phòng UBND tỉnh (demo code)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def ensure_province() -> Unit:
    """Load the Nghệ An directory (before the 2025 reform) unless it is there already."""
    from units.importers import units_import_csv
    from units.management.commands.seed_demo import BEFORE_CSV

    if not Unit.objects.filter(code=SENDER_CODE).exists():
        units_import_csv(BEFORE_CSV)
    return Unit.objects.get(code=SENDER_CODE)


def ensure_clerk(unit: Unit, username: str = "harness.vanthu"):
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"first_name": "Văn thư"})
    Membership.objects.get_or_create(user=user, unit=unit, role=Role.CLERK)
    return user


def issue_document(unit: Unit, clerk, subject: str) -> Document:
    from documents.services import attachment_add, document_create, document_issue

    doc = document_create(owner_unit=unit, acting_user=clerk, subject=subject, doc_type="CV", notation_suffix="TH",
                          signer_name="Nguyễn Văn A", signer_position="Chánh Văn phòng")
    attachment_add(document=doc, acting_user=clerk, upload=PDF, name="van-ban.pdf")
    return document_issue(document=doc, acting_user=clerk)


def delivery_report(documents) -> dict:
    """Counts proving exactly-once delivery for the given documents."""
    dispatches = Dispatch.objects.filter(document__in=documents)
    total = dispatches.count()
    delivered = dispatches.filter(state=DeliveryState.DELIVERED, status_code__gt="").count()
    records = IncomingRecord.objects.filter(dispatch__document__in=documents).count()
    per_dispatch = (DispatchEvent.objects.filter(dispatch__document__in=documents, kind=EventKind.BUSINESS,
                                                 code=StatusCode.ARRIVED)
                    .values("dispatch").annotate(n=Count("pk")).filter(n__gt=1).count())
    return {"dispatches": total, "delivered": delivered, "incoming_records": records,
            "duplicate_arrivals": per_dispatch,
            "exactly_once": total == delivered == records and per_dispatch == 0}
