"""
``HubTransport``: dispatches and business statuses of this portal for agencies hosted by a system
connected to the hub (``Peer.protocol = hub``). Nothing is pushed: each becomes a ``HubItem`` the
system lists and pulls; the package is built when it is fetched (the document is frozen). The
dispatch is delivered when the system acknowledges ``done`` and fails on ``fail``.
"""
from __future__ import annotations

import uuid

from documents.choices import EventKind, StatusCode
from documents.models import Dispatch
from documents.transports import Transport

from ..choices import PeerProtocol
from ..models import HubItem, Peer

__all__ = ["HubTransport"]


def _system(code: str) -> Peer | None:
    if not code:
        return None
    return Peer.objects.filter(code=code, enabled=True, protocol=PeerProtocol.HUB).first()


class HubTransport(Transport):
    name = "hub"

    def handles(self, unit) -> bool:
        return not unit.is_local and _system(unit.peer_ref) is not None

    def enqueue(self, dispatch_ids: list[int]) -> None:
        systems: dict[str, Peer | None] = {}
        for d in Dispatch.objects.filter(pk__in=dispatch_ids, is_remote=True).select_related(
                "recipient", "sender", "document"):
            code = d.recipient.peer_ref
            if code not in systems:
                systems[code] = _system(code)
            system = systems[code]
            if system is None:
                continue
            item = HubItem.objects.filter(dispatch=d).first()
            if item is None:
                HubItem.objects.create(doc_id=uuid.uuid4().hex, recipient=system, dispatch=d, from_code=d.sender.code,
                                       to_code=d.recipient.code, message_type="edoc",
                                       document_id=d.document.document_id[:100])
            elif item.state != "pending":  # a clerk's retry after a refusal: offer it again
                HubItem.objects.filter(pk=item.pk).update(state="pending", status_desc="", fetch_count=0)

    def forward_status(self, *, event, unit) -> None:
        if event.kind != EventKind.BUSINESS:
            return
        system = _system(unit.peer_ref)
        if system is None:
            return
        d = Dispatch.objects.select_related("document", "sender", "recipient").get(pk=event.dispatch_id)
        reporter = d.sender if event.code == StatusCode.TAKE_BACK_REQUESTED else d.recipient
        HubItem.objects.get_or_create(event=event, defaults={
            "doc_id": uuid.uuid4().hex, "recipient": system, "from_code": reporter.code, "to_code": unit.code,
            "message_type": "status", "document_id": d.document.document_id[:100]})
