"""
Receiving from the axis: one poll of an axis peer lists the pending items (``getReceivedEdocList``,
documents then statuses), fetches each (``getEdoc``), imports it with ``package_import`` and
records an ``AxisReceived`` row *in the same transaction*; only after that commit is the item
acknowledged (``updateStatus done``, or ``fail`` with the import's precise reason). A crash
between the commit and the acknowledgement leaves the item listed: the next poll finds its
``AxisReceived`` row and acknowledges it without importing again (and the import itself dedupes
on the DocumentId). Bounded batch (AXIS_POLL_BATCH), interval per peer (``Peer.poll_interval`` or
AXIS_POLL_INTERVAL), exponential back-off while the hub is down (capped at AXIS_POLL_BACKOFF_MAX);
the last successful poll is on ``/healthz`` and in the admin.

``axis_reconcile``: ``getSentEdocList`` for the agencies that sent through the peer; an item the hub
reports ``fail`` fails its dispatch (the hub's reason shown to the clerk), ``done`` is recorded.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from documents import messages as M
from documents.services.dispatches import dispatch_record_failure
from egov.core.db import service_atomic

from ..choices import InboundResult, PeerProtocol
from ..hub.services import hub_route_from_axis
from ..inbound import package_import
from ..models import AxisReceived, AxisSent, InboundPackage, Peer
from .client import AxisError, AxisFault, AxisTransient, client_for

__all__ = ["axis_poll", "axis_poll_due", "axis_reconcile", "poll_interval"]

log = logging.getLogger(__name__)
MESSAGE_TYPES = ("edoc", "status")


def poll_interval(peer: Peer) -> int:
    return peer.poll_interval or settings.AXIS_POLL_INTERVAL


def _ack(client, row: AxisReceived) -> None:
    status = "done" if row.result in (InboundResult.ACCEPTED, InboundResult.DUPLICATE) else "fail"
    client.update_status(row.doc_id, status, desc="" if status == "done" else f"{row.code}: {row.message}")
    AxisReceived.objects.filter(pk=row.pk).update(acked_at=timezone.now(), ack_status=status)


def _import_one(peer: Peer, client, item: dict, message_type: str, counts: dict) -> None:
    doc_id = str(item.get("docId") or item.get("DocId") or item.get("id") or "")
    if not doc_id:
        return
    row = AxisReceived.objects.filter(peer=peer, doc_id=doc_id).first()
    if row is None:
        data = client.get_edoc(doc_id)
        try:
            with service_atomic():
                # Hub mode: what is addressed to agencies of connected systems is queued for them.
                routed = hub_route_from_axis(axis_peer=peer, data=data, doc_id=doc_id)
                if routed is not None and not routed["local"]:
                    row = AxisReceived.objects.create(peer=peer, doc_id=doc_id, message_type=message_type,
                                                      result=InboundResult.ACCEPTED, code="relayed",
                                                      message=", ".join(routed["queued"])[:1000])
                else:
                    report = package_import(source=data, peer=peer, consignment_id=f"axis:{doc_id}"[:64])
                    inbound = InboundPackage.objects.filter(peer=peer, consignment_id=f"axis:{doc_id}"[:64]).order_by(
                        "-pk").first()
                    result, code = report.result, report.code
                    if routed is not None and result == InboundResult.FAULT:
                        result, code = InboundResult.ACCEPTED, "relayed"  # the systems' part is queued
                    row = AxisReceived.objects.create(peer=peer, doc_id=doc_id, message_type=message_type,
                                                      result=result, code=code[:40],
                                                      message=report.message[:1000], inbound=inbound)
        except IntegrityError:  # a concurrent poll recorded it first
            row = AxisReceived.objects.get(peer=peer, doc_id=doc_id)
        counts[row.result] = counts.get(row.result, 0) + 1
    else:
        counts["already_imported"] = counts.get("already_imported", 0) + 1
    _ack(client, row)
    counts["acknowledged"] += 1


def axis_poll(*, peer_id: int) -> dict:
    """One poll of one axis peer (both message types, at most AXIS_POLL_BATCH items each)."""
    peer = Peer.objects.get(pk=peer_id)
    client = client_for(peer)
    counts = {"listed": 0, "acknowledged": 0, "ok": False}
    started = time.monotonic()
    now = timezone.now()
    try:
        # Imported here but the acknowledgement's answer was lost (hub down mid-call): acknowledge again
        # (the hub answers a repeated acknowledgement as success; the item is not imported again).
        for row in AxisReceived.objects.filter(peer=peer, acked_at__isnull=True).order_by("pk")[
                :settings.AXIS_POLL_BATCH]:
            try:
                _ack(client, row)
                counts["acknowledged"] += 1
            except AxisFault as exc:
                AxisReceived.objects.filter(pk=row.pk).update(acked_at=timezone.now(), ack_status="gone",
                                                              message=f"{row.message} / {exc.message}"[:1000])
        for message_type in MESSAGE_TYPES:
            items = client.received_list(message_type=message_type)
            counts["listed"] += len(items)
            for item in items[:settings.AXIS_POLL_BATCH]:
                try:
                    _import_one(peer, client, item, message_type, counts)
                except AxisFault as exc:  # one bad item (e.g. gone at the hub) must not stop the poll
                    log.warning("axis %s: item %s: %s", peer.code, item.get("docId"), exc.message)
                    counts["item_errors"] = counts.get("item_errors", 0) + 1
    except AxisError as exc:
        failures = peer.poll_failures + 1
        wait = min(settings.AXIS_POLL_BACKOFF_MAX, poll_interval(peer) * 2 ** min(failures, 10))
        Peer.objects.filter(pk=peer.pk).update(poll_last_at=now, poll_failures=failures, poll_error=exc.message[:2000],
                                               poll_next_at=now + timedelta(seconds=wait))
        counts.update(error=exc.message, transient=isinstance(exc, AxisTransient), next_in=wait)
        return counts
    Peer.objects.filter(pk=peer.pk).update(poll_last_at=now, poll_last_ok_at=timezone.now(), poll_failures=0,
                                           poll_error="", poll_next_at=now + timedelta(seconds=poll_interval(peer)))
    counts["ok"] = True
    counts["ms"] = round((time.monotonic() - started) * 1000, 1)
    if peer.reconciled_at is None or (now - peer.reconciled_at).total_seconds() >= settings.AXIS_RECONCILE_EVERY:
        try:
            counts["reconciled"] = axis_reconcile(peer_id=peer.pk)
        except AxisError as exc:
            log.warning("axis %s: reconciliation failed: %s", peer.code, exc.message)
    return counts


def axis_poll_due(*, now=None) -> int:
    """Beat: start a poll of every enabled axis peer whose next poll is due. Returns how many."""
    from ..tasks import axis_poll_task

    now = now or timezone.now()
    started = 0
    for peer in Peer.objects.filter(enabled=True, protocol=PeerProtocol.AXIS).exclude(base_url=""):
        if peer.poll_next_at is None or peer.poll_next_at <= now:
            # Claim the slot so two beats do not start two polls; the poll sets the real next time.
            claimed = Peer.objects.filter(pk=peer.pk, poll_next_at=peer.poll_next_at).update(
                poll_next_at=now + timedelta(seconds=poll_interval(peer)))
            if claimed:
                axis_poll_task.delay(peer.pk)
                started += 1
    return started


def _changed_statuses(peer: Peer, client, senders, counts: dict, **kind):
    """(sent row, status, description) of each item of the senders' getSentEdocList whose hub status
    changed; ``kind`` picks our dispatches or relayed hub items. Counts them in ``counts["checked"]``."""
    for code in senders:
        for item in client.sent_list(message_type="edoc", from_code=code):
            doc_id = str(item.get("docId") or item.get("DocId") or "")
            status = str(item.get("status") or "").lower()
            sent = AxisSent.objects.filter(peer=peer, doc_id=doc_id, **kind).first()
            if sent is None or status == sent.hub_status:
                continue
            counts["checked"] += 1
            yield sent, status, str(item.get("status_desc") or item.get("statusDesc") or "")[:1000]


def axis_reconcile(*, peer_id: int) -> dict:
    """getSentEdocList for every agency that sent through this peer; reflect fail/done on what we sent."""
    peer = Peer.objects.get(pk=peer_id)
    client = client_for(peer)
    counts = {"checked": 0, "failed": 0, "done": 0}
    senders = set(AxisSent.objects.filter(peer=peer, dispatch__isnull=False, reconciled_at__isnull=True)
                  .values_list("dispatch__sender__code", flat=True))
    for sent, status, desc in _changed_statuses(peer, client, senders, counts, dispatch__isnull=False):
        with service_atomic():
            finished = status in ("done", "fail")
            AxisSent.objects.filter(pk=sent.pk).update(hub_status=status, hub_status_desc=desc,
                                                       reconciled_at=timezone.now() if finished else None)
            if status == "fail":
                counts["failed"] += 1
                message = M.RECIPIENT_REFUSED(peer=peer.code, desc=desc or status)
                dispatch_record_failure(dispatch_id=sent.dispatch_id, error=message, permanent=True,
                                        actor_name=peer.code, reopen_delivered=True,
                                        notify_text=message)
            elif status == "done":
                counts["done"] += 1
    _reconcile_relays(peer, client, counts)
    Peer.objects.filter(pk=peer.pk).update(reconciled_at=timezone.now())
    return counts


def _reconcile_relays(peer: Peer, client, counts: dict) -> None:
    """
    Hub mode: packages relayed for connected systems. The axis reporting one ``fail`` (the recipient's
    system refused it) fails the hub item, so the sending system sees it in its getSentEdocList.
    """
    from ..choices import HubItemState
    from ..models import HubItem

    senders = set(AxisSent.objects.filter(peer=peer, hub_item__isnull=False, reconciled_at__isnull=True,
                                          message_type="edoc").values_list("hub_item__from_code", flat=True))
    for sent, status, desc in _changed_statuses(peer, client, senders, counts, hub_item__isnull=False):
        with service_atomic():
            AxisSent.objects.filter(pk=sent.pk).update(
                hub_status=status, hub_status_desc=desc,
                reconciled_at=timezone.now() if status in ("done", "fail") else None)
            if status == "fail":
                counts["failed"] += 1
                HubItem.objects.filter(pk=sent.hub_item_id).update(
                    state=HubItemState.FAIL,
                    **HubItem.status_fields(M.RECIPIENT_REFUSED(peer=peer.code, desc=desc or status)))
            elif status == "done":
                counts["done"] += 1

