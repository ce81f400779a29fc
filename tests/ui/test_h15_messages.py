"""
Issue 15, "English": texts the portal writes (notifications, timeline notes) are stored as a
message code with parameters and read in the reader's language, whatever the actor's was —
in the pages, the API and e-mails; old rows stored as sentences are recognised by the data
migration, or shown as stored.
"""
from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.urls import reverse
from django.utils import translation

from documents.api.serializers import DispatchEventSerializer
from documents.choices import StatusCode
from documents.models import DispatchEvent, IncomingRecord
from egov.core.models import Notification

from .conftest import deliver, make_issued


@pytest.fixture
def received(province):
    clerk = province.clerk(province.snv)
    c1 = province.communes[0]
    for role in ("clerk", "leader", "specialist"):
        province.user(c1, role)
    letter = make_issued(province.snv, clerk, subject="Về việc báo cáo số liệu quý I")
    deliver(letter, [c1], clerk)
    return IncomingRecord.objects.get(document=letter)


def test_a_vietnamese_actor_reads_in_english_to_an_english_reader(province, received, login):
    from documents.services import incoming_accept

    c1 = province.communes[0]
    with translation.override("vi"):  # the clerk works in Vietnamese
        incoming_accept(incoming=received, acting_user=province.clerk(c1))
    n = Notification.objects.get(user=province.leader(c1), message_code="documents.notify.awaits_assignment")
    assert n.message_code == "documents.notify.awaits_assignment"
    assert n.message_params == {"n": 1, "subject": "Về việc báo cáo số liệu quý I"}
    client = login(province.leader(c1))
    html = client.get(reverse("documents:notifications"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Incoming document no. 1 awaits assignment: Về việc báo cáo số liệu quý I" in html
    assert "chờ phân công xử lý" not in html
    html = client.get(reverse("documents:notifications"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Văn bản đến số 1 chờ phân công xử lý: Về việc báo cáo số liệu quý I" in html
    # the sender's clerk: the status notification (with the status inside) and the timeline note
    sender_clerk = province.clerk(province.snv)
    status = Notification.objects.get(user=sender_clerk, message_code="documents.notify.status")
    with translation.override("en"):
        assert status.display_text == (f"{c1.name}: {StatusCode.ACCEPTED.label} — Về việc báo cáo số liệu quý I")
    html = login(province.clerk(c1)).get(reverse("documents:incoming_detail", args=[received.pk]),
                                         HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Incoming number 1" in html and "Số đến 1" not in html


def test_an_english_actor_reads_in_vietnamese_to_a_vietnamese_reader(province, received, login):
    from documents.services import incoming_accept, incoming_assign

    c1 = province.communes[0]
    incoming_accept(incoming=received, acting_user=province.clerk(c1))
    specialist = province.specialist(c1)
    with translation.override("en"):  # the leader works in English
        incoming_assign(incoming=received, acting_user=province.leader(c1), main_handler=specialist)
    html = login(province.leader(c1)).get(reverse("documents:incoming_detail", args=[received.pk]),
                                          HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    name = specialist.get_full_name() or specialist.username
    assert f"Chủ trì xử lý: {name}" in html and "Main handler:" not in html
    html = login(specialist).get(reverse("documents:notifications"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Bạn được giao xử lý: Về việc báo cáo số liệu quý I" in html and "You have been assigned" not in html
    # the API renders the note in the language negotiated for the request
    event = DispatchEvent.objects.get(dispatch=received.dispatch, code=StatusCode.ASSIGNED)
    assert event.note_code == "documents.note.main_handler"
    with translation.override("vi"):
        assert DispatchEventSerializer(event).data["note"] == f"Chủ trì xử lý: {name}"
    with translation.override("en"):
        data = DispatchEventSerializer(event).data
        assert data["note"] == f"Main handler: {name}" and data["note_code"] == "documents.note.main_handler"


def test_emails_are_written_in_the_recipients_language_not_the_actors(province, received, settings):
    from documents.services import incoming_accept
    from egov.core.notifications import notifications_send_email

    settings.LANGUAGE_CODE = "vi"
    c1 = province.communes[0]
    with translation.override("en"):
        incoming_accept(incoming=received, acting_user=province.clerk(c1))
        n = Notification.objects.get(user=province.leader(c1), message_code="documents.notify.awaits_assignment")
        mail.outbox.clear()
        assert notifications_send_email(notification_ids=[n.pk]) == 1
    assert mail.outbox[0].body == "Văn bản đến số 1 chờ phân công xử lý: Về việc báo cáo số liệu quý I"
    assert n.text == mail.outbox[0].body  # the stored text is in the portal's language, whoever acted


def test_old_rows_are_recognised_or_shown_as_stored(province, received):
    from documents.services import incoming_accept

    c1 = province.communes[0]
    leader = province.leader(c1)
    old_vi = Notification.objects.create(user=leader, kind="incoming.assigned", text="Bạn được giao xử lý: Báo cáo A")
    old_en = Notification.objects.create(user=leader, kind="incoming.assigned",
                                         text="Incoming document no. 7 awaits assignment: Report: B")
    odd = Notification.objects.create(user=leader, kind="incoming.assigned", text="Một câu không theo mẫu nào")
    incoming_accept(incoming=received, acting_user=province.clerk(c1))
    event = DispatchEvent.objects.get(dispatch=received.dispatch, code=StatusCode.ACCEPTED)
    DispatchEvent.objects.filter(pk=event.pk).update(note_code="", note_params={}, note="Số đến 1")
    migration = importlib.import_module("documents.migrations.0012_h15_message_codes_legacy")
    migration.forwards(django_apps, None)
    for row in (old_vi, old_en, odd):
        row.refresh_from_db()
    assert (old_vi.message_code, old_vi.message_params) == ("documents.notify.assigned", {"subject": "Báo cáo A"})
    assert old_en.message_params == {"n": 7, "subject": "Report: B"}
    assert odd.message_code == "" and odd.display_text == "Một câu không theo mẫu nào"
    with translation.override("en"):
        assert old_vi.display_text == "You have been assigned: Báo cáo A"
        event.refresh_from_db()
        assert event.note_display == "Incoming number 1"
    with translation.override("vi"):
        assert old_en.display_text == "Văn bản đến số 7 chờ phân công xử lý: Report: B"
