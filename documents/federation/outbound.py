"""
Outgoing federation traffic: dispatches to remote units (document packages) and business
statuses about documents received from peers (status packages). ``FederationTransport`` is
the transport the documents app hands these to (registered in ``FederationConfig.ready``);
every state change of a dispatch goes through the state machine
(``documents.services.dispatches``).

One stream per peer: ``peer_stream_drain`` sends that peer's due items one at a time, oldest
first, under a lease on the Peer row (a conditional UPDATE, so it works the same on
PostgreSQL and SQLite and never holds a transaction open during HTTP). Each dispatch keeps
its ``consignment_id`` across retries; it is delivered only on the peer's positive answer
(``accepted`` or ``duplicate``). Transient failures (network, 5xx, 401) back off with jitter
(delivery.backoff_seconds) up to DELIVERY_MAX_ATTEMPTS; a fault answer fails the dispatch at
once with the peer's message. Peers in pull mode get PullItems instead (see pull.py).
"""
from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid
from datetime import timedelta

from egov.core.http import HttpError, http_request
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from documents import messages as M
from documents.choices import DeliveryState, EventKind
from documents.edxml import build_status_package, write_document_package
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

from .auth import sign_headers
from .choices import OutboxState, PackageKind, PeerMode, PeerProtocol
from .mapping import document_to_package, status_to_package
from .models import Peer, PullItem, StatusOutbox

__all__ = [
    "FederationTransport",
    "peer_for_code",
    "status_forward",
    "remote_dispatches_enqueue",
    "peer_stream_drain",
    "federation_sweep",
    "stream_enqueue",
    "RECEIVE_PATH",
]

log = logging.getLogger(__name__)
RECEIVE_PATH = "/federation/v1/packages/"


def peer_for_code(code: str) -> Peer | None:
    if not code:
        return None
    return Peer.objects.filter(code=code, enabled=True, protocol=PeerProtocol.EGOV).first()


def stream_enqueue(peer_id: int, *, countdown: float | None = None) -> None:
    """Ask for a run of the peer's stream after the current transaction commits (broker down: the sweeper)."""
    from .tasks import peer_stream_task

    def publish():
        peer_stream_task.apply_async((peer_id,), countdown=countdown)

    transaction.on_commit(publish, robust=True)


def remote_dispatches_enqueue(dispatch_ids: list[int]) -> None:
    """
    Hand new remote dispatches to their peers' streams (push) or pull queues (pull). Called
    inside the sending transaction; dispatches whose unit has no enabled peer are left alone.
    """
    by_peer: dict[int, Peer] = {}
    for d in Dispatch.objects.filter(pk__in=dispatch_ids, is_remote=True).select_related("recipient", "document"):
        peer = peer_for_code(d.recipient.peer_ref)
        if peer is None:
            continue
        if peer.mode == PeerMode.PULL:
            PullItem.objects.get_or_create(dispatch=d, defaults={
                "peer": peer, "kind": PackageKind.DOCUMENT, "consignment_id": d.consignment_id,
                "document_id": d.document.document_id})
        else:
            by_peer[peer.pk] = peer
    for peer_id in by_peer:
        stream_enqueue(peer_id)


def status_forward(*, event: DispatchEvent, unit) -> None:
    """
    A business status that concerns ``unit`` (a remote unit hosted by a peer) travels to that
    peer as a status package: pushed through its stream, or queued for it to pull.
    """
    if event.kind != EventKind.BUSINESS:
        return
    d = Dispatch.objects.select_related("document").get(pk=event.dispatch_id)
    if not d.document.document_id:
        return
    peer = peer_for_code(unit.peer_ref)
    if peer is None:
        log.info("status %s of dispatch %s stays here: no enabled peer %r", event.code, d.pk, unit.peer_ref)
        return
    if peer.mode == PeerMode.PULL:
        PullItem.objects.get_or_create(event=event, defaults={
            "peer": peer, "kind": PackageKind.STATUS, "consignment_id": uuid.uuid4(),
            "document_id": d.document.document_id})
        return
    StatusOutbox.objects.get_or_create(event=event, defaults={"peer": peer})
    stream_enqueue(peer.pk)


