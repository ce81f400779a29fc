"""
Services of peer connections: another portal (protocol ``egov``) or an axis / LGSP this portal is a
client of (protocol ``axis``) — created, given new secrets, disabled and enabled, each with its audit
row in the same transaction (``manage.py peer``, docs/operations.md "Operator commands"). Agency
systems connected to this portal's hub (protocol ``hub``) have their own services (hub/services.py).

Secrets are generated here and returned once; they are stored encrypted (``EncryptedTextField``)
and never written to the audit trail.
"""
from __future__ import annotations

import re
import secrets

from cryptography import x509
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.utils.translation import gettext as _

from egov.core.audit import audit_record
from egov.core.db import service
from egov.core.errors import InvalidInput, NotFoundError, StateError

from .choices import AuditVerb, PeerMode, PeerProtocol
from .models import Peer

__all__ = ["peer_create", "peer_rotate", "peer_set_enabled", "new_peer_secret"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def new_peer_secret() -> str:
    return secrets.token_urlsafe(32)


def _refuse_hub(protocol: str) -> None:
    if protocol == PeerProtocol.HUB:
        raise InvalidInput(_("Agency systems connected to the hub are managed with hub_system_create, "
                             "hub_system_rotate and hub_system_revoke."), field="protocol")


def _clean_url(url: str, *, required: bool) -> str:
    url = (url or "").strip()
    if not url:
        if required:
            raise InvalidInput(_("Give the base URL of the peer."), field="base_url")
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise InvalidInput(_("%(url)s is not a valid http(s) URL.") % {"url": url}, field="base_url") from None
    if len(url) > Peer._meta.get_field("base_url").max_length:
        raise InvalidInput(_("The base URL is too long."), field="base_url")
    return url.rstrip("/")


def _clean_fingerprint(value: str) -> str:
    value = (value or "").strip().replace(":", "").lower()
    if value and not _SHA256.match(value):
        raise InvalidInput(_("The client certificate fingerprint must be 64 hexadecimal digits (SHA-256)."),
                           field="client_cert_sha256")
    return value


def _clean_certificate(pem: str) -> str:
    pem = (pem or "").strip()
    if not pem:
        return ""
    try:
        x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise InvalidInput(_("The signing certificate is not a PEM certificate."),
                           field="signing_certificate") from None
    return pem + "\n"


@service
def peer_create(*, code: str, name: str, protocol: str, base_url: str = "", mode: str = PeerMode.PUSH,
                remote_code: str = "", system_id: str = "", system_secret: str = "", axis_from: str = "",
                poll_interval: int = 0, require_signature: bool = False, signing_certificate: str = "",
                client_cert_sha256: str = "", actor=None) -> tuple[Peer, dict[str, str]]:
    """
    A new peer connection; returns it and its new secrets (``inbound_secret`` and ``outbound_secret``
    for a portal, ``system_secret`` for an axis unless the hub issued it: ``system_secret`` given).
    """
    code, name = (code or "").strip(), (name or "").strip()
    _refuse_hub(protocol)
    if protocol not in (PeerProtocol.EGOV, PeerProtocol.AXIS):
        raise InvalidInput(_("The protocol must be egov or axis."), field="protocol")
    try:
        validate_slug(code)
    except ValidationError:
        raise InvalidInput(_("%(code)s is not a valid peer code (letters, digits, - and _).") % {"code": code},
                           field="code") from None
    if len(code) > Peer._meta.get_field("code").max_length:
        raise InvalidInput(_("The peer code is too long."), field="code")
    if not name:
        raise InvalidInput(_("Give the peer a name."), field="name")
    if Peer.objects.filter(code=code).exists():
        raise StateError(_("A peer %(code)s already exists.") % {"code": code})
    if mode not in PeerMode.values:
        raise InvalidInput(_("The mode must be push or pull."), field="mode")
    if poll_interval < 0:
        raise InvalidInput(_("The poll interval cannot be negative."), field="poll_interval")
    fields = {"require_signature": require_signature, "signing_certificate": _clean_certificate(signing_certificate),
              "client_cert_sha256": _clean_fingerprint(client_cert_sha256)}
    issued: dict[str, str] = {}
    if protocol == PeerProtocol.EGOV:
        if system_id or system_secret or axis_from or poll_interval:
            raise InvalidInput(_("System id, system secret, polling agency and poll interval are for axis "
                                 "connections only."), field="protocol")
        issued = {"inbound_secret": new_peer_secret(), "outbound_secret": new_peer_secret()}
        fields.update(base_url=_clean_url(base_url, required=mode == PeerMode.PUSH), mode=mode,
                      remote_code=(remote_code or "").strip(), **issued)
    else:
        if mode != PeerMode.PUSH or remote_code:
            raise InvalidInput(_("Mode and remote code are for portal (egov) peers only: an axis connection "
                                 "sends and polls."), field="protocol")
        system_id = (system_id or "").strip()
        if not system_id:
            raise InvalidInput(_("Give the systemId this portal has at the axis."), field="system_id")
        secret = (system_secret or "").strip()
        if not secret:
            secret = issued["system_secret"] = new_peer_secret()
        fields.update(base_url=_clean_url(base_url, required=True), system_id=system_id, system_secret=secret,
                      axis_from=(axis_from or "").strip(), poll_interval=poll_interval)
    peer = Peer.objects.create(code=code, name=name, protocol=protocol, **fields)
    audit_record(actor=actor, unit=None, verb=AuditVerb.PEER_CREATED, obj=peer,
                 details={"code": code, "protocol": protocol, "base_url": peer.base_url, "mode": peer.mode,
                          "system_id": peer.system_id, "secrets_generated": sorted(issued),
                          "require_signature": require_signature,
                          "signing_certificate": bool(peer.signing_certificate),
                          "client_cert_sha256": peer.client_cert_sha256})
    return peer, issued


def _locked(code: str) -> Peer:
    peer = Peer.objects.select_for_update().filter(code=code).first()
    if peer is None:
        raise NotFoundError(_("No peer %(code)s.") % {"code": code})
    _refuse_hub(peer.protocol)
    return peer


@service
def peer_rotate(*, code: str, system_secret: str = "", actor=None) -> tuple[Peer, dict[str, str]]:
    """
    New secrets for a peer (the old ones stop working at once): both directions of a portal; the
    system secret of an axis connection (``system_secret`` when the hub issued a new one).
    """
    peer = _locked(code)
    issued: dict[str, str] = {}
    if peer.protocol == PeerProtocol.EGOV:
        if system_secret:
            raise InvalidInput(_("A system secret is for axis connections only."), field="system_secret")
        issued = {"inbound_secret": new_peer_secret(), "outbound_secret": new_peer_secret()}
        peer.inbound_secret, peer.outbound_secret = issued["inbound_secret"], issued["outbound_secret"]
        peer.save(update_fields=["inbound_secret", "outbound_secret"])
    else:
        secret = (system_secret or "").strip()
        if not secret:
            secret = issued["system_secret"] = new_peer_secret()
        peer.system_secret = secret
        peer.save(update_fields=["system_secret"])
    audit_record(actor=actor, unit=None, verb=AuditVerb.PEER_ROTATED, obj=peer,
                 details={"code": code, "protocol": peer.protocol,
                          "secrets": sorted(issued) or ["system_secret (given)"]})
    return peer, issued


@service
def peer_set_enabled(*, code: str, enabled: bool, actor=None) -> Peer:
    """Disable a peer (nothing is sent to it, its requests are refused, it is not polled) or enable it again."""
    peer = _locked(code)
    if peer.enabled == enabled:
        return peer
    peer.enabled = enabled
    peer.save(update_fields=["enabled"])
    audit_record(actor=actor, unit=None, verb=AuditVerb.PEER_ENABLED if enabled else AuditVerb.PEER_DISABLED,
                 obj=peer, details={"code": code, "protocol": peer.protocol})
    if enabled:  # what waited for it goes out now (the beat sweep would restart it too), after the commit
        if peer.protocol == PeerProtocol.AXIS:
            from .axis.transport import axis_stream_enqueue

            axis_stream_enqueue(peer.pk)
        else:
            from .outbound import stream_enqueue

            stream_enqueue(peer.pk)
    return peer
