import datetime
from unittest import mock

import pytest

from documents.choices import BusinessType, IncomingStatus, StatusCode
from documents.models import Dispatch, IncomingRecord
from egov.core.models import AuditEvent, AuditImmutable, Notification
from documents.selectors import incoming_overdue, incoming_visible_to
from documents.services import (
    deliver_local_batch,
    dispatch_request,
    document_send,
    incoming_accept,
    incoming_answer_request,
    incoming_assign,
    incoming_finish,
    incoming_progress,
    incoming_reject,
    incoming_remind_overdue,
)
from egov.core.errors import InvalidInput, PermissionDeniedError, StateError
from documents.tasks import deliver_local_batch_task

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 6)


@pytest.fixture
def delivered(province, issued):
    """A document of Sở Nội vụ delivered to the district and its three communes."""
    clerk = province.clerk(province.snv)
    doc = issued(province.snv, clerk)
    with mock.patch.object(deliver_local_batch_task, "delay"):
        dispatches = document_send(document=doc, acting_user=clerk, units=[province.district, *province.communes],
                                   on=TODAY)
    deliver_local_batch(dispatch_ids=[d.pk for d in dispatches])
    return doc


def _incoming(unit):
    return IncomingRecord.objects.get(unit=unit)


def _sender_status(doc, unit):
    return Dispatch.objects.get(document=doc, recipient=unit).status_code


def test_full_workflow_statuses_reach_the_sender(province, delivered):
    commune = province.communes[0]
    clerk, leader = province.clerk(commune), province.leader(commune)
    main, co = province.specialist(commune), province.user(commune, "unit_admin")
    rec = incoming_accept(incoming=_incoming(commune), acting_user=clerk)
    assert rec.incoming_number == 1 and rec.status == IncomingStatus.ACCEPTED
    assert _sender_status(delivered, commune) == StatusCode.ACCEPTED
    incoming_assign(incoming=rec, acting_user=leader, main_handler=main, co_handlers=[co],
                    deadline=datetime.date.today() + datetime.timedelta(days=7), instruction="Xử lý ngay")
    assert _sender_status(delivered, commune) == StatusCode.ASSIGNED
    incoming_progress(incoming=rec, acting_user=co, note="Đã liên hệ các thôn", progress=40)
    assert _sender_status(delivered, commune) == StatusCode.IN_PROGRESS
    with pytest.raises(PermissionDeniedError):
        incoming_finish(incoming=rec, acting_user=co)  # only the main handler finishes
    incoming_finish(incoming=rec, acting_user=main, note="Đã báo cáo")
    d = Dispatch.objects.get(document=delivered, recipient=commune)
    assert d.status_code == StatusCode.DONE and d.status_by
    codes = list(d.events.filter(kind="business").values_list("code", flat=True))
    assert codes == ["01", "03", "04", "05", "06"]
    assert Notification.objects.filter(unit=province.snv, kind="status.06").exists()
    verbs = set(AuditEvent.objects.filter(unit=commune).values_list("verb", flat=True))
    assert {"incoming.accepted", "incoming.assigned", "incoming.progress", "incoming.finished"} <= verbs


def test_incoming_numbers_are_per_unit(province, delivered):
    a = incoming_accept(incoming=_incoming(province.communes[0]), acting_user=province.clerk(province.communes[0]))
    b = incoming_accept(incoming=_incoming(province.communes[1]), acting_user=province.clerk(province.communes[1]))
    assert a.incoming_number == b.incoming_number == 1


def test_rejection_needs_a_reason_and_reaches_the_sender(province, delivered):
    commune = province.communes[1]
    with pytest.raises(InvalidInput):
        incoming_reject(incoming=_incoming(commune), acting_user=province.clerk(commune), reason="  ")
    incoming_reject(incoming=_incoming(commune), acting_user=province.clerk(commune), reason="Gửi nhầm đơn vị")
    d = Dispatch.objects.get(document=delivered, recipient=commune)
    assert d.status_code == StatusCode.REJECTED and d.status_note == "Gửi nhầm đơn vị"
    with pytest.raises(StateError):
        incoming_accept(incoming=_incoming(commune), acting_user=province.clerk(commune))


