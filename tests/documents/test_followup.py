"""Chasing (đôn đốc), deadline extensions, removal of assignees, reminder policies, reply tracking (issue 14)."""
import datetime
from unittest import mock

import pytest
from django.utils import translation

from documents.choices import ExtensionState, IncomingStatus
from documents.models import Chase, IncomingAssignment, IncomingRecord
from documents.selectors import late_replies, replies_of_document
from documents.services import (
    assignee_remove,
    chase_acknowledge,
    chase_send,
    deliver_local_batch,
    document_send,
    extension_decide,
    extension_request,
    incoming_accept,
    incoming_assign,
    incoming_finish,
    incoming_reject,
    incoming_remind_overdue,
    reminder_policy_set,
)
from documents.tasks import deliver_local_batch_task
from egov.core.errors import InvalidInput, PermissionDeniedError, StateError
from egov.core.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def sent(province, issued):
    """A document of Sở Nội vụ expecting a reply in 5 days, delivered to the three communes."""
    clerk = province.clerk(province.snv)
    doc = issued(province.snv, clerk, due_date=TODAY + datetime.timedelta(days=5))
    with mock.patch.object(deliver_local_batch_task, "delay"):
        dispatches = document_send(document=doc, acting_user=clerk, units=province.communes)
    deliver_local_batch(dispatch_ids=[d.pk for d in dispatches])
    return doc


@pytest.fixture
def assigned(province, sent):
    commune = province.communes[0]
    rec = incoming_accept(incoming=IncomingRecord.objects.get(unit=commune), acting_user=province.clerk(commune))
    incoming_assign(incoming=rec, acting_user=province.leader(commune), main_handler=province.specialist(commune),
                    co_handlers=[province.user(commune, "unit_admin")], deadline=TODAY + datetime.timedelta(days=3))
    rec.refresh_from_db()
    return rec


def test_chases_are_numbered_per_record_notified_and_acknowledged(province, assigned):
    commune = province.communes[0]
    leader, clerk, main = province.leader(commune), province.clerk(commune), province.specialist(commune)
    first = chase_send(incoming=assigned, acting_user=leader, kind="reminder", text="Khẩn trương")
    second = chase_send(incoming=assigned, acting_user=clerk, kind="criticism")
    assert (first.number, second.number) == (1, 2) and first.target == main
    assert Notification.objects.filter(user=main, kind="incoming.chased").count() == 2
    assert AuditEvent.objects.filter(verb="incoming.chased", object_id=str(assigned.pk)).count() == 2
    with pytest.raises(PermissionDeniedError):
        chase_send(incoming=assigned, acting_user=main, kind="reminder")  # a handler does not chase
    with pytest.raises(InvalidInput):
        chase_send(incoming=assigned, acting_user=leader, kind="scold")
    with pytest.raises(InvalidInput):  # only an active handler can be chased
        chase_send(incoming=assigned, acting_user=leader, kind="reminder", target=clerk)
    with pytest.raises(PermissionDeniedError):
        chase_acknowledge(chase=first, acting_user=leader)
    acked = chase_acknowledge(chase=first, acting_user=main, answer="Sẽ xong trong tuần")
    assert acked.acknowledged_at is not None and acked.acknowledgement == "Sẽ xong trong tuần"
    assert Notification.objects.filter(user=leader, kind="incoming.chase_ack").exists()
    with pytest.raises(StateError):
        chase_acknowledge(chase=first, acting_user=main)
    # the numbering is per record: another record starts at 1 again
    other_unit = province.communes[1]
    rec2 = incoming_accept(incoming=IncomingRecord.objects.get(unit=other_unit), acting_user=province.clerk(other_unit))
    incoming_assign(incoming=rec2, acting_user=province.leader(other_unit),
                    main_handler=province.specialist(other_unit))
    assert chase_send(incoming=rec2, acting_user=province.leader(other_unit), kind="review").number == 1


