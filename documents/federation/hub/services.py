"""
Services of the hub: connected systems (create / rotate / revoke), the store-and-forward queue
(``HubItem``) and the routing of a package a system sends.

Routing of ``sendEdoc`` by addressee (the To OrganIds of a document, the ResponseFor OrganId of a
status, the earlier addressees for a take-back request 13):
- a local unit of this portal → imported at once (``package_import``, as from that system);
- an agency hosted by a connected system → kept until that system pulls it;
- a remote unit of the national axis peer (or any other code when HUB_AXIS_PEER is set) →
  relayed onwards by that peer's axis stream.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from documents import messages as M
from documents.choices import StatusCode
from documents.edxml import DocumentPackage, EdxmlError, build_document_package, build_status_package, parse_package
from documents.models import Dispatch, DispatchEvent
from documents.services.dispatches import dispatch_delivered, dispatch_record_failure, dispatch_sending
from egov.core.audit import audit_record
from egov.core.db import service, service_atomic
from egov.core.errors import InvalidInput, NotFoundError, StateError
from units import messages as UM
from units.choices import UnitKind
from units.models import Unit
from units.services import unit_create
from units.validators import validate_unit_code

from ..choices import AuditVerb, HubItemState, InboundResult, PeerProtocol
from ..inbound import package_import
from ..mapping import document_to_package, status_to_package
from ..models import HubItem, Peer

__all__ = [
    "hub_system_create", "hub_system_rotate", "hub_system_revoke", "hub_system_for", "hub_hosted_codes",
    "hub_agency_register", "hub_count", "hub_send", "hub_route_from_axis", "hub_received", "hub_fetch", "hub_update_status", "hub_sent", "HubRefusal", "item_as_json",
]


class HubRefusal(Exception):
    """A call the hub refuses: ``code`` is the ErrorCode of the answer."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _secret() -> str:
    return secrets.token_urlsafe(32)


def hub_system_for(system_id: str) -> Peer | None:
    return Peer.objects.filter(protocol=PeerProtocol.HUB, system_id=system_id, enabled=True).first()


def hub_hosted_codes(system: Peer) -> set[str]:
    return set(Unit.objects.filter(is_local=False, peer_ref=system.code).values_list("code", flat=True))


@service
def hub_system_create(*, name: str, agencies: list[str], system_id: str = "", actor=None) -> tuple[Peer, str]:
    """
    Connect an agency system: a Peer in hub mode with a new secret (returned once) hosting
    ``agencies``; each agency not in the directory yet becomes a remote unit hosted by it.
    """
    system_id = (system_id or f"sys-{uuid.uuid4().hex[:12]}").strip()
    if not agencies:
        raise InvalidInput(_("Name at least one agency the system hosts."), field="agency")
    if Peer.objects.filter(protocol=PeerProtocol.HUB, system_id=system_id).exists():
        raise StateError(_("A system %(id)s is already connected.") % {"id": system_id})
    code = ("hub-" + slugify(system_id))[:100]
    if Peer.objects.filter(code=code).exists():
        code = f"{code[:90]}-{uuid.uuid4().hex[:6]}"
    secret = _secret()
    system = Peer.objects.create(code=code, name=name, protocol=PeerProtocol.HUB, system_id=system_id,
                                 system_secret=secret, mode="pull")
    for agency in agencies:
        try:
            validate_unit_code(agency)
        except Exception:  # noqa: BLE001 - the validator's message is translated below
            raise InvalidInput(_("%(code)s is not a valid agency code.") % {"code": agency}, field="agency") from None
        unit = Unit.objects.filter(code=agency).first()
        if unit is None:
            unit_create(code=agency, name=f"{name} ({agency})", short_name=agency, kind=UnitKind.OTHER,
                        is_local=False, peer_ref=code, actor=actor, note=UM.HOSTED_BY_HUB(id=system_id))
        elif unit.is_local:
            raise InvalidInput(_("%(code)s is a local unit of this portal.") % {"code": agency}, field="agency")
        elif unit.peer_ref != code:
            from units.services import unit_update

            Unit.objects.filter(pk=unit.pk).update(peer_ref=code)  # hosting moves to the new system
            unit_update(unit=unit, actor=actor, note=UM.NOW_HOSTED_BY_HUB(id=system_id))
    audit_record(actor=actor, unit=None, verb=AuditVerb.HUB_SYSTEM_CREATED, obj=system,
                 details={"system_id": system_id, "agencies": agencies})
    return system, secret