def test_roles_are_enforced(province, delivered):
    commune = province.communes[0]
    rec = _incoming(commune)
    with pytest.raises(PermissionDeniedError):
        incoming_accept(incoming=rec, acting_user=province.specialist(commune))
    with pytest.raises(PermissionDeniedError):
        incoming_accept(incoming=rec, acting_user=province.clerk(province.communes[1]))  # another unit's clerk
    rec = incoming_accept(incoming=rec, acting_user=province.clerk(commune))
    with pytest.raises(PermissionDeniedError):
        incoming_assign(incoming=rec, acting_user=province.clerk(commune), main_handler=province.specialist(commune))
    with pytest.raises(InvalidInput):  # a handler from another unit
        incoming_assign(incoming=rec, acting_user=province.leader(commune),
                        main_handler=province.specialist(province.communes[1]))
    assert _incoming(commune).status == IncomingStatus.ACCEPTED


def test_a_unit_never_sees_another_units_incoming(province, delivered):
    c0, c1 = province.communes[0], province.communes[1]
    visible = incoming_visible_to(user=province.clerk(c0))
    assert set(visible.values_list("unit_id", flat=True)) == {c0.pk}
    assert not incoming_visible_to(user=province.clerk(province.stc)).exists()
    # A specialist sees only what is assigned to them.
    spec = province.specialist(c1)
    assert not incoming_visible_to(user=spec).exists()
    rec = incoming_accept(incoming=_incoming(c1), acting_user=province.clerk(c1))
    incoming_assign(incoming=rec, acting_user=province.leader(c1), main_handler=spec)
    assert list(incoming_visible_to(user=spec)) == [rec]


def test_revocation_cancels_the_recipients_record(province, issued, delivered):
    clerk = province.clerk(province.snv)
    accepted = incoming_accept(incoming=_incoming(province.communes[0]), acting_user=province.clerk(province.communes[0]))
    revocation = issued(province.snv, clerk, subject="Thu hồi công văn", business_type=BusinessType.REVOCATION,
                        related_document=delivered, business_reason="Sai số liệu")
    with mock.patch.object(deliver_local_batch_task, "delay"):
        dispatches = document_send(document=revocation, acting_user=clerk, units=province.communes, on=TODAY)
    deliver_local_batch(dispatch_ids=[d.pk for d in dispatches])
    accepted.refresh_from_db()
    assert accepted.status == IncomingStatus.CANCELLED and revocation.number_notation in accepted.cancel_reason
    assert Dispatch.objects.get(document=delivered, recipient=province.communes[0]).events.filter(
        code="cancelled").exists()
    assert _incoming(province.district).status == IncomingStatus.ARRIVED  # not among the revocation's recipients
    assert Notification.objects.filter(unit=province.snv, kind="document.followup_applied").exists()
    assert Notification.objects.filter(unit=province.communes[0], kind="incoming.cancelled").exists()
    delivered.refresh_from_db()
    assert delivered.status == "revoked"
    with pytest.raises(StateError):  # the revoked document is frozen: never sent again
        document_send(document=delivered, acting_user=clerk, units=[province.stc], on=TODAY)


