"""
Issue 15, "English": the records app's notifications (transfer reminders, accept/return, access
decisions, copies, destruction proposals) are stored as a message code with parameters and read
in the reader's language, whatever the language of whoever caused them; the stored text (admin,
audit) stays in the portal's language.
"""
from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from egov.core.models import Notification
from records.services import archive_return, transfer_reminders_send, transfer_submit

pytestmark = pytest.mark.django_db


def _page(client, user, language):
    client.force_login(user)
    return client.get(reverse("documents:notifications"), HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_a_transfer_reminder_made_in_vietnamese_reads_in_english(office, client):
    f = office.closed_file()
    due = f.transfer_due.strftime("%d/%m/%Y")  # as a Vietnamese reader writes a date
    due_en = f"{f.transfer_due.day} {f.transfer_due:%b %Y}"  # as the English page shows it
    with translation.override("vi"):
        assert transfer_reminders_send(today=f.transfer_due - datetime.timedelta(days=30)) == 1
    n = Notification.objects.get(user=office.keeper, kind="records.transfer_due", object_id=f.pk)
    assert n.message_code == "records.notify.transfer_due"
    # the date is stored as a date, not as text in the writer's way of writing dates
    assert n.message_params == {"code": f.code, "due": {"$date": f.transfer_due.isoformat()}}
    with translation.override("vi"):
        vietnamese = translation.gettext("File %(code)s is due for transfer to the archive by %(due)s.") % {
            "code": f.code, "due": due}
    assert vietnamese != f"File {f.code} is due for transfer to the archive by {due}."  # the catalogue has it
    assert n.text == vietnamese  # stored in the portal's language, for the admin and the audit
    html = _page(client, office.keeper, "en")
    assert f"File {f.code} is due for transfer to the archive by {due_en}." in html
    assert due not in html
    assert vietnamese not in html
    assert vietnamese in _page(client, office.archivist, "vi")


def test_a_return_by_a_vietnamese_archivist_reads_in_english_with_the_reason_as_written(office, client):
    f = office.closed_file()
    with translation.override("vi"):
        transfer_submit(case_file=f, acting_user=office.keeper)
        archive_return(case_file=f, acting_user=office.archivist, reason="Thiếu mục lục văn bản")
    submitted = Notification.objects.get(user=office.archivist, kind="records.file_submitted", object_id=f.pk)
    assert submitted.message_code == "records.notify.file_submitted"
    returned = Notification.objects.get(user=office.keeper, kind="records.file_returned", object_id=f.pk)
    assert returned.message_params == {"code": f.code, "reason": "Thiếu mục lục văn bản"}
    with translation.override("en"):
        assert returned.display_text == f"The archive returned file {f.code}: Thiếu mục lục văn bản"
        assert submitted.display_text == f"File {f.code} awaits the archive's check: {f.title}"
    assert f"The archive returned file {f.code}: Thiếu mục lục văn bản" in _page(client, office.keeper, "en")


def test_the_files_trail_reads_in_the_readers_language(office, client):
    """FileEvent.detail: the portal's own wording is a code; data and people's reasons stay as written."""
    from records.models import FileEvent
    from records.services import archive_accept

    f = office.closed_file(docs=2)
    with translation.override("vi"):
        transfer_submit(case_file=f, acting_user=office.keeper)
        archive_accept(case_file=f, acting_user=office.archivist)
    transfer = FileEvent.objects.get(case_file=f, detail_code="records.event.transfer")
    with translation.override("vi"):
        vietnamese = translation.gettext("Transfer to the agency archive")
    assert vietnamese != "Transfer to the agency archive" and transfer.detail == vietnamese
    assert FileEvent.objects.filter(case_file=f, detail_code="records.event.accepted").exists()
    client.force_login(office.archivist)
    english = client.get(reverse("records:file_detail", args=[f.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Transfer to the agency archive" in english and "Accepted by the agency archive" in english
    assert vietnamese not in english
    assert vietnamese in client.get(reverse("records:file_detail", args=[f.pk]), HTTP_ACCEPT_LANGUAGE="vi").content.decode()


def test_old_sentences_become_codes_and_dates_become_dates(office):
    """The data migrations: records 0004 (notifications, trail), documents 0016 (dates), units 0007."""
    from importlib import import_module

    from django.apps import apps

    from records.models import FileEvent
    from units.models import UnitChange

    f = office.closed_file()
    with translation.override("vi"):
        old = translation.gettext("File %(code)s is due for transfer to the archive by %(due)s.") % {
            "code": f.code, "due": "02/12/2027"}
        old_event = translation.gettext("Package for the historical archive")
    n = Notification.objects.create(user=office.keeper, unit=f.unit, kind="records.transfer_due", text=old)
    e = FileEvent.objects.create(case_file=f, kind="packaging", at=timezone.now(), detail=old_event)
    person = FileEvent.objects.create(case_file=f, kind="hold", at=timezone.now(), detail="Thanh tra đang xem xét")
    change = UnitChange.objects.create(unit=f.unit, action="update", note="directory of truc (QĐ 20)")
    import_module("records.migrations.0004_h15c_message_codes_legacy").forwards(apps, None)
    import_module("documents.migrations.0016_h15c_message_codes_legacy").forwards(apps, None)
    import_module("units.migrations.0007_h15c_message_codes_legacy").forwards(apps, None)
    n.refresh_from_db(), e.refresh_from_db(), person.refresh_from_db(), change.refresh_from_db()
    assert n.message_code == "records.notify.transfer_due"
    assert n.message_params == {"code": f.code, "due": {"$date": "2027-12-02"}}
    with translation.override("en"):
        assert n.display_text == f"File {f.code} is due for transfer to the archive by 2 Dec 2027."
        assert e.detail_display == "Package for the historical archive"
        assert person.detail_display == "Thanh tra đang xem xét" and person.detail_code == ""
        assert change.note_display == "Directory of truc (QĐ 20)"
    with translation.override("vi"):
        assert n.display_text == old and e.detail_display == old_event
