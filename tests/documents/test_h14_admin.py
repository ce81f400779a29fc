"""The admin pages of issue 14's models (chases, extensions, reminder policies, saved searches, file
texts, search entries, the access log): scoped to the administered unit, and read-only."""
import datetime
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from documents.models import AttachmentText, Chase, DeadlineExtension, IncomingRecord, ReminderPolicy, SavedSearch
from documents.models import SearchEntry
from documents.services import (
    chase_send,
    deliver_local_batch,
    document_send,
    extension_request,
    incoming_accept,
    incoming_assign,
    reminder_policy_set,
    saved_search_save,
    search_index_document,
)
from documents.tasks import deliver_local_batch_task
from egov.core.models import AccessLog
from tests.factories import MembershipFactory, UserFactory
from units.choices import Role

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def followed(province, issued):
    """Commune 0 holds a chased record with a pending extension, a policy, a saved search and an access row."""
    clerk = province.clerk(province.snv)
    doc = issued(province.snv, clerk)
    c0 = province.communes[0]
    with mock.patch.object(deliver_local_batch_task, "delay"):
        dispatches = document_send(document=doc, acting_user=clerk, units=[c0])
    deliver_local_batch(dispatch_ids=[d.pk for d in dispatches])
    search_index_document(document_id=doc.pk)
    rec = incoming_accept(incoming=IncomingRecord.objects.get(unit=c0), acting_user=province.clerk(c0))
    incoming_assign(incoming=rec, acting_user=province.leader(c0), main_handler=province.specialist(c0),
                    deadline=TODAY + datetime.timedelta(days=3))
    chase_send(incoming=rec, acting_user=province.leader(c0), kind="reminder")
    extension_request(incoming=rec, acting_user=province.specialist(c0), deadline=TODAY + datetime.timedelta(days=9),
                      reason="Chờ số liệu")
    reminder_policy_set(unit=c0, acting_user=province.leader(c0), days_before=2, every_days_after=1)
    saved_search_save(user=province.clerk(c0), unit=c0, name="Thiên tai", params={"q": "thien tai"}, columns=[],
                      ordering="newest")
    AccessLog.objects.create(at=rec.arrived_at, user=province.clerk(c0), unit=c0, action="view",
                             object_type="documents.incomingrecord", object_id=str(rec.pk))
    return rec


def _unit_admin(unit, name):
    user = UserFactory(username=name, is_staff=True)
    user.user_permissions.set(Permission.objects.all())  # the worst case: every model permission
    MembershipFactory(user=user, unit=unit, role=Role.UNIT_ADMIN)
    return user


def _objects(rec):
    return {
        "documents_chase": Chase.objects.get(incoming=rec),
        "documents_deadlineextension": DeadlineExtension.objects.get(incoming=rec),
        "documents_reminderpolicy": ReminderPolicy.objects.get(unit=rec.unit),
        "documents_savedsearch": SavedSearch.objects.get(unit=rec.unit),
        "documents_searchentry": SearchEntry.objects.get(incoming=rec),
        "egov_accesslog": AccessLog.objects.get(unit=rec.unit),
        "documents_attachmenttext": AttachmentText.objects.filter(attachment__document=rec.document).first(),
    }


def test_new_admin_pages_show_only_the_administered_units_objects(province, followed, client):
    objects = _objects(followed)
    assert all(objects.values())
    # the commune's own administrator sees each object (except the file text: it belongs to the sender)
    client.force_login(_unit_admin(followed.unit, "qtv-xa-0"))
    for name, obj in objects.items():
        page = client.get(reverse(f"admin:{name}_change", args=[obj.pk]))
        expected = 302 if name == "documents_attachmenttext" else 200  # not found: back to the index
        assert page.status_code == expected, name
        listing = client.get(reverse(f"admin:{name}_changelist"))
        assert listing.status_code == 200, name
    # another commune's administrator sees none of them
    client.force_login(_unit_admin(province.communes[1], "qtv-xa-1"))
    for name, obj in objects.items():
        url = reverse(f"admin:{name}_change", args=[obj.pk])
        assert client.get(url).status_code == 302, name
        assert f'href="{url}"' not in client.get(reverse(f"admin:{name}_changelist")).content.decode(), name
    # the sender's administrator sees the file text of its own document
    client.force_login(_unit_admin(province.snv, "qtv-snv"))
    att_text = objects["documents_attachmenttext"]
    assert client.get(reverse("admin:documents_attachmenttext_change", args=[att_text.pk])).status_code == 200


def test_new_admin_pages_are_read_only(province, followed, client):
    client.force_login(_unit_admin(followed.unit, "qtv-xa-0"))
    chase = Chase.objects.get(incoming=followed)
    page = client.post(reverse("admin:documents_chase_change", args=[chase.pk]), {"kind": "review", "text": "x"})
    assert page.status_code == 403
    chase.refresh_from_db()
    assert chase.kind == "reminder"
    assert client.get(reverse("admin:documents_reminderpolicy_add")).status_code == 403
    assert client.post(reverse("admin:egov_accesslog_delete", args=[AccessLog.objects.get().pk])).status_code == 403