class FederationTransport(Transport):
    """Remote units hosted by an enabled peer portal (``Unit.peer_ref`` = ``Peer.code``)."""

    name = "federation"

    def handles(self, unit) -> bool:
        return not unit.is_local and peer_for_code(unit.peer_ref) is not None

    def enqueue(self, dispatch_ids: list[int]) -> None:
        remote_dispatches_enqueue(dispatch_ids)

    def forward_status(self, *, event, unit) -> None:
        status_forward(event=event, unit=unit)

    def sweep(self, *, now) -> int:
        return federation_sweep()


# --- the stream --------------------------------------------------------------------------------

def _lease_seconds() -> int:
    return settings.FEDERATION_STREAM_LEASE


def _claim(peer_id: int, owner: str) -> bool:
    now = timezone.now()
    return bool(Peer.objects.filter(pk=peer_id, enabled=True, mode=PeerMode.PUSH, protocol=PeerProtocol.EGOV)
                .filter(Q(stream_lease_until__isnull=True) | Q(stream_lease_until__lt=now) | Q(stream_owner=owner))
                .update(stream_lease_until=now + timedelta(seconds=_lease_seconds()), stream_owner=owner))


def _release(peer_id: int, owner: str) -> None:
    Peer.objects.filter(pk=peer_id, stream_owner=owner).update(stream_lease_until=None, stream_owner="")


def _due_dispatches(peer: Peer, now):
    return (Dispatch.objects.filter(is_remote=True, recipient__peer_ref=peer.code, state__in=UNFINISHED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).order_by("pk"))


def _due_statuses(peer: Peer, now):
    return (StatusOutbox.objects.filter(peer=peer, state__in=[OutboxState.PENDING, OutboxState.RETRYING])
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).order_by("pk"))


def _next_item(peer: Peer):
    now = timezone.now()
    d = _due_dispatches(peer, now).first()
    s = _due_statuses(peer, now).select_related("event").first()
    if d is None:
        return s
    if s is None:
        return d
    return d if d.created_at <= s.created_at else s


def _next_wakeup(peer: Peer) -> float | None:
    """Seconds until the earliest retrying item of the peer is due, or None."""
    candidates = [
        Dispatch.objects.filter(is_remote=True, recipient__peer_ref=peer.code, state=DeliveryState.RETRYING)
        .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first(),
        StatusOutbox.objects.filter(peer=peer, state=OutboxState.RETRYING).order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True).first(),
    ]
    due = [c for c in candidates if c is not None]
    if not due:
        return None
    return max(0.0, (min(due) - timezone.now()).total_seconds())


class _Transient(Exception):
    pass