@service
def hub_system_rotate(*, system_id: str, actor=None) -> tuple[Peer, str]:
    system = Peer.objects.select_for_update().filter(protocol=PeerProtocol.HUB, system_id=system_id).first()
    if system is None:
        raise NotFoundError(_("No connected system %(id)s.") % {"id": system_id})
    secret = _secret()
    system.system_secret = secret
    system.enabled = True
    system.save(update_fields=["system_secret", "enabled"])
    audit_record(actor=actor, unit=None, verb=AuditVerb.HUB_SYSTEM_ROTATED, obj=system, details={"system_id": system_id})
    return system, secret


@service
def hub_system_revoke(*, system_id: str, actor=None) -> Peer:
    system = Peer.objects.select_for_update().filter(protocol=PeerProtocol.HUB, system_id=system_id).first()
    if system is None:
        raise NotFoundError(_("No connected system %(id)s.") % {"id": system_id})
    system.enabled = False
    system.system_secret = ""
    system.save(update_fields=["enabled", "system_secret"])
    audit_record(actor=actor, unit=None, verb=AuditVerb.HUB_SYSTEM_REVOKED, obj=system, details={"system_id": system_id})
    return system


@service
def hub_agency_register(*, system: Peer, code: str, name: str, delete: bool = False) -> dict:
    """registerAgency / deleteAgency: an agency the system hosts joins (a remote unit) or leaves (dissolved)."""
    from units.services import unit_dissolve

    try:
        validate_unit_code(code)
    except Exception:  # noqa: BLE001
        raise HubRefusal("400", f"{code!r} is not a 13-character agency code") from None
    unit = Unit.objects.filter(code=code).first()
    if delete:
        if unit is None or unit.is_local or unit.peer_ref != system.code:
            raise HubRefusal("403", f"the agency {code!r} is not hosted by system {system.system_id!r}")
        if unit.valid_to is None:
            unit_dissolve(unit=unit, effective_date=timezone.localdate(),
                          note=UM.REMOVED_BY_HUB(id=system.system_id))
        return {"code": code, "deleted": True}
    if unit is None:
        unit_create(code=code, name=name[:255] or code, short_name=code, kind=UnitKind.OTHER, is_local=False,
                    peer_ref=system.code, note=UM.REGISTERED_BY_HUB(id=system.system_id))
    elif unit.is_local or unit.peer_ref != system.code:
        raise HubRefusal("409", f"the agency {code!r} is already in the directory, not hosted by this system")
    return {"code": code, "registered": True}


# --- sendEdoc ----------------------------------------------------------------------------------

def _limits() -> dict:
    return {"max_package_bytes": settings.FEDERATION_MAX_PACKAGE_BYTES,
            "max_attachment_bytes": settings.FEDERATION_MAX_ATTACHMENT_BYTES,
            "max_decompressed_bytes": settings.FEDERATION_MAX_DECOMPRESSED_BYTES}


def _axis_peer() -> Peer | None:
    if not settings.HUB_AXIS_PEER:
        return None
    return Peer.objects.filter(code=settings.HUB_AXIS_PEER, enabled=True, protocol=PeerProtocol.AXIS).first()