def test_a_finished_record_cannot_be_chased(province, assigned):
    commune = province.communes[0]
    incoming_finish(incoming=assigned, acting_user=province.specialist(commune))
    with pytest.raises(StateError):
        chase_send(incoming=assigned, acting_user=province.leader(commune), kind="reminder")


def test_extension_granted_moves_the_deadline_and_keeps_history(province, assigned):
    commune = province.communes[0]
    main, leader = province.specialist(commune), province.leader(commune)
    old = assigned.deadline
    with pytest.raises(InvalidInput):
        extension_request(incoming=assigned, acting_user=main, deadline=old, reason="x")
    with pytest.raises(InvalidInput):
        extension_request(incoming=assigned, acting_user=main, deadline=old + datetime.timedelta(days=4), reason=" ")
    with pytest.raises(PermissionDeniedError):
        extension_request(incoming=assigned, acting_user=leader, deadline=old + datetime.timedelta(days=4), reason="x")
    ext = extension_request(incoming=assigned, acting_user=main, deadline=old + datetime.timedelta(days=4),
                            reason="Chờ số liệu của thôn")
    assert Notification.objects.filter(user=leader, kind="incoming.extension_req").exists()
    with pytest.raises(StateError):
        extension_request(incoming=assigned, acting_user=main, deadline=old + datetime.timedelta(days=9), reason="y")
    with pytest.raises(PermissionDeniedError):
        extension_decide(extension=ext, acting_user=main, grant=True)
    ext = extension_decide(extension=ext, acting_user=leader, grant=True, deadline=old + datetime.timedelta(days=6))
    assert ext.state == ExtensionState.GRANTED and ext.old_deadline == old
    assigned.refresh_from_db()
    assert assigned.deadline == old + datetime.timedelta(days=6)
    assert IncomingAssignment.objects.get(incoming=assigned, role="main", is_active=True).deadline == assigned.deadline
    assert Notification.objects.filter(user=main, kind="incoming.extension_dec").exists()
    with pytest.raises(StateError):
        extension_decide(extension=ext, acting_user=leader, grant=False, note="no")


def test_extension_refused_needs_a_reason_and_keeps_the_deadline(province, assigned):
    commune = province.communes[0]
    co, leader = province.user(commune, "unit_admin"), province.leader(commune)
    ext = extension_request(incoming=assigned, acting_user=co, deadline=TODAY + datetime.timedelta(days=20),
                            reason="Nhiều việc")
    with pytest.raises(InvalidInput):
        extension_decide(extension=ext, acting_user=leader, grant=False)
    ext = extension_decide(extension=ext, acting_user=leader, grant=False, note="Không có lý do chính đáng")
    assert ext.state == ExtensionState.REFUSED
    before = assigned.deadline
    assigned.refresh_from_db()
    assert assigned.deadline == before


def test_removing_a_wrong_assignee_keeps_the_row(province, assigned):
    commune = province.communes[0]
    leader, co = province.leader(commune), province.user(commune, "unit_admin")
    a = IncomingAssignment.objects.get(incoming=assigned, user=co, is_active=True)
    with pytest.raises(InvalidInput):
        assignee_remove(assignment=a, acting_user=leader, reason="")
    main_a = IncomingAssignment.objects.get(incoming=assigned, role="main", is_active=True)
    with pytest.raises(StateError):
        assignee_remove(assignment=main_a, acting_user=leader, reason="nhầm")
    with pytest.raises(PermissionDeniedError):
        assignee_remove(assignment=a, acting_user=province.clerk(commune), reason="nhầm")
    pending = extension_request(incoming=assigned, acting_user=co, deadline=TODAY + datetime.timedelta(days=20),
                                reason="Cần thêm thời gian")
    assignee_remove(assignment=a, acting_user=leader, reason="Giao nhầm người")
    a.refresh_from_db()
    assert not a.is_active and a.removed_by == leader and a.removed_reason == "Giao nhầm người"
    # the pending extension is refused with the portal's own note, read in the reader's language
    pending.refresh_from_db()
    assert pending.state == ExtensionState.REFUSED and pending.decision_note_code == "documents.extension.assignee_removed"
    with translation.override("en"):
        assert pending.decision_note_display == "Assignee removed"
    with translation.override("vi"):
        assert pending.decision_note_display == pending.decision_note != "Assignee removed"
    assert Notification.objects.filter(user=co, kind="incoming.unassigned").exists()
    with pytest.raises(InvalidInput):  # no longer a handler
        chase_send(incoming=assigned, acting_user=leader, kind="reminder", target=co)


