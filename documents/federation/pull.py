"""
Pull mode, as the national axis works (getReceivedEdocList / getEdoc / updateStatus): a
system that polls lists its pending packages, fetches each, then acknowledges it ``done``
(received and stored: the transport acknowledgement, separate from business statuses) or
``fail`` with a reason. A fetched but unacknowledged package stays listed.
"""
from __future__ import annotations

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from documents import messages as M
from documents.edxml import build_document_package, build_status_package
from documents.models import Dispatch, DispatchEvent
from documents.services.dispatches import dispatch_delivered, dispatch_record_failure, dispatch_sending
from egov.core.audit import audit_record
from egov.core.db import service, service_atomic

from .choices import AuditVerb, PackageKind, PullState
from .mapping import document_to_package, status_to_package
from .models import PullItem

__all__ = ["pull_list", "pull_fetch", "pull_ack", "PullError"]


class PullError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def pull_list(*, peer, limit: int = 100) -> list[dict]:
    items = PullItem.objects.filter(peer=peer, state__in=[PullState.PENDING, PullState.FETCHED]).order_by("pk")
    return [{"consignment_id": str(i.consignment_id), "kind": i.kind, "document_id": i.document_id,
             "state": i.state, "created_at": i.created_at.isoformat()} for i in items[:limit]]


def _item(peer, consignment_id) -> PullItem:
    item = PullItem.objects.filter(peer=peer, consignment_id=consignment_id).first()
    if item is None:
        raise PullError("not_found", _("No package %(id)s waits for this peer.") % {"id": consignment_id}, 404)
    return item


def pull_fetch(*, peer, consignment_id) -> bytes:
    """The package bytes (signed when the portal has a key); marks the item fetched and the dispatch sending."""
    from .signing import portal_signer

    item = _item(peer, consignment_id)
    if item.kind == PackageKind.DOCUMENT:
        d = Dispatch.objects.select_related("document", "recipient").get(pk=item.dispatch_id)
        with document_to_package(d.document, recipients=[d.recipient]) as pkg:
            data = build_document_package(pkg, signer=portal_signer())
    else:
        event = DispatchEvent.objects.select_related("dispatch__document").get(pk=item.event_id)
        data = build_status_package(status_to_package(event), signer=portal_signer())
    with service_atomic():
        PullItem.objects.filter(pk=item.pk).update(fetch_count=F("fetch_count") + 1)
        if item.state == PullState.PENDING:
            PullItem.objects.filter(pk=item.pk).update(state=PullState.FETCHED)
            if item.dispatch_id:
                dispatch_sending(dispatch_id=item.dispatch_id, actor_name=peer.code,
                                 note=M.NOTE_PULLED_BY(peer=peer.code))
    return data


@service
def pull_ack(*, peer, consignment_id, result: str, message: str = "") -> PullItem:
    """``done``: delivered; ``fail``: the dispatch fails with the peer's reason. Repeating the same ack is harmless."""
    if result not in ("done", "fail"):
        raise PullError("validation", _("The acknowledgement must be done or fail."))
    item = PullItem.objects.select_for_update(no_key=True).filter(peer=peer, consignment_id=consignment_id).first()
    if item is None:
        raise PullError("not_found", _("No package %(id)s waits for this peer.") % {"id": consignment_id}, 404)
    wanted = PullState.DONE if result == "done" else PullState.FAILED
    if item.state in (PullState.DONE, PullState.FAILED):
        if item.state != wanted:
            raise PullError("conflict", _("This package was already acknowledged as %(state)s.")
                            % {"state": item.state}, 409)
        return item
    now = timezone.now()
    item.state, item.acked_at, item.ack_note = wanted, now, message[:1000]
    item.save(update_fields=["state", "acked_at", "ack_note"])
    if item.dispatch_id:
        if wanted == PullState.DONE:
            dispatch_delivered(dispatch_id=item.dispatch_id, actor_name=peer.code, note=message)
        else:
            dispatch_record_failure(dispatch_id=item.dispatch_id, error=message or _("Refused by %(peer)s")
                                    % {"peer": peer.code}, permanent=True, actor_name=peer.code)
    audit_record(actor=None, unit=None, verb=AuditVerb.PULL_DONE if wanted == PullState.DONE else AuditVerb.PULL_FAILED,
                 obj=item, details={"peer": peer.code, "message": message[:500]})
    return item