def test_take_back_request_agreed_and_refused(province, delivered):
    sender_clerk = province.clerk(province.snv)
    c0, c1 = province.communes[0], province.communes[1]
    d0 = Dispatch.objects.get(document=delivered, recipient=c0)
    d1 = Dispatch.objects.get(document=delivered, recipient=c1)
    with pytest.raises(PermissionDeniedError):
        dispatch_request(dispatch=d0, acting_user=province.clerk(c0), kind="take_back", reason="x")
    dispatch_request(dispatch=d0, acting_user=sender_clerk, kind="take_back", reason="Gửi nhầm")
    dispatch_request(dispatch=d1, acting_user=sender_clerk, kind="update", reason="Bổ sung phụ lục")
    assert _sender_status(delivered, c0) == StatusCode.TAKE_BACK_REQUESTED
    with pytest.raises(StateError):
        dispatch_request(dispatch=d0, acting_user=sender_clerk, kind="take_back", reason="again")
    incoming_answer_request(incoming=_incoming(c0), acting_user=province.clerk(c0), agree=True)
    incoming_answer_request(incoming=_incoming(c1), acting_user=province.clerk(c1), agree=False, note="Đã xử lý xong")
    assert _sender_status(delivered, c0) == StatusCode.REQUEST_AGREED
    assert _sender_status(delivered, c1) == StatusCode.REQUEST_REFUSED
    assert _incoming(c0).status == IncomingStatus.CANCELLED
    assert _incoming(c1).status == IncomingStatus.ARRIVED
    with pytest.raises(StateError):
        incoming_answer_request(incoming=_incoming(c1), acting_user=province.clerk(c1), agree=True)


def test_overdue_records_are_flagged_and_reminded_once_a_day(province, delivered):
    commune = province.communes[0]
    rec = incoming_accept(incoming=_incoming(commune), acting_user=province.clerk(commune))
    incoming_assign(incoming=rec, acting_user=province.leader(commune), main_handler=province.specialist(commune),
                    deadline=datetime.date.today())
    later = datetime.date.today() + datetime.timedelta(days=2)
    assert list(incoming_overdue(on=later)) == [_incoming(commune)]
    assert incoming_remind_overdue(today=later) == 1
    assert incoming_remind_overdue(today=later) == 0
    assert Notification.objects.filter(user=province.specialist(commune), kind="incoming.overdue").count() == 1


def test_audit_rows_cannot_be_changed(province, delivered):
    event = AuditEvent.objects.first()
    event.verb = "tampered"
    with pytest.raises(AuditImmutable):
        event.save()
    with pytest.raises(AuditImmutable):
        event.delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.update(verb="x")


def test_audit_trigger_on_postgresql(province, delivered):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("database-level guard exists on PostgreSQL only; the ORM guard is tested above")
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("UPDATE documents_auditevent SET verb = 'x'")


def test_overdue_reminders_are_emailed_when_configured(province, delivered, settings, django_capture_on_commit_callbacks):
    from django.core import mail

    from egov.core.tasks import send_notification_emails_task

    settings.NOTIFICATIONS_EMAIL = True
    commune = province.communes[0]
    rec = incoming_accept(incoming=_incoming(commune), acting_user=province.clerk(commune))
    incoming_assign(incoming=rec, acting_user=province.leader(commune), main_handler=province.specialist(commune),
                    deadline=datetime.date.today())
    later = datetime.date.today() + datetime.timedelta(days=3)
    with mock.patch.object(send_notification_emails_task, "delay",
                           side_effect=lambda ids: send_notification_emails_task.run(ids)):
        with django_capture_on_commit_callbacks(execute=True):
            assert incoming_remind_overdue(today=later) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [province.specialist(commune).email]
    assert Notification.objects.filter(kind="incoming.overdue", emailed_at__isnull=False).count() == 1


def test_export_register_command(province, delivered, tmp_path):
    from django.core.management import call_command

    commune = province.communes[0]
    incoming_accept(incoming=_incoming(commune), acting_user=province.clerk(commune))
    out = tmp_path / "so-den.csv"
    call_command("export_register", commune.code, "--kind", "incoming", "--year", str(datetime.date.today().year),
                 "-o", str(out))
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Ngày đến,Số đến,Tác giả")
    assert "Sở Nội vụ" in text and delivered.number_notation in text
