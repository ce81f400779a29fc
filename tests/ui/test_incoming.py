"""The inbox and the incoming document page, through the views (permissions, actions, errors)."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from documents.choices import IncomingStatus, StatusCode, Urgency
from documents.models import Dispatch, IncomingRecord
from units.choices import Role

from .conftest import deliver, make_issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(province):
    """Sở Nội vụ sends one urgent decision and one ordinary letter to commune 1."""
    clerk = province.clerk(province.snv)
    decision = make_issued(province.snv, clerk, subject="Quyết định về việc kiện toàn tổ công tác", doc_type="QĐ",
                           urgency=Urgency.URGENT)
    letter = make_issued(province.snv, clerk, subject="Về việc báo cáo số liệu quý I")
    deliver(decision, [province.communes[0]], clerk)
    deliver(letter, [province.communes[0]], clerk)
    return {"decision": IncomingRecord.objects.get(document=decision),
            "letter": IncomingRecord.objects.get(document=letter)}


def test_inbox_lists_the_units_documents_and_urgent_ones_stand_out(province, received, login):
    client = login(province.clerk(province.communes[0]))
    html = client.get(reverse("documents:incoming_list")).content.decode()
    assert "Quyết định về việc kiện toàn tổ công tác" in html
    assert "Về việc báo cáo số liệu quý I" in html
    # (never opened by this clerk: also "unread", in bold — issue 15)
    assert f'class="urgent unread" data-incoming="{received["decision"].pk}"' in html
    assert f'class=" unread" data-incoming="{received["letter"].pk}"' in html


@pytest.mark.parametrize("term", ["quyet dinh", "Quyết định", "QUYET DINH kien toan"])
def test_search_works_with_or_without_diacritics(province, received, login, term):
    client = login(province.clerk(province.communes[0]))
    html = client.get(reverse("documents:incoming_list"), {"q": term}).content.decode()
    assert f'data-incoming="{received["decision"].pk}"' in html
    assert f'data-incoming="{received["letter"].pk}"' not in html


def test_filters_status_urgency_sender(province, received, login):
    clerk = province.clerk(province.communes[0])
    client = login(clerk)
    from documents.services import incoming_accept
    incoming_accept(incoming=received["letter"], acting_user=clerk)
    url = reverse("documents:incoming_list")
    html = client.get(url, {"status": "accepted"}).content.decode()
    assert f'data-incoming="{received["letter"].pk}"' in html and f'data-incoming="{received["decision"].pk}"' not in html
    html = client.get(url, {"urgent": "true"}).content.decode()
    assert f'data-incoming="{received["decision"].pk}"' in html and f'data-incoming="{received["letter"].pk}"' not in html
    html = client.get(url, {"sender_q": "so noi vu"}).content.decode()
    assert html.count("data-incoming=") == 2
    html = client.get(url, {"sender_q": "so tai chinh"}).content.decode()
    assert html.count("data-incoming=") == 0
    html = client.get(url, {"arrived_after": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()}).content
    assert b"data-incoming=" not in html


def test_keyset_pagination_walks_every_record_once(province, login):
    clerk = province.clerk(province.snv)
    commune = province.communes[1]
    for i in range(30):
        deliver(make_issued(province.snv, clerk, subject=f"Văn bản số {i}"), [commune], clerk)
    client = login(province.clerk(commune))
    seen, url, params = [], reverse("documents:incoming_list"), {}
    for _page in range(5):
        response = client.get(url, params)
        page = response.context["page"]
        seen += [r.pk for r in page.rows]
        if not page.next_cursor:
            break
        assert f'rel="next" href="?after={page.next_cursor}"' in response.content.decode()
        params = {"after": page.next_cursor}
    assert len(seen) == 30 and len(set(seen)) == 30
    assert seen == list(IncomingRecord.objects.filter(unit=commune).order_by("-arrived_at", "-pk")
                        .values_list("pk", flat=True))


def test_other_units_records_are_not_found(province, received, login):
    client = login(province.clerk(province.communes[1]))
    assert client.get(reverse("documents:incoming_detail", args=[received["decision"].pk])).status_code == 404
    html = client.get(reverse("documents:incoming_list")).content.decode()
    assert "data-incoming=" not in html
    response = client.post(reverse("documents:incoming_action", args=[received["decision"].pk, "accept"]))
    assert response.status_code == 404
    assert IncomingRecord.objects.get(pk=received["decision"].pk).status == IncomingStatus.ARRIVED


def test_specialist_sees_no_clerk_or_leader_actions(province, received, login):
    commune = province.communes[0]
    rec = received["decision"]
    from documents.services import incoming_accept, incoming_assign
    incoming_accept(incoming=rec, acting_user=province.clerk(commune))
    specialist = province.specialist(commune)
    client = login(specialist)
    # not assigned yet: the specialist does not see the record at all
    assert client.get(reverse("documents:incoming_detail", args=[rec.pk])).status_code == 404
    incoming_assign(incoming=rec, acting_user=province.leader(commune), main_handler=specialist)
    html = client.get(reverse("documents:incoming_detail", args=[rec.pk])).content.decode()
    for action in ("accept", "reject", "assign", "answer"):
        assert f'data-action="{action}"' not in html
    assert 'data-action="finish"' in html and 'data-action="progress"' in html
    # and the server refuses the clerk action even when posted by hand
    response = client.post(reverse("documents:incoming_action", args=[rec.pk, "reject"]), {"reason": "sai"})
    assert response.status_code == 403
    assert IncomingRecord.objects.get(pk=rec.pk).status == IncomingStatus.ASSIGNED


def test_full_recipient_workflow_through_the_views(province, received, login, client):
    commune = province.communes[0]
    rec = received["decision"]
    url = lambda a: reverse("documents:incoming_action", args=[rec.pk, a])  # noqa: E731
    login(province.clerk(commune))
    response = client.post(url("accept"), follow=True)
    rec.refresh_from_db()
    assert rec.status == IncomingStatus.ACCEPTED and rec.incoming_number == 1
    assert 'data-testid="incoming-number">1<' in response.content.decode()

    leader, specialist, co = province.leader(commune), province.specialist(commune), province.clerk(commune)
    login(leader)
    deadline = timezone.localdate() + datetime.timedelta(days=5)
    response = client.post(url("assign"), {"main_handler": specialist.pk, "co_handlers": [co.pk],
                                           "deadline": deadline.isoformat(), "instruction": "Xử lý gấp"})
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.status == IncomingStatus.ASSIGNED and rec.main_handler == specialist and rec.deadline == deadline

    login(specialist)
    assert client.post(url("progress"), {"note": "Đã liên hệ", "progress": "40"}).status_code == 302
    assert client.post(url("finish"), {"note": "Đã xong"}).status_code == 302
    rec.refresh_from_db()
    assert rec.status == IncomingStatus.DONE
    assert Dispatch.objects.get(pk=rec.dispatch_id).status_code == StatusCode.DONE
    html = client.get(reverse("documents:incoming_detail", args=[rec.pk])).content.decode()
    for code in ("01", "03", "04", "05", "06"):
        assert f'data-code="{code}"' in html
    assert 'data-code="note"' not in html  # each note is folded into its 05/06 entry (issue 15, bug 10)


def test_reject_needs_a_reason_shown_next_to_the_field(province, received, login, client):
    rec = received["letter"]
    login(province.clerk(province.communes[0]))
    response = client.post(reverse("documents:incoming_action", args=[rec.pk, "reject"]), {"reason": ""},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="reason"' in html and "field-error" in html and "This field is required." in html
    assert IncomingRecord.objects.get(pk=rec.pk).status == IncomingStatus.ARRIVED
    response = client.post(reverse("documents:incoming_action", args=[rec.pk, "reject"]),
                           {"reason": "Gửi nhầm đơn vị"})
    assert response.status_code == 302
    assert Dispatch.objects.get(pk=rec.dispatch_id).status_code == StatusCode.REJECTED


def test_assign_to_a_stranger_is_refused_next_to_the_field(province, received, login, client):
    commune = province.communes[0]
    rec = received["letter"]
    from documents.services import incoming_accept
    incoming_accept(incoming=rec, acting_user=province.clerk(commune))
    stranger = province.specialist(province.stc)
    login(province.leader(commune))
    response = client.post(reverse("documents:incoming_action", args=[rec.pk, "assign"]),
                           {"main_handler": stranger.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert IncomingRecord.objects.get(pk=rec.pk).status == IncomingStatus.ACCEPTED


def test_answer_take_back_request(province, received, login, client):
    rec = received["letter"]
    from documents.services import dispatch_request
    dispatch_request(dispatch=rec.dispatch, acting_user=province.clerk(province.snv), kind="take_back",
                     reason="Ban hành nhầm")
    login(province.clerk(province.communes[0]))
    html = client.get(reverse("documents:incoming_detail", args=[rec.pk])).content.decode()
    assert 'data-action="answer"' in html and "Ban hành nhầm" in html
    response = client.post(reverse("documents:incoming_action", args=[rec.pk, "answer"]), {"agree": "1", "note": ""})
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.status == IncomingStatus.CANCELLED
    assert Dispatch.objects.get(pk=rec.dispatch_id).status_code == StatusCode.REQUEST_AGREED


def test_attachment_is_readable_by_recipient_only(province, received, login, client):
    att = received["decision"].document.attachments.get()
    url = reverse("documents:attachment_file", args=[att.pk])
    login(province.clerk(province.communes[0]))
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    login(province.clerk(province.communes[2]))
    assert client.get(url).status_code == 404
    login(province.user(province.communes[0], Role.SPECIALIST))
    assert client.get(url).status_code == 404


def test_signature_checked_at_receipt_is_shown(province, received, login, client):
    from signatures.tasks import verify_blob_task

    rec = IncomingRecord.objects.filter(unit=province.communes[0]).first()
    login(province.clerk(province.communes[0]))
    url = reverse("documents:incoming_detail", args=[rec.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="receipt-signature"' in html and 'data-verdict="pending"' in html
    verify_blob_task.run(rec.verification_id)
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    badge = html[html.index('data-testid="receipt-signature"'):][:600]
    assert 'data-verdict="invalid"' in badge or 'data-verdict="unsigned"' in badge


@pytest.mark.parametrize("window", [2000, 10])
def test_search_pages_walk_every_match_once(province, login, monkeypatch, window):
    """Common terms are matched in the newest rows first; rarer ones fall back to the database."""
    from documents.views import common

    monkeypatch.setattr(common, "SEARCH_WINDOW", window)
    clerk = province.clerk(province.snv)
    commune = province.communes[1]
    for i in range(40):
        subject = f"Quyết định về việc kiện toàn tổ {i}" if i % 4 else f"Công văn về việc khác {i}"
        deliver(make_issued(province.snv, clerk, subject=subject), [commune], clerk)
    client = login(province.clerk(commune))
    seen, params = [], {"q": "quyet dinh kien toan"}
    for number in range(5):
        response = client.get(reverse("documents:incoming_list"), params)
        page = response.context["page"]
        if number == 0:  # 30 matches: the window finds 26 and says "more than", the fallback counts 30
            assert (page.count, page.count_capped) == ((29, True) if window == 2000 else (30, False))
        seen += [r.pk for r in page.rows]
        if not page.next_cursor:
            break
        params = {"q": "quyet dinh kien toan", "after": page.next_cursor}
    expected = list(IncomingRecord.objects.filter(unit=commune, document__subject__startswith="Quyết định")
                    .order_by("-arrived_at", "-pk").values_list("pk", flat=True))
    assert len(expected) == 30 and seen == expected
