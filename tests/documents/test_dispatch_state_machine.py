"""
The dispatch state machine (documents.services.dispatches) walked transition by transition:
each one writes its event row and its audit row in the same transaction, and nothing else in
the code base assigns ``Dispatch.state``.
"""
import datetime
import re
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from documents.choices import DeliveryState, EventKind, StatusCode
from documents.models import DispatchEvent
from documents.services import (
    deliver_local_batch,
    dispatch_delivered,
    dispatch_record_failure,
    dispatch_retry,
    dispatch_sending,
    dispatch_sweep,
    document_send,
    incoming_accept,
)
from documents.services.dispatches import REQUEUED
from documents.tasks import deliver_local_batch_task
from documents.transports import transport_for, transports
from egov.core.models import AuditEvent, Notification

TODAY = datetime.date(2026, 3, 6)


def _audits(verb, dispatch):
    return AuditEvent.objects.filter(verb=verb, object_type="documents.dispatch", object_id=str(dispatch.pk))


def _last_event(dispatch):
    return DispatchEvent.objects.filter(dispatch=dispatch).order_by("-pk").first()


@pytest.fixture
def sent(province, issued):
    clerk = province.clerk(province.snv)
    province.clerk(province.stc)
    doc = issued(province.snv, clerk)
    with mock.patch.object(deliver_local_batch_task, "delay"):
        (d,) = document_send(document=doc, acting_user=clerk, units=[province.stc], on=TODAY)
    return d


@pytest.mark.django_db
def test_every_transition_writes_its_event_and_audit_row(province, sent, settings, django_capture_on_commit_callbacks):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    d = sent
    # → pending: the send's event and audit row
    assert d.state == DeliveryState.PENDING and _last_event(d).code == DeliveryState.PENDING
    assert AuditEvent.objects.filter(verb="document.sent", object_id=str(d.document_id),
                                     details__dispatches=1).exists()
    # pending → sending
    assert dispatch_sending(dispatch_id=d.pk, actor_name="t", note="attempt 1")
    d.refresh_from_db()
    assert d.state == DeliveryState.SENDING and _last_event(d).code == DeliveryState.SENDING
    assert _audits("dispatch.sending", d).count() == 1
    # sending → retrying (a failed attempt)
    assert dispatch_record_failure(dispatch_id=d.pk, error="timeout") == DeliveryState.RETRYING
    d.refresh_from_db()
    assert d.state == DeliveryState.RETRYING and d.next_attempt_at and _last_event(d).code == DeliveryState.RETRYING
    assert _audits("dispatch.retrying", d).count() == 1
    # retrying → requeued by the sweeper once due (state unchanged, event + audit)
    later = timezone.now() + datetime.timedelta(hours=2)
    with mock.patch.object(deliver_local_batch_task, "delay") as delay, \
            django_capture_on_commit_callbacks(execute=True):
        assert dispatch_sweep(now=later) == 1
    delay.assert_called_once_with([d.pk])
    d.refresh_from_db()
    assert d.state == DeliveryState.RETRYING and _last_event(d).code == REQUEUED
    assert _audits("dispatch.requeued", d).count() == 1
    # retrying → failed once the attempts run out (and the sender's clerks are told)
    assert dispatch_record_failure(dispatch_id=d.pk, error="still down") == DeliveryState.FAILED
    d.refresh_from_db()
    assert d.state == DeliveryState.FAILED and _last_event(d).code == DeliveryState.FAILED
    assert _audits("dispatch.failed", d).count() == 1
    assert Notification.objects.filter(kind="dispatch.failed", object_id=d.pk).count() == 1
    # failed → pending: a clerk's retry, handed to the recipient's transport again
    with mock.patch.object(deliver_local_batch_task, "delay"):
        dispatch_retry(dispatch=d, acting_user=province.clerk(province.snv))
    d.refresh_from_db()
    assert d.state == DeliveryState.PENDING and d.attempts == 0 and _last_event(d).code == DeliveryState.PENDING
    assert _audits("dispatch.retried", d).count() == 1
    # pending → delivered (+ 01) by the local transport, in one transaction (no visible "sending")
    assert deliver_local_batch(dispatch_ids=[d.pk]) == 1
    d.refresh_from_db()
    assert d.state == DeliveryState.DELIVERED and d.status_code == StatusCode.ARRIVED
    assert list(d.events.order_by("-pk").values_list("code", flat=True)[:3]) == ["01", "delivered", "pending"]
    assert _audits("document.delivered", d).count() == 1
    # a business status back from the recipient: event on the dispatch, the action's audit row
    incoming_accept(incoming=d.incoming, acting_user=province.clerk(province.stc))
    d.refresh_from_db()
    assert d.status_code == StatusCode.ACCEPTED and _last_event(d).kind == EventKind.BUSINESS
    assert AuditEvent.objects.filter(verb="incoming.accepted", object_id=str(d.incoming.pk)).count() == 1
    # a finished dispatch takes no further transport transition
    assert dispatch_delivered(dispatch_id=d.pk) is False
    assert dispatch_record_failure(dispatch_id=d.pk, error="late") == ""


@pytest.mark.django_db
def test_remote_delivery_and_permanent_fault_go_through_the_state_machine(province, issued):
    from documents.federation.models import Peer

    Peer.objects.create(code="peer-h42", name="Cổng tỉnh Bên", base_url="http://127.0.0.1:9",
                        inbound_secret="a", outbound_secret="b")
    clerk = province.clerk(province.snv)
    doc = issued(province.snv, clerk)
    with mock.patch("documents.federation.outbound.stream_enqueue"):
        (d,) = document_send(document=doc, acting_user=clerk, units=[province.remote], on=TODAY)
    assert transport_for(province.remote).name == "federation" and d.is_remote and not d.state_reason
    assert dispatch_sending(dispatch_id=d.pk, actor_name="peer-h42")
    assert dispatch_record_failure(dispatch_id=d.pk, error="HTTP 400 validation: bad", permanent=True,
                                   actor_name="peer-h42") == DeliveryState.FAILED
    d.refresh_from_db()
    assert d.state == DeliveryState.FAILED and d.state_reason.startswith("HTTP 400")
    assert _audits("dispatch.failed", d).get().details["permanent"] is True


def test_transports_are_registered_by_their_apps():
    names = [t.name for t in transports()]
    assert names[:1] == ["local"] and "federation" in names


def test_only_the_state_machine_assigns_dispatch_state():
    """grep: outside documents/services/dispatches.py no runtime module writes Dispatch.state."""
    root = Path(settings.BASE_DIR)
    # Attribute assignment on a dispatch variable (only the documents package handles dispatches)
    # and bulk writes through the Dispatch model anywhere.
    attribute = re.compile(r"\b(d|dispatch|disp)\.state\s*(=(?!=)|,[^\n]*=)")
    bulk = re.compile(r"Dispatch\.objects[^\n]*\.update\([^)]*\bstate=|Dispatch\([^)]*\bstate=", re.S)
    offenders = []
    for app in ("documents", "egov/core", "units", "signatures"):
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "dispatches.py":
                continue
            text = path.read_text(encoding="utf-8")
            if bulk.search(text) or (app == "documents" and attribute.search(text)):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []
