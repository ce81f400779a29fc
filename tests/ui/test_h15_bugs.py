"""
Issue 15: the bugs found by using the portal as a clerk, a leader and a specialist would.
Each test failed before its fix.
"""
from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from documents.choices import StatusCode
from documents.models import Dispatch, IncomingRecord
from egov.core.models import Notification

from .conftest import deliver, make_issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(province):
    clerk = province.clerk(province.snv)
    for role in ("clerk", "leader", "specialist"):  # staff exist before delivery: the clerk is notified
        province.user(province.communes[0], role)
    letter = make_issued(province.snv, clerk, subject="Về việc báo cáo số liệu quý I")
    deliver(letter, [province.communes[0]], clerk)
    return IncomingRecord.objects.get(document=letter)


def _assigned(province, received, *, co=True):
    from documents.services import incoming_accept, incoming_assign

    c1 = province.communes[0]
    incoming_accept(incoming=received, acting_user=province.clerk(c1))
    main = province.specialist(c1)
    co_user = None
    if co:
        from tests.factories import MembershipFactory, UserFactory
        co_user = UserFactory(username="co-handler", first_name="Phối hợp")
        MembershipFactory(user=co_user, unit=c1, role="specialist")
    incoming_assign(incoming=received, acting_user=province.leader(c1), main_handler=main,
                    co_handlers=[co_user] if co_user else [])
    received.refresh_from_db()
    return main, co_user


def ids_of(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


# 1 -------------------------------------------------------------------------------------------
def test_filter_with_status_all_shows_no_error(province, received, login):
    client = login(province.clerk(province.communes[0]))
    response = client.get(reverse("documents:incoming_list"), {"q": "", "status": "", "urgent": "", "sender_q": "",
                                                               "arrived_after": "", "overdue": "", "handler": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' not in html
    assert f'data-incoming="{received.pk}"' in html


# 5 -------------------------------------------------------------------------------------------
def test_specialist_page_has_no_duplicate_ids_and_labels_point_at_their_box(province, received, login):
    main, _co = _assigned(province, received)
    html = login(main).get(reverse("documents:incoming_detail", args=[received.pk])).content.decode()
    dupes = [i for i, n in Counter(ids_of(html)).items() if n > 1]
    assert dupes == []
    assert 'for="id_progress_note"' in html and 'id="id_progress_note"' in html
    assert 'for="id_finish_note"' in html and 'id="id_finish_note"' in html


# 10 ------------------------------------------------------------------------------------------
def test_each_progress_note_or_finish_is_one_timeline_entry(province, received, login):
    from documents.services import incoming_finish, incoming_progress

    main, _co = _assigned(province, received, co=False)
    incoming_progress(incoming=received, acting_user=main, note="Đã dự thảo", progress=50)
    incoming_finish(incoming=received, acting_user=main, note="Đã trả lời")
    response = login(main).get(reverse("documents:incoming_detail", args=[received.pk]))
    timeline = response.context["timeline"]
    codes = [t["code"] for t in timeline]
    assert codes.count(StatusCode.IN_PROGRESS) == 1 and codes.count(StatusCode.DONE) == 1
    assert "note" not in codes
    assert [t["note"] for t in timeline if t["code"] == StatusCode.IN_PROGRESS] == ["Đã dự thảo"]
    assert [t["note"] for t in timeline if t["code"] == StatusCode.DONE] == ["Đã trả lời"]


# 7 -------------------------------------------------------------------------------------------
def test_opening_a_notification_marks_it_read(province, received, login):
    clerk = province.clerk(province.communes[0])
    n = Notification.objects.filter(user=clerk).latest("pk")
    assert n.read_at is None
    client = login(clerk)
    html = client.get(reverse("documents:notifications")).content.decode()
    open_url = reverse("documents:notification_open", args=[n.pk])
    assert f'href="{open_url}"' in html
    response = client.get(open_url)
    assert response.status_code == 302 and response["Location"] == reverse("documents:incoming_detail",
                                                                           args=[received.pk])
    n.refresh_from_db()
    assert n.read_at is not None
    # another user's notification is not theirs to open
    other = Notification.objects.exclude(user=clerk).first()
    if other is not None:
        assert client.get(reverse("documents:notification_open", args=[other.pk])).status_code == 404
