"""
Issue 15, the tracking board: a recipient served by another system reports its incoming number
(số đến) in the Description of its status 03; the sender's board shows it, as it shows a local
recipient's from its incoming record. A 03 without a number leaves the column empty.
"""
from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from documents.choices import EventKind
from documents.edxml import build_status_package
from documents.federation.inbound import incoming_number_in, package_import
from documents.federation.mapping import status_to_package
from documents.models import Dispatch, DispatchEvent, IncomingRecord
from documents.services import deliver_local_batch, document_send, incoming_accept
from documents.tracking import dispatch_board
from tests.documents.conftest import make_issued


@pytest.mark.parametrize("text,number", [
    ("Số đến 12", "12"), ("số đến: 12/2026.", "12/2026"), ("SỐ ĐẾN 7", "7"), ("So den 5", "5"),
    ("Incoming number 31", "31"), ("Incoming no. 33", "33"), ("Đã vào sổ", ""), ("", ""),
])
def test_the_number_is_read_from_the_description(text, number):
    assert incoming_number_in(text) == number


def test_the_board_shows_remote_and_local_incoming_numbers(province, client):
    sender = province.clerk(province.snv)
    local = province.communes[0]
    province.clerk(local)
    doc = make_issued(province.snv, sender, subject="Gửi trong và ngoài tỉnh")
    document_send(document=doc, acting_user=sender, units=[province.remote, local])
    deliver_local_batch(dispatch_ids=list(Dispatch.objects.filter(document=doc, is_remote=False)
                                          .values_list("pk", flat=True)))
    incoming_accept(incoming=IncomingRecord.objects.get(document=doc, unit=local), acting_user=province.clerk(local))
    remote = Dispatch.objects.get(document=doc, recipient=province.remote)
    at = datetime.datetime(2026, 3, 6, 8, 0, tzinfo=datetime.UTC)
    for i, (code, note) in enumerate([("01", ""), ("03", "Số đến 245/2026")]):
        event = DispatchEvent(dispatch=remote, kind=EventKind.BUSINESS, code=code, actor_name="Văn thư tỉnh Bên",
                              at=at + datetime.timedelta(hours=i), note=note)  # as the remote portal recorded it
        assert package_import(source=build_status_package(status_to_package(event))).result == "accepted"
    remote.refresh_from_db()
    assert remote.remote_incoming_number == "245/2026"
    rows = {r["recipient__name"]: r for r in dispatch_board(document=doc).rows}
    assert rows[province.remote.name]["remote_incoming_number"] == "245/2026"
    assert rows[local.name]["incoming__incoming_number"] == 1
    client.force_login(sender)
    html = client.get(reverse("documents:outgoing_tracking", args=[doc.pk])).content.decode()
    assert ">245/2026</td>" in html and ">1</td>" in html
    # a later status without a number keeps the one reported
    event = DispatchEvent(dispatch=remote, kind=EventKind.BUSINESS, code="04", actor_name="Lãnh đạo tỉnh Bên",
                          at=at + datetime.timedelta(hours=3), note="Giao phòng Tổng hợp")
    assert package_import(source=build_status_package(status_to_package(event))).result == "accepted"
    remote.refresh_from_db()
    assert remote.remote_incoming_number == "245/2026"