def _destinations(pkg, from_code: str) -> list[str]:
    if isinstance(pkg, DocumentPackage):
        return list(dict.fromkeys(o.organ_id for o in pkg.header.to))
    if pkg.status_code == StatusCode.TAKE_BACK_REQUESTED:
        return list(dict.fromkeys(HubItem.objects.filter(document_id=pkg.response_for.document_id,
                                                         from_code=from_code, message_type="edoc")
                                  .values_list("to_code", flat=True))) or [pkg.response_for.organ_id]
    return [pkg.response_for.organ_id]


def _store(data: bytes, sha256: str) -> str:
    name = f"hub/{sha256[:2]}/{sha256}.edxml"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(data))
    return name


def hub_send(*, system: Peer, data: bytes, from_code: str, message_type: str) -> dict:
    """
    A package a connected system sends as ``from_code`` (one of its agencies). Returns
    ``{"DocId": …, "routes": […]}``; raises HubRefusal with the precise reason. A package sent again
    (same bytes from the same system) gets its first DocId back and is not routed twice.
    """
    if message_type not in ("edoc", "status"):
        raise HubRefusal("400", "XroadVnpt-messagetype must be edoc or status")
    if from_code not in hub_hosted_codes(system):
        raise HubRefusal("403", f"the agency {from_code!r} is not hosted by system {system.system_id!r}")
    sha256 = hashlib.sha256(data).hexdigest()
    again = HubItem.objects.filter(sender=system, sha256=sha256).order_by("pk").first()
    if again is not None:
        return {"DocId": again.doc_id.split("~")[0], "routes": ["duplicate"]}
    try:
        pkg = parse_package(data, **_limits())
    except EdxmlError as exc:
        raise HubRefusal("422", f"{exc.code}: {exc.message}") from None
    with pkg:
        is_doc = isinstance(pkg, DocumentPackage)
        if is_doc != (message_type == "edoc"):
            raise HubRefusal("422", f"the package is a {'document' if is_doc else 'status'} package but "
                                    f"XroadVnpt-messagetype is {message_type}")
        organ = pkg.header.from_.organ_id if is_doc else pkg.from_.organ_id
        if organ not in (from_code, system.system_id):
            raise HubRefusal("403", f"the package's From OrganId {organ!r} is not the agency of the call ({from_code})")
        document_id = pkg.header.document_id if is_doc else pkg.response_for.document_id
        destinations = _destinations(pkg, from_code)
    units = {u.code: u for u in Unit.objects.filter(code__in=destinations)}
    systems = {p.code: p for p in Peer.objects.filter(code__in={u.peer_ref for u in units.values()}, enabled=True)}
    axis = _axis_peer()
    local, queued, unknown = [], [], []
    for code in destinations:
        unit = units.get(code)
        if unit is not None and unit.is_local:
            local.append(code)
        elif unit is not None and unit.peer_ref in systems and systems[unit.peer_ref].protocol in (
                PeerProtocol.HUB, PeerProtocol.AXIS):
            queued.append((code, systems[unit.peer_ref]))
        elif axis is not None:
            queued.append((code, axis))
        else:
            unknown.append(code)
    if not local and not queued:
        raise HubRefusal("404", f"no addressee is known to this hub: {', '.join(unknown)}")
    base = uuid.uuid4().hex
    routes = []
    blob = _store(data, sha256) if queued else ""
    with service_atomic():
        n = 0
        if local:
            report = package_import(source=data, peer=system, consignment_id=f"hub:{base}")
            state = HubItemState.DONE if report.result in (InboundResult.ACCEPTED, InboundResult.DUPLICATE) \
                else HubItemState.FAIL
            if state == HubItemState.FAIL and not queued:
                raise HubRefusal("422", f"{report.code}: {report.message}")
            for code in local:
                HubItem.objects.create(doc_id=base if n == 0 else f"{base}~{n}", sender=system, recipient=None,
                                       from_code=from_code, to_code=code, message_type=message_type,
                                       document_id=document_id[:100], size=len(data), sha256=sha256, state=state,
                                       status_desc=f"{report.code}: {report.message}"[:1000])
                n += 1
            routes.append({"local": local, "result": report.result, "code": report.code, "warnings": report.warnings})
        for code, target in queued:
            HubItem.objects.create(doc_id=base if n == 0 else f"{base}~{n}", sender=system, recipient=target,
                                   from_code=from_code, to_code=code, message_type=message_type,
                                   document_id=document_id[:100], blob=blob, size=len(data), sha256=sha256)
            n += 1
            routes.append({"queued": code, "system": target.system_id or target.code})
            if target.protocol == PeerProtocol.AXIS:
                from ..axis.transport import axis_stream_enqueue

                axis_stream_enqueue(target.pk)
        audit_record(actor=None, unit=None, verb=AuditVerb.HUB_PACKAGE_RECEIVED, obj=system,
                     details={"doc_id": base, "from": from_code, "to": destinations, "type": message_type,
                              "unknown": unknown})
    return {"DocId": base, "routes": routes, "unknown": unknown}


