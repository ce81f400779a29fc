import datetime
from unittest import mock

import pytest
from django.utils import timezone

from documents.choices import DeliveryState, Secrecy
from documents.models import Dispatch, DispatchEvent
from egov.core.models import AuditEvent
from documents.services import (
    document_create,
    document_send,
    recipients_expand,
)
from egov.core.errors import InvalidInput, PermissionDeniedError, StateError
from documents.tasks import deliver_local_batch_task
from tests.factories import UnitFactory
from units.models import UnitGroup
from units.services import unit_dissolve, unit_merge

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 6)


def test_send_writes_dispatches_and_enqueues_after_commit(province, issued, django_capture_on_commit_callbacks):
    clerk = province.clerk(province.snv)
    doc = issued(province.snv, clerk)
    with mock.patch.object(deliver_local_batch_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            dispatches = document_send(document=doc, acting_user=clerk,
                                       units=[province.district, *province.communes], on=TODAY)
        delay.assert_not_called()  # nothing is published inside the transaction
        assert len(callbacks) == 1
        callbacks[0]()
        delay.assert_called_once()
    assert sorted(delay.call_args.args[0]) == sorted(d.pk for d in dispatches)
    assert {d.state for d in dispatches} == {DeliveryState.PENDING}
    assert DispatchEvent.objects.filter(dispatch__document=doc, code="pending").count() == 4
    assert AuditEvent.objects.filter(verb="document.sent", object_id=str(doc.pk)).exists()


def test_secret_document_is_never_sent(province, issued):
    clerk = province.clerk(province.snv)
    doc = issued(province.snv, clerk, secrecy=Secrecy.CONFIDENTIAL)
    with pytest.raises(PermissionDeniedError) as exc:
        document_send(document=doc, acting_user=clerk, units=[province.stc], on=TODAY)
    assert exc.value.code == "secret_document" and "QĐ 28/2018" in exc.value.message
    assert Dispatch.objects.count() == 0


def test_only_the_owner_units_clerk_sends(province, issued):
    doc = issued(province.snv, province.clerk(province.snv))
    for user in (province.specialist(province.snv), province.leader(province.snv), province.clerk(province.stc)):
        with pytest.raises(PermissionDeniedError):
            document_send(document=doc, acting_user=user, units=[province.stc], on=TODAY)
    assert Dispatch.objects.count() == 0


def test_draft_cannot_be_sent(province):
    clerk = province.clerk(province.snv)
    draft = document_create(owner_unit=province.snv, acting_user=clerk, subject="Dự thảo")
    with pytest.raises(StateError):
        document_send(document=draft, acting_user=clerk, units=[province.stc], on=TODAY)


def test_missing_recipient_is_a_field_error(province, issued):
    clerk = province.clerk(province.snv)
    doc = issued(province.snv, clerk)
    with pytest.raises(InvalidInput) as exc:
        document_send(document=doc, acting_user=clerk, units=[], on=TODAY)
    assert exc.value.field == "recipients"
    with pytest.raises(InvalidInput):  # only itself
        document_send(document=doc, acting_user=clerk, units=[province.snv], on=TODAY)


def test_dissolved_unit_goes_to_its_successor(province, issued):
    old, new = province.communes[0], province.communes[1]
    unit_merge(sources=[old], target=new, effective_date=datetime.date(2025, 7, 1))
    old.refresh_from_db()
    clerk = province.clerk(province.snv)
    doc = issued(province.snv, clerk)
    [d] = document_send(document=doc, acting_user=clerk, units=[old], on=TODAY)
    assert d.recipient_id == new.pk and d.addressed_to_id == old.pk
    assert "no longer exists" in d.events.get().note or "không còn" in d.events.get().note


def test_dissolved_without_successor_refuses_the_whole_send(province, issued):
    gone = UnitFactory(parent=province.ubnd, name="Ủy ban nhân dân xã Đã Giải Thể")
    unit_dissolve(unit=gone, effective_date=datetime.date(2025, 7, 1))
    gone.refresh_from_db()
    clerk = province.clerk(province.snv)
    doc = issued(province.snv, clerk)
    with pytest.raises(InvalidInput) as exc:
        document_send(document=doc, acting_user=clerk, units=[province.stc, gone], on=TODAY)
    assert "Đã Giải Thể" in exc.value.message
    assert Dispatch.objects.count() == 0  # nothing half-written


def test_groups_and_resend_adds_only_new_recipients(province, issued):
    clerk = province.clerk(province.snv)
    doc = issued(province.snv, clerk)
    first = document_send(document=doc, acting_user=clerk, groups=["departments"], on=TODAY)
    assert {d.recipient_id for d in first} == {province.stc.pk}  # not itself
    second = document_send(document=doc, acting_user=clerk, groups=[f"communes_of:{province.district.pk}",
                                                                      "departments"], on=TODAY)
    assert {d.recipient_id for d in second} == {c.pk for c in province.communes}
    with pytest.raises(InvalidInput):
        document_send(document=doc, acting_user=clerk, groups=["departments"], on=TODAY)


def test_saved_list_of_own_unit_only(province):
    mine = UnitGroup.objects.create(owner=province.snv, name="Khối xã")
    mine.members.set(province.communes[:2])
    theirs = UnitGroup.objects.create(owner=province.stc, name="Của STC")
    assert set(recipients_expand(groups=[f"saved:{mine.pk}"], owner_unit=province.snv)) == set(province.communes[:2])
    with pytest.raises(InvalidInput):
        recipients_expand(groups=[f"saved:{theirs.pk}"], owner_unit=province.snv)
    with pytest.raises(InvalidInput):
        recipients_expand(groups=["everyone-please"], owner_unit=province.snv)


def test_remote_unit_is_queued_without_transport(province, issued, django_capture_on_commit_callbacks):
    clerk = province.clerk(province.snv)
    doc = issued(province.snv, clerk)
    with mock.patch.object(deliver_local_batch_task, "delay") as delay, \
            django_capture_on_commit_callbacks(execute=True):
        [d] = document_send(document=doc, acting_user=clerk, units=[province.remote], on=TODAY)
    delay.assert_not_called()
    assert d.is_remote and d.state == DeliveryState.PENDING and d.state_reason == "no transport yet"


def test_broker_down_does_not_fail_the_send(province, issued, django_capture_on_commit_callbacks):
    clerk = province.clerk(province.snv)
    doc = issued(province.snv, clerk)
    with mock.patch.object(deliver_local_batch_task, "delay", side_effect=ConnectionError("broker down")), \
            django_capture_on_commit_callbacks(execute=True):
        dispatches = document_send(document=doc, acting_user=clerk, units=[province.stc], on=TODAY)
    d = Dispatch.objects.get(pk=dispatches[0].pk)
    assert d.state == DeliveryState.PENDING  # the sweeper will pick it up
    # h16: marked as never published, so the first sweep takes it even while other messages wait
    # in the delivery queue (before, it waited for DELIVERY_LOST_AFTER and an empty queue).
    assert d.enqueued_at is None
    from documents.services.dispatches import dispatches_requeue_stuck

    assert dispatches_requeue_stuck(now=timezone.now(), live_workers=set(), queue_empty=False) == [d.pk]