def test_reminders_follow_the_unit_policy(province, assigned):
    commune = province.communes[0]
    main = province.specialist(commune)
    deadline = assigned.deadline  # TODAY + 3
    # default: one day before
    assert incoming_remind_overdue(today=deadline - datetime.timedelta(days=2)) == 0
    assert incoming_remind_overdue(today=deadline - datetime.timedelta(days=1)) == 1
    assert Notification.objects.filter(user=main, kind="incoming.due_soon").count() == 1
    # after the deadline: every 3 days by the unit's policy
    with pytest.raises(PermissionDeniedError):
        reminder_policy_set(unit=commune, acting_user=main, days_before=2, every_days_after=3)
    reminder_policy_set(unit=commune, acting_user=province.leader(commune), days_before=2, every_days_after=3)
    d1 = deadline + datetime.timedelta(days=1)
    assert incoming_remind_overdue(today=d1) == 1
    assert incoming_remind_overdue(today=d1 + datetime.timedelta(days=2)) == 0
    assert incoming_remind_overdue(today=d1 + datetime.timedelta(days=3)) == 1
    assert Notification.objects.filter(user=main, kind="incoming.overdue").count() == 2
    reminder_policy_set(unit=commune, acting_user=province.leader(commune), days_before=0, every_days_after=1,
                        enabled=False)
    assert incoming_remind_overdue(today=d1 + datetime.timedelta(days=10)) == 0


def test_reply_tracking_at_the_sender(province, sent, issued):
    c0, c1, c2 = province.communes
    # c0 answers with a reply document of its own; c1 rejects; c2 stays silent
    rec0 = incoming_accept(incoming=IncomingRecord.objects.get(unit=c0), acting_user=province.clerk(c0))
    incoming_assign(incoming=rec0, acting_user=province.leader(c0), main_handler=province.specialist(c0))
    reply = issued(c0, province.clerk(c0), subject="Báo cáo trả lời")
    incoming_finish(incoming=rec0, acting_user=province.specialist(c0), reply_document=reply)
    incoming_reject(incoming=IncomingRecord.objects.get(unit=c1), acting_user=province.clerk(c1), reason="Nhầm")
    tracking = replies_of_document(document=sent)
    by_unit = {r["recipient"].pk: r for r in tracking["rows"]}
    assert tracking["expected"] and tracking["answered"] == 1 and tracking["waiting"] == 1 and tracking["late"] == 0
    assert by_unit[c0.pk]["replied"] and by_unit[c0.pk]["reply"] == reply and not by_unit[c0.pk]["late"]
    assert by_unit[c1.pk]["closed"] and not by_unit[c1.pk]["late"]
    assert not by_unit[c2.pk]["replied"]
    # after the due date the silent recipient is late; the answered and the rejected are not
    later = sent.due_date + datetime.timedelta(days=2)
    tracking = replies_of_document(document=sent, today=later)
    assert tracking["late"] == 1
    late = late_replies(unit=province.snv, today=later)
    assert [r["recipient"] for r in late] == [c2] and late[0]["days_late"] == 2
    assert late_replies(unit=province.snv, today=sent.due_date) == []
    assert late_replies(unit=province.stc, today=later) == []
    assert Chase.objects.count() == 0
    assert IncomingRecord.objects.get(unit=c1).status == IncomingStatus.REJECTED