class _Fault(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _post(peer: Peer, body, *, size: int, sha256: str, consignment: str) -> dict:
    """POST a package; returns the answer for accepted/duplicate, raises _Fault or _Transient."""
    headers = sign_headers(secret=peer.outbound_secret, method="POST", path=RECEIVE_PATH,
                           peer_code=peer.remote_code or settings.FEDERATION_PEER_CODE,
                           body_sha256=sha256, consignment=consignment)
    headers["Content-Type"] = "application/xml"
    headers["Content-Length"] = str(size)
    url = peer.base_url.rstrip("/") + RECEIVE_PATH
    try:
        response = http_request("POST", url, data=body, headers=headers,
                                timeout=(settings.FEDERATION_CONNECT_TIMEOUT, settings.FEDERATION_READ_TIMEOUT))
    except HttpError as exc:
        raise _Transient(f"{type(exc).__name__}: {exc}") from exc
    try:
        answer = response.json()
    except ValueError:
        raise _Transient(f"HTTP {response.status_code} without a JSON answer") from None
    result = answer.get("result")
    if response.status_code < 300 and result in ("accepted", "duplicate"):
        return answer
    message = f"HTTP {response.status_code} {answer.get('code', '')}: {answer.get('message', '')}"
    if response.status_code >= 500 or response.status_code in (401, 408, 429) or result != "fault":
        raise _Transient(message)
    raise _Fault(answer.get("code") or "fault", message)


def _send_dispatch(peer: Peer, d: Dispatch) -> str:
    from .signing import portal_signer

    dispatch_sending(dispatch_id=d.pk, actor_name=peer.code,
                     note=M.NOTE_ATTEMPT(n=d.attempts + 1, peer=peer.code))
    try:
        with tempfile.SpooledTemporaryFile(max_size=8 * 2**20) as body:
            with document_to_package(d.document, recipients=[d.recipient]) as pkg:
                write_document_package(pkg, body, signer=portal_signer())
            size = body.tell()
            body.seek(0)
            digest = hashlib.sha256()
            for chunk in iter(lambda: body.read(2**20), b""):
                digest.update(chunk)
            body.seek(0)
            answer = _post(peer, body, size=size, sha256=digest.hexdigest(), consignment=str(d.consignment_id))
    except _Transient as exc:
        return dispatch_record_failure(dispatch_id=d.pk, error=str(exc), actor_name=peer.code)
    except _Fault as exc:
        dispatch_record_failure(dispatch_id=d.pk, error=exc.message, permanent=True, actor_name=peer.code,
                                notify_text=M.PEER_REFUSED(peer=peer.name, message=exc.message))
        return DeliveryState.FAILED
    except Exception as exc:  # noqa: BLE001 - a package we cannot build is a failed attempt, not a dead stream
        log.exception("dispatch %s: building or sending the package failed", d.pk)
        return dispatch_record_failure(dispatch_id=d.pk, error=f"{type(exc).__name__}: {exc}", actor_name=peer.code)
    dispatch_delivered(dispatch_id=d.pk, actor_name=peer.code,
                       note=f"{answer.get('result')}: {answer.get('message', '')}")
    return DeliveryState.DELIVERED


def _send_status(peer: Peer, item: StatusOutbox) -> str:
    from .signing import portal_signer

    event = DispatchEvent.objects.select_related("dispatch__document__owner_unit", "dispatch__sender",
                                                 "dispatch__recipient").get(pk=item.event_id)
    try:
        body = build_status_package(status_to_package(event), signer=portal_signer())
        answer = _post(peer, body, size=len(body), sha256=hashlib.sha256(body).hexdigest(),
                       consignment=str(item.consignment_id))
    except (_Transient, _Fault) as exc:
        permanent = isinstance(exc, _Fault)
        with service_atomic():
            o = StatusOutbox.objects.select_for_update(no_key=True).get(pk=item.pk)
            o.attempts += 1
            o.last_error = str(exc)[:4000]
            if permanent or o.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
                o.state, o.next_attempt_at = OutboxState.FAILED, None
            else:
                o.state = OutboxState.RETRYING
                o.next_attempt_at = timezone.now() + timedelta(seconds=backoff_seconds(o.attempts))
            o.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])
        return o.state
    StatusOutbox.objects.filter(pk=item.pk).update(state=OutboxState.SENT, sent_at=timezone.now(),
                                                   attempts=F("attempts") + 1, last_error=answer.get("result", ""))
    return OutboxState.SENT


def peer_stream_drain(*, peer_id: int, max_items: int = 500) -> dict:
    """
    Send the peer's due items in order, one at a time. Returns counts. If another run holds
    the peer's lease it returns at once ({"busy": true}); that run picks up new items itself.
    """
    owner = uuid.uuid4().hex
    counts = {"delivered": 0, "failed": 0, "retrying": 0, "statuses_sent": 0, "busy": False}
    if not _claim(peer_id, owner):
        counts["busy"] = True
        return counts
    peer = Peer.objects.get(pk=peer_id)
    try:
        for _i in range(max_items):
            if not _claim(peer_id, owner):  # renew the lease; lost only if we overran it badly
                break
            item = _next_item(peer)
            if item is None:
                break
            if isinstance(item, Dispatch):
                outcome = _send_dispatch(peer, item)
                key = {"delivered": "delivered", "failed": "failed"}.get(outcome, "retrying")
            else:
                outcome = _send_status(peer, item)
                key = {"sent": "statuses_sent", "failed": "failed"}.get(outcome, "retrying")
            counts[key] += 1
            if key == "retrying":
                break  # the peer is unwell: stop the stream until the backoff is over
    finally:
        _release(peer_id, owner)
    wake = _next_wakeup(peer)
    if wake is not None:
        from .tasks import peer_stream_task

        peer_stream_task.apply_async((peer_id,), countdown=wake + 0.05)
    elif _next_item(peer) is not None:
        from .tasks import peer_stream_task

        peer_stream_task.apply_async((peer_id,))
    return counts


def federation_sweep() -> int:
    """Start the stream of every push peer that has due work (beat; covers lost broker messages)."""
    from .tasks import peer_stream_task

    started = 0
    for peer in Peer.objects.filter(enabled=True, mode=PeerMode.PUSH, protocol=PeerProtocol.EGOV):
        if _next_item(peer) is not None:
            peer_stream_task.delay(peer.pk)
            started += 1
    return started