def hub_route_from_axis(*, axis_peer: Peer, data: bytes, doc_id: str) -> dict | None:
    """
    Hub mode, the way down: a package pulled from the national axis whose addressees include agencies
    hosted by connected systems is queued for those systems (kept until they pull it), as
    ``sendEdoc`` from the axis would be. Addressees that are local units are left to the caller's
    import. Returns ``{"queued": [...], "local": bool}``, or None when no connected system is concerned
    (an ordinary import). The caller's transaction holds the rows; a package we cannot parse is the
    import's to refuse.
    """
    try:
        pkg = parse_package(data, **_limits())
    except EdxmlError:
        return None
    with pkg:
        is_doc = isinstance(pkg, DocumentPackage)
        from_code = pkg.header.from_.organ_id if is_doc else pkg.from_.organ_id
        document_id = pkg.header.document_id if is_doc else pkg.response_for.document_id
        destinations = _destinations(pkg, from_code)
    units = {u.code: u for u in Unit.objects.filter(code__in=destinations)}
    systems = {p.code: p for p in Peer.objects.filter(code__in={u.peer_ref for u in units.values() if not u.is_local},
                                                      enabled=True, protocol=PeerProtocol.HUB)}
    targets = [(code, systems[units[code].peer_ref]) for code in destinations
               if code in units and not units[code].is_local and units[code].peer_ref in systems]
    if not targets:
        return None
    sha256 = hashlib.sha256(data).hexdigest()
    blob = _store(data, sha256)
    message_type = "edoc" if is_doc else "status"
    base = f"axis-{uuid.uuid4().hex}"
    for n, (code, system) in enumerate(targets):
        HubItem.objects.create(doc_id=base if n == 0 else f"{base}~{n}", sender=axis_peer, recipient=system,
                               from_code=from_code[:100], to_code=code, message_type=message_type,
                               document_id=document_id[:100], blob=blob, size=len(data), sha256=sha256)
    audit_record(actor=None, unit=None, verb=AuditVerb.HUB_PACKAGE_RECEIVED, obj=axis_peer,
                 details={"doc_id": base, "axis_doc_id": doc_id, "from": from_code, "to": [c for c, _s in targets],
                          "type": message_type})
    return {"queued": [c for c, _s in targets], "local": any(units[c].is_local for c in destinations if c in units)}


# --- the queue of a system ---------------------------------------------------------------------

def item_as_json(item: HubItem) -> dict:
    return {"docId": item.doc_id, "serviceType": "eDoc", "messageType": item.message_type,
            "created_time": timezone.localtime(item.created_at).strftime("%d/%m/%Y %H:%M:%S"),
            "updated_time": timezone.localtime(item.updated_at).strftime("%d/%m/%Y %H:%M:%S"),
            "from": item.from_code, "to": item.to_code, "status": item.state, "status_desc": item.status_desc,
            "documentId": item.document_id}


def hub_received(*, system: Peer, message_type: str, limit: int | None = None) -> list[dict]:
    qs = HubItem.objects.filter(recipient=system, state=HubItemState.PENDING)
    if message_type:
        qs = qs.filter(message_type=message_type)
    return [item_as_json(i) for i in qs.order_by("pk")[:limit or settings.HUB_LIST_LIMIT]]


