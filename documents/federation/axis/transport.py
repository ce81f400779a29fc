"""
Sending to the axis: ``AxisTransport`` carries dispatches to remote units hosted behind an axis /
LGSP peer (``Peer.protocol = axis``, ``Unit.peer_ref = Peer.code``) and their business statuses,
with ``sendEdoc``. One stream per peer under a lease on the Peer row (as the federation stream):
oldest item first; a dispatch is delivered only when the hub answers ``ErrorCode "0"`` (the hub
stored it; its DocId is kept in ``AxisSent`` for reconciliation); transient answers back off
(DELIVERY_BACKOFF_*, DELIVERY_MAX_ATTEMPTS); a permanent fault fails the dispatch at once with
the hub's ErrorDesc. Packages the hub (hub mode) relays onwards to the national axis
(``HubItem.recipient`` = an axis peer) travel through the same stream.
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from documents import messages as M
from documents.choices import DeliveryState, EventKind, StatusCode
from documents.edxml import build_document_package, build_status_package
from documents.models import Dispatch, DispatchEvent
from documents.services.dispatches import (
    UNFINISHED,
    backoff_seconds,
    dispatch_delivered,
    dispatch_record_failure,
    dispatch_sending,
)
from documents.transports import Transport
from egov.core.db import service_atomic

from ..choices import HubItemState, OutboxState, PeerProtocol
from ..mapping import document_to_package, status_to_package
from ..models import AxisSent, HubItem, Peer, StatusOutbox
from .client import AxisFault, AxisTransient, client_for

__all__ = ["AxisTransport", "axis_peer_for_code", "axis_stream_drain", "axis_sweep", "axis_stream_enqueue"]

log = logging.getLogger(__name__)


def axis_peer_for_code(code: str) -> Peer | None:
    if not code:
        return None
    return Peer.objects.filter(code=code, enabled=True, protocol=PeerProtocol.AXIS).first()


def axis_stream_enqueue(peer_id: int, *, countdown: float | None = None) -> None:
    from django.db import transaction

    from ..tasks import axis_stream_task

    transaction.on_commit(lambda: axis_stream_task.apply_async((peer_id,), countdown=countdown), robust=True)


class AxisTransport(Transport):
    """Remote units hosted behind an enabled axis / LGSP peer."""

    name = "axis"

    def handles(self, unit) -> bool:
        return not unit.is_local and axis_peer_for_code(unit.peer_ref) is not None

    def enqueue(self, dispatch_ids: list[int]) -> None:
        peers = set(Dispatch.objects.filter(pk__in=dispatch_ids, is_remote=True)
                    .values_list("recipient__peer_ref", flat=True))
        for peer in Peer.objects.filter(code__in=peers, enabled=True, protocol=PeerProtocol.AXIS):
            axis_stream_enqueue(peer.pk)

    def forward_status(self, *, event, unit) -> None:
        if event.kind != EventKind.BUSINESS:
            return
        peer = axis_peer_for_code(unit.peer_ref)
        if peer is None:
            return
        StatusOutbox.objects.get_or_create(event=event, defaults={"peer": peer})
        axis_stream_enqueue(peer.pk)

    def sweep(self, *, now) -> int:
        return axis_sweep()


# --- the stream --------------------------------------------------------------------------------

def _claim(peer_id: int, owner: str) -> bool:
    now = timezone.now()
    return bool(Peer.objects.filter(pk=peer_id, enabled=True, protocol=PeerProtocol.AXIS)
                .filter(Q(stream_lease_until__isnull=True) | Q(stream_lease_until__lt=now) | Q(stream_owner=owner))
                .update(stream_lease_until=now + timedelta(seconds=settings.FEDERATION_STREAM_LEASE),
                        stream_owner=owner))


def _release(peer_id: int, owner: str) -> None:
    Peer.objects.filter(pk=peer_id, stream_owner=owner).update(stream_lease_until=None, stream_owner="")


def _due(peer: Peer, now):
    dispatch = (Dispatch.objects.filter(is_remote=True, recipient__peer_ref=peer.code, state__in=UNFINISHED)
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                .select_related("document", "recipient", "sender").order_by("pk").first())
    status = (StatusOutbox.objects.filter(peer=peer, state__in=[OutboxState.PENDING, OutboxState.RETRYING])
              .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).order_by("pk").first())
    relay = (HubItem.objects.filter(recipient=peer, state=HubItemState.PENDING)
             .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).order_by("pk").first())
    found = [x for x in (dispatch, status, relay) if x is not None]
    return min(found, key=lambda x: x.created_at) if found else None


def _next_wakeup(peer: Peer) -> float | None:
    due = [c for c in (
        Dispatch.objects.filter(is_remote=True, recipient__peer_ref=peer.code, state=DeliveryState.RETRYING)
        .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first(),
        StatusOutbox.objects.filter(peer=peer, state=OutboxState.RETRYING).order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True).first(),
        HubItem.objects.filter(recipient=peer, state=HubItemState.PENDING, next_attempt_at__isnull=False)
        .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()) if c is not None]
    return max(0.0, (min(due) - timezone.now()).total_seconds()) if due else None


def _send_dispatch(peer: Peer, d: Dispatch) -> str:
    from ..signing import portal_signer

    dispatch_sending(dispatch_id=d.pk, actor_name=peer.code,
                     note=M.NOTE_ATTEMPT(n=d.attempts + 1, peer=peer.code))
    try:
        with document_to_package(d.document, recipients=[d.recipient]) as pkg:
            body = build_document_package(pkg, signer=portal_signer())
        doc_id = client_for(peer).send_edoc(body, message_type="edoc", from_code=d.sender.code)
    except AxisTransient as exc:
        return dispatch_record_failure(dispatch_id=d.pk, error=exc.message, actor_name=peer.code)
    except AxisFault as exc:
        dispatch_record_failure(dispatch_id=d.pk, error=exc.message, permanent=True, actor_name=peer.code,
                                notify_text=M.PEER_REFUSED(peer=peer.name, message=exc.message))
        return DeliveryState.FAILED
    except Exception as exc:  # noqa: BLE001 - a package we cannot build is a failed attempt, not a dead stream
        log.exception("dispatch %s: building or sending the package failed", d.pk)
        return dispatch_record_failure(dispatch_id=d.pk, error=f"{type(exc).__name__}: {exc}", actor_name=peer.code)
    with service_atomic():
        AxisSent.objects.get_or_create(peer=peer, doc_id=doc_id, defaults={"dispatch": d, "message_type": "edoc"})
        dispatch_delivered(dispatch_id=d.pk, actor_name=peer.code,
                           note=M.NOTE_STORED_AS(peer=peer.code, id=doc_id))
    return DeliveryState.DELIVERED


def _status_from_code(event: DispatchEvent) -> str:
    d = event.dispatch
    return (d.sender if event.code == StatusCode.TAKE_BACK_REQUESTED else d.recipient).code


def _send_status(peer: Peer, item: StatusOutbox) -> str:
    from ..signing import portal_signer

    event = DispatchEvent.objects.select_related("dispatch__document__owner_unit", "dispatch__sender",
                                                 "dispatch__recipient").get(pk=item.event_id)
    try:
        body = build_status_package(status_to_package(event), signer=portal_signer())
        doc_id = client_for(peer).send_edoc(body, message_type="status", from_code=_status_from_code(event))
    except (AxisTransient, AxisFault) as exc:
        permanent = isinstance(exc, AxisFault)
        with service_atomic():
            o = StatusOutbox.objects.select_for_update(no_key=True).get(pk=item.pk)
            o.attempts += 1
            o.last_error = exc.message[:4000]
            if permanent or o.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
                o.state, o.next_attempt_at = OutboxState.FAILED, None
            else:
                o.state = OutboxState.RETRYING
                o.next_attempt_at = timezone.now() + timedelta(seconds=backoff_seconds(o.attempts))
            o.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])
        return o.state
    with service_atomic():
        AxisSent.objects.get_or_create(peer=peer, doc_id=doc_id, defaults={"outbox": item, "message_type": "status"})
        StatusOutbox.objects.filter(pk=item.pk).update(state=OutboxState.SENT, sent_at=timezone.now(),
                                                       attempts=F("attempts") + 1, last_error=f"DocId {doc_id}")
    return OutboxState.SENT


def _send_relay(peer: Peer, item: HubItem) -> str:
    """A package the hub relays onwards to the national axis (hub mode)."""
    from django.core.files.storage import default_storage

    try:
        with default_storage.open(item.blob, "rb") as f:
            body = f.read()
        doc_id = client_for(peer).send_edoc(body, message_type=item.message_type, from_code=item.from_code)
    except AxisTransient as exc:
        # Backed off as a dispatch is (DELIVERY_BACKOFF_*), and given up after DELIVERY_MAX_ATTEMPTS: the
        # sending system then sees "fail" with the last reason in its getSentEdocList.
        attempts = item.fetch_count + 1
        if attempts >= settings.DELIVERY_MAX_ATTEMPTS:
            HubItem.objects.filter(pk=item.pk).update(state=HubItemState.FAIL, fetch_count=attempts,
                                                      next_attempt_at=None, status_desc=exc.message[:1000])
            return "failed"
        HubItem.objects.filter(pk=item.pk).update(
            status_desc=exc.message[:1000], fetch_count=attempts,
            next_attempt_at=timezone.now() + timedelta(seconds=backoff_seconds(attempts)))
        return "retrying"
    except AxisFault as exc:
        HubItem.objects.filter(pk=item.pk).update(state=HubItemState.FAIL, status_desc=exc.message[:1000],
                                                  next_attempt_at=None)
        return "failed"
    with service_atomic():
        AxisSent.objects.get_or_create(peer=peer, doc_id=doc_id, defaults={"hub_item": item,
                                                                           "message_type": item.message_type})
        HubItem.objects.filter(pk=item.pk).update(state=HubItemState.DONE, **HubItem.status_fields(
            M.HUB_RELAYED(peer=peer.code, id=doc_id)))
    return "relayed"


def axis_stream_drain(*, peer_id: int, max_items: int = 500) -> dict:
    """Send the peer's due items in order, one at a time (a second run for the same peer returns at once)."""
    owner = uuid.uuid4().hex
    counts = {"delivered": 0, "failed": 0, "retrying": 0, "statuses_sent": 0, "relayed": 0, "busy": False}
    if not _claim(peer_id, owner):
        counts["busy"] = True
        return counts
    peer = Peer.objects.get(pk=peer_id)
    try:
        for _i in range(max_items):
            if not _claim(peer_id, owner):
                break
            item = _due(peer, timezone.now())
            if item is None:
                break
            if isinstance(item, Dispatch):
                outcome = _send_dispatch(peer, item)
                key = {"delivered": "delivered", "failed": "failed"}.get(outcome, "retrying")
            elif isinstance(item, StatusOutbox):
                outcome = _send_status(peer, item)
                key = {"sent": "statuses_sent", "failed": "failed"}.get(outcome, "retrying")
            else:
                key = _send_relay(peer, item)
            counts[key] += 1
            if key == "retrying":
                break  # the hub is unwell: stop until the back-off is over
    finally:
        _release(peer_id, owner)
    from ..tasks import axis_stream_task

    wake = _next_wakeup(peer)
    if counts["retrying"] and wake is None:
        wake = float(settings.DELIVERY_BACKOFF_BASE)
    if wake is not None:
        axis_stream_task.apply_async((peer_id,), countdown=wake + 0.05)
    elif _due(peer, timezone.now()) is not None:
        axis_stream_task.apply_async((peer_id,))
    return counts


def axis_sweep() -> int:
    """Start the stream of every axis peer with due work (beat; covers lost broker messages)."""
    from ..tasks import axis_stream_task

    started = 0
    for peer in Peer.objects.filter(enabled=True, protocol=PeerProtocol.AXIS):
        if _due(peer, timezone.now()) is not None:
            axis_stream_task.delay(peer.pk)
            started += 1
    return started
