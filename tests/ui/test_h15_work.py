"""
Issue 15: the working day — inbox quick tabs and counters, bulk actions, the co-handler's
opinion, the ĐẾN stamp, the dashboard's counters.
"""
from __future__ import annotations

import io

import pytest
from django.urls import reverse

from documents.choices import IncomingStatus, NoteKind, StatusCode, Urgency
from documents.models import Attachment, HandlingNote, IncomingRead, IncomingRecord
from egov.core.models import AuditEvent
from tests.factories import MembershipFactory, UnitFactory, UserFactory
from units.choices import UnitKind

from .conftest import deliver, make_issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(province):
    c1 = province.communes[0]
    for role in ("clerk", "leader", "specialist"):
        province.user(c1, role)
    clerk = province.clerk(province.snv)
    docs = [make_issued(province.snv, clerk, subject=f"Công văn số {i}",
                        urgency=Urgency.FLASH if i == 0 else Urgency.NORMAL) for i in range(5)]
    for d in docs:
        deliver(d, [c1], clerk)
    return [IncomingRecord.objects.get(document=d) for d in docs]


def _tabs(response):
    return {t["key"]: t["count"] for t in response.context["tabs"]}


def test_quick_tabs_count_and_filter_each_queue(province, inbox, login):
    from documents.services import incoming_accept

    c1 = province.communes[0]
    clerk, leader = province.clerk(c1), province.leader(c1)
    incoming_accept(incoming=inbox[1], acting_user=clerk)
    client = login(clerk)
    url = reverse("documents:incoming_list")
    response = client.get(url)
    tabs = _tabs(response)
    assert tabs["register"] == 4 and tabs["urgent"] == 1 and tabs["unread"] == 5 and "assign" not in tabs
    html = client.get(url, {"tab": "register"}).content.decode()
    assert html.count("data-incoming=") == 4 and f'data-incoming="{inbox[1].pk}"' not in html
    # opening a record makes it read: not bold, not counted
    client.get(reverse("documents:incoming_detail", args=[inbox[2].pk]))
    client.get(reverse("documents:incoming_detail", args=[inbox[2].pk]))  # a second opening writes nothing
    assert IncomingRead.objects.filter(user=clerk).count() == 1
    assert AuditEvent.objects.filter(verb="incoming.read").count() == 1
    response = client.get(url)
    assert _tabs(response)["unread"] == 4
    assert f'class=" unread" data-incoming="{inbox[2].pk}"' not in response.content.decode()
    assert f'class="" data-incoming="{inbox[2].pk}"' in response.content.decode()
    # the leader's tab and the menu counter: one awaiting assignment
    client = login(leader)
    response = client.get(url)
    assert _tabs(response)["assign"] == 1
    html = client.get(reverse("home")).content.decode()
    assert 'data-queue="assign"' in html and 'data-tile="assign"' in html
    assert response.context["tabs"][0]["key"] == "assign"


def test_bulk_accept_is_one_audited_service_call_per_record_and_refuses_cleanly(province, inbox, login):
    from documents.services import incoming_reject

    c1 = province.communes[0]
    clerk = province.clerk(c1)
    incoming_reject(incoming=inbox[4], acting_user=clerk, reason="Nhầm nơi nhận")
    other = make_issued(province.snv, province.clerk(province.snv), subject="Của xã khác")
    deliver(other, [province.communes[1]], province.clerk(province.snv))
    foreign = IncomingRecord.objects.get(document=other)
    client = login(clerk)
    ids = [r.pk for r in inbox] + [foreign.pk]
    response = client.post(reverse("documents:incoming_bulk"), {"action": "accept", "ids": ids}, follow=True)
    html = response.content.decode()
    accepted = IncomingRecord.objects.filter(unit=c1, status=IncomingStatus.ACCEPTED)
    assert accepted.count() == 4
    assert sorted(accepted.values_list("incoming_number", flat=True)) == [1, 2, 3, 4]
    assert AuditEvent.objects.filter(verb="incoming.accepted").count() == 4
    assert "4 văn bản đã được vào sổ" in html
    assert "chưa thực hiện" in html  # the rejected one, with the service's reason
    assert "1 văn bản đã chọn không có trong hộp thư của bạn" in html  # another unit's record
    foreign.refresh_from_db()
    assert foreign.status == IncomingStatus.ARRIVED


def test_bulk_assign_and_finish(province, inbox, login):
    from documents.services import incoming_accept

    c1 = province.communes[0]
    clerk, leader, spec = province.clerk(c1), province.leader(c1), province.specialist(c1)
    for r in inbox[:3]:
        incoming_accept(incoming=r, acting_user=clerk)
    client = login(leader)
    ids = [r.pk for r in inbox[:4]]  # the fourth is not accepted yet: refused
    response = client.post(reverse("documents:incoming_bulk"), {
        "action": "assign", "ids": ids, "main_handler": spec.pk, "deadline": "31/12/2099", "instruction": "Xử lý"},
        follow=True)
    assert response.content.decode().count("chưa thực hiện") == 1  # the one not accepted yet
    assert IncomingRecord.objects.filter(main_handler=spec, status=IncomingStatus.ASSIGNED).count() == 3
    assert str(IncomingRecord.objects.get(pk=inbox[0].pk).deadline) == "2099-12-31"
    # the leader is not the main handler: finishing is refused per record
    response = client.post(reverse("documents:incoming_bulk"), {"action": "finish", "ids": ids[:3]}, follow=True)
    assert IncomingRecord.objects.filter(status=IncomingStatus.DONE).count() == 0
    assert response.content.decode().count("chưa thực hiện") == 3
    client = login(spec)
    client.post(reverse("documents:incoming_bulk"), {"action": "finish", "ids": ids[:3], "note": "Đã xong"})
    assert IncomingRecord.objects.filter(status=IncomingStatus.DONE).count() == 3
    # a specialist is offered no accept/assign in the bar, and posting it by hand is refused
    response = client.post(reverse("documents:incoming_bulk"), {"action": "accept", "ids": [inbox[4].pk]})
    assert IncomingRecord.objects.get(pk=inbox[4].pk).status == IncomingStatus.ARRIVED


def test_co_handler_records_an_opinion_and_a_progress_note(province, inbox, login):
    from documents.services import incoming_accept, incoming_assign

    c1 = province.communes[0]
    rec = inbox[0]
    incoming_accept(incoming=rec, acting_user=province.clerk(c1))
    co = UserFactory(username="phoi.hop", first_name="Phối hợp")
    MembershipFactory(user=co, unit=c1, role="specialist")
    incoming_assign(incoming=rec, acting_user=province.leader(c1), main_handler=province.specialist(c1),
                    co_handlers=[co])
    client = login(co)
    html = client.get(reverse("documents:incoming_detail", args=[rec.pk])).content.decode()
    assert 'data-action="opinion"' in html and 'data-action="progress"' in html
    assert 'data-action="finish"' not in html
    url = lambda a: reverse("documents:incoming_action", args=[rec.pk, a])  # noqa: E731
    assert client.post(url("opinion"), {"text": "Đề nghị bổ sung số liệu"}).status_code == 302
    assert client.post(url("progress"), {"note": "Đã gửi số liệu", "progress": "30"}).status_code == 302
    note = HandlingNote.objects.get(incoming=rec, kind=NoteKind.OPINION)
    assert note.author == co
    rec.refresh_from_db()
    assert rec.status == IncomingStatus.IN_PROGRESS
    assert AuditEvent.objects.filter(verb="incoming.opinion").count() == 1
    html = client.get(reverse("documents:incoming_detail", args=[rec.pk])).content.decode()
    assert "Đề nghị bổ sung số liệu" in html
    # the main handler was told
    from egov.core.models import Notification
    assert Notification.objects.filter(user=province.specialist(c1), kind="incoming.opinion").exists()
    # someone not assigned cannot
    client = login(province.clerk(c1))
    assert client.post(url("opinion"), {"text": "x"}).status_code == 403