def hub_count(*, system: Peer, message_type: str) -> int:
    return HubItem.objects.filter(recipient=system, state=HubItemState.PENDING, message_type=message_type).count()


def hub_sent(*, system: Peer, message_type: str, from_code: str = "") -> list[dict]:
    qs = HubItem.objects.filter(sender=system)
    if message_type:
        qs = qs.filter(message_type=message_type)
    if from_code and from_code != system.system_id:
        qs = qs.filter(from_code=from_code)
    return [item_as_json(i) for i in qs.order_by("-pk")[:settings.HUB_LIST_LIMIT]]


def _item_of(system: Peer, doc_id: str) -> HubItem:
    item = HubItem.objects.filter(recipient=system, doc_id=doc_id).first()
    if item is None:
        raise HubRefusal("404", f"no package {doc_id!r} waits for system {system.system_id!r}")
    return item


def _build(item: HubItem) -> bytes:
    from ..signing import portal_signer

    if item.dispatch_id:
        d = Dispatch.objects.select_related("document", "recipient").get(pk=item.dispatch_id)
        with document_to_package(d.document, recipients=[d.recipient]) as pkg:
            return build_document_package(pkg, signer=portal_signer())
    event = DispatchEvent.objects.select_related("dispatch__document__owner_unit", "dispatch__sender",
                                                 "dispatch__recipient").get(pk=item.event_id)
    return build_status_package(status_to_package(event), signer=portal_signer())


def hub_fetch(*, system: Peer, doc_id: str) -> bytes:
    """The package bytes of one item of the system's queue (built from the dispatch when this portal sent it)."""
    item = _item_of(system, doc_id)
    if item.blob:
        with default_storage.open(item.blob, "rb") as f:
            data = f.read()
    else:
        data = _build(item)
    with service_atomic():
        HubItem.objects.filter(pk=item.pk).update(fetch_count=F("fetch_count") + 1)
        if item.dispatch_id and item.fetch_count == 0 and item.state == HubItemState.PENDING:
            dispatch_sending(dispatch_id=item.dispatch_id, actor_name=system.code,
                             note=M.NOTE_FETCHED_BY(system=system.system_id))
    return data


@service
def hub_update_status(*, system: Peer, doc_id: str, status: str, desc: str = "") -> HubItem:
    """``done``: the system took the item (a dispatch of this portal is delivered); ``fail``: refused (it fails)."""
    if status not in ("done", "fail"):
        raise HubRefusal("400", "XroadVnpt-status must be done or fail")
    item = HubItem.objects.select_for_update(no_key=True).filter(recipient=system, doc_id=doc_id).first()
    if item is None:
        raise HubRefusal("404", f"no package {doc_id!r} waits for system {system.system_id!r}")
    wanted = HubItemState.DONE if status == "done" else HubItemState.FAIL
    if item.state != HubItemState.PENDING:
        if item.state != wanted:
            raise HubRefusal("409", f"package {doc_id} was already acknowledged as {item.state}")
        return item
    item.state, item.status_desc = wanted, desc[:1000]
    item.save(update_fields=["state", "status_desc", "updated_at"])
    if item.dispatch_id:
        if wanted == HubItemState.DONE:
            dispatch_delivered(dispatch_id=item.dispatch_id, actor_name=system.code,
                               note=M.NOTE_TAKEN_BY(system=system.system_id))
        else:
            dispatch_record_failure(dispatch_id=item.dispatch_id, permanent=True, actor_name=system.code,
                                    error=desc or M.NOTE_REFUSED_BY(system=system.system_id))
    audit_record(actor=None, unit=None, verb=AuditVerb.HUB_PACKAGE_TAKEN, obj=item,
                 details={"system": system.system_id, "status": status, "desc": desc[:500]})
    return item
