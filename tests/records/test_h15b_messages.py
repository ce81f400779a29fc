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
from django.utils import translation

from egov.core.models import Notification
from records.services import archive_return, transfer_reminders_send, transfer_submit

pytestmark = pytest.mark.django_db


def _page(client, user, language):
    client.force_login(user)
    return client.get(reverse("documents:notifications"), HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_a_transfer_reminder_made_in_vietnamese_reads_in_english(office, client):
    f = office.closed_file()
    due = f.transfer_due.strftime("%d/%m/%Y")
    with translation.override("vi"):
        assert transfer_reminders_send(today=f.transfer_due - datetime.timedelta(days=30)) == 1
    n = Notification.objects.get(user=office.keeper, kind="records.transfer_due", object_id=f.pk)
    assert n.message_code == "records.notify.transfer_due"
    assert n.message_params == {"code": f.code, "due": due}
    with translation.override("vi"):
        vietnamese = translation.gettext("File %(code)s is due for transfer to the archive by %(due)s.") % {
            "code": f.code, "due": due}
    assert vietnamese != f"File {f.code} is due for transfer to the archive by {due}."  # the catalogue has it
    assert n.text == vietnamese  # stored in the portal's language, for the admin and the audit
    html = _page(client, office.keeper, "en")
    assert f"File {f.code} is due for transfer to the archive by {due}." in html
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