def test_den_stamp_is_drawn_on_a_copy_never_on_the_original(province, login):
    from pypdf import PdfReader

    from documents.services import incoming_accept
    from egov.devtools.pki import make_pdf

    c1 = province.communes[0]
    clerk = province.clerk(province.snv)
    from documents.services import attachment_add, document_create, document_issue
    doc = document_create(owner_unit=province.snv, acting_user=clerk, subject="Có dấu đến", doc_type="CV",
                          notation_suffix="VP", signer_name="A")
    original = make_pdf(pages=2, text="Noi dung van ban")
    attachment_add(document=doc, acting_user=clerk, upload=original, name="vb.pdf")
    document_issue(document=doc, acting_user=clerk)
    deliver(doc, [c1], clerk)
    rec = IncomingRecord.objects.get(document=doc)
    client = login(province.clerk(c1))
    assert client.get(reverse("documents:incoming_stamped", args=[rec.pk])).status_code == 404  # not registered yet
    incoming_accept(incoming=rec, acting_user=province.clerk(c1))
    html = client.get(reverse("documents:incoming_detail", args=[rec.pk])).content.decode()
    assert 'data-action="stamped"' in html and 'data-action="slip"' in html
    response = client.get(reverse("documents:incoming_stamped", args=[rec.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    stamped = PdfReader(io.BytesIO(response.content))
    assert len(stamped.pages) == 2
    text = stamped.pages[0].extract_text()
    assert "ĐẾN" in text and "Số: 1" in text and c1.name.upper()[:20] in text
    att = Attachment.objects.get(document=doc)
    with att.file.open("rb") as fh:
        assert fh.read() == original  # the original is untouched
    assert client.get(reverse("documents:incoming_slip", args=[rec.pk])).status_code == 200


def test_dashboard_counts_one_document_to_many_recipients_once(province, login):
    clerk = province.clerk(province.snv)
    communes = [UnitFactory(code=f"000.{i:02d}.40.H99", name=f"Xã Nhiều {i}", kind=UnitKind.COMMUNE_COMMITTEE,
                            parent=province.district) for i in range(10, 40)]
    deliver(make_issued(province.snv, clerk, subject="Gửi nhiều nơi"), communes, clerk)
    response = login(clerk).get(reverse("home"))
    assert sum(n for _d, n in response.context["per_day"]) == 1
    assert "1 văn bản trong 30 ngày" in response.content.decode()


def test_inbox_dates_are_typed_dd_mm_yyyy(province, inbox, login):
    import datetime

    from django.utils import timezone

    client = login(province.clerk(province.communes[0]))
    today = timezone.localdate()
    tomorrow = (today + datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    url = reverse("documents:incoming_list")
    assert client.get(url, {"arrived_after": tomorrow}).content.decode().count("data-incoming=") == 0
    html = client.get(url, {"arrived_after": today.strftime("%d/%m/%Y")}).content.decode()
    assert html.count("data-incoming=") == 5
    assert f'value="{today.strftime("%d/%m/%Y")}"' in html and 'type="date"' not in html
    assert StatusCode.ARRIVED  # (import kept for readers)


@pytest.fixture
def wide(province):
    """Sở Nội vụ sends one document to 60 communes; three of them act on it."""
    from documents.services import incoming_accept, incoming_reject

    clerk = province.clerk(province.snv)
    communes = [UnitFactory(code=f"000.{i:02d}.41.H99", name=f"Xã Theo Dõi {i}", kind=UnitKind.COMMUNE_COMMITTEE,
                            parent=province.district) for i in range(10, 70)]
    doc = make_issued(province.snv, clerk, subject="Theo dõi nhiều nơi")
    deliver(doc, communes, clerk)
    recs = {r.unit_id: r for r in IncomingRecord.objects.filter(document=doc)}
    incoming_reject(incoming=recs[communes[5].pk], acting_user=province.clerk(communes[5]), reason="Không đúng thẩm quyền")
    incoming_accept(incoming=recs[communes[6].pk], acting_user=province.clerk(communes[6]))
    incoming_accept(incoming=recs[communes[7].pk], acting_user=province.clerk(communes[7]))
    return doc, communes


def test_tracking_board_counts_filters_sorts_and_puts_rejections_first(province, wide, login):
    doc, communes = wide
    client = login(province.clerk(province.snv))
    url = reverse("documents:outgoing_tracking", args=[doc.pk])
    response = client.get(url)
    board = response.context["board"]
    assert board.total == 60
    assert board.counts["rejected"] == 1 and board.counts["accepted"] == 2 and board.counts["arrived"] == 57
    assert len(board.rows) == 50 and board.pages == 2  # bounded page
    assert board.rows[0]["stage"] == "rejected" and board.rows[0]["reason"] == "Không đúng thẩm quyền"
    html = response.content.decode()
    assert 'data-stage="rejected" data-count="1"' in html
    # filter by stage, and by name without diacritics
    board = client.get(url, {"stage": "accepted"}).context["board"]
    assert {r["recipient__code"] for r in board.rows} == {communes[6].code, communes[7].code}
    assert all(r["incoming__incoming_number"] == 1 for r in board.rows)  # their số đến
    board = client.get(url, {"q": "xa theo doi 12"}).context["board"]
    assert [r["recipient__name"] for r in board.rows] == ["Xã Theo Dõi 12"]
    board = client.get(url, {"sort": "name", "page": "2"}).context["board"]
    assert board.page == 2 and len(board.rows) == 10
    # the full history of one recipient
    from documents.models import Dispatch
    d = Dispatch.objects.get(document=doc, recipient=communes[6])
    html = client.get(reverse("documents:dispatch_history", args=[d.pk])).content.decode()
    for code in ("01", "03"):
        assert f'data-code="{code}"' in html
    # another unit cannot read it
    client = login(province.clerk(province.stc))
    assert client.get(url).status_code == 404
    assert client.get(reverse("documents:dispatch_history", args=[d.pk])).status_code == 404


def test_tracking_board_sends_a_request_to_many_recipients(province, wide, login):
    from documents.models import Dispatch

    doc, communes = wide
    client = login(province.clerk(province.snv))
    ids = list(Dispatch.objects.filter(document=doc, recipient__in=communes[4:8]).values_list("pk", flat=True))
    response = client.post(reverse("documents:tracking_bulk", args=[doc.pk]),
                           {"ids": ids, "action": "take_back", "reason": "Ban hành nhầm"}, follow=True)
    html = response.content.decode()
    asked = Dispatch.objects.filter(document=doc, status_code=StatusCode.TAKE_BACK_REQUESTED)
    assert asked.count() == 3  # the one that rejected it no longer holds it
    assert "chưa thực hiện" in html and communes[5].name in html
    assert AuditEvent.objects.filter(verb="dispatch.request").count() == 3
    # a specialist of the sender cannot
    client = login(province.specialist(province.snv))
    client.post(reverse("documents:tracking_bulk", args=[doc.pk]),
                {"ids": ids, "action": "update", "reason": "x"})
    assert AuditEvent.objects.filter(verb="dispatch.request").count() == 3


def test_status_polling_stops_when_final_and_sends_nothing_when_unchanged(province, login):
    from documents.services import incoming_reject

    clerk = province.clerk(province.snv)
    doc = make_issued(province.snv, clerk)
    c1 = province.communes[0]
    deliver(doc, [c1], clerk)
    client = login(clerk)
    url = reverse("documents:outgoing_status", args=[doc.pk])
    first = client.get(url)
    assert 'hx-trigger="every 5s"' in first.content.decode()
    etag = first["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    incoming_reject(incoming=IncomingRecord.objects.get(document=doc), acting_user=province.clerk(c1), reason="Sai")
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "hx-trigger" not in changed.content.decode()  # every recipient is final: no more polling
    assert 'data-poll=""' in changed.content.decode()
