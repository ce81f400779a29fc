"""
Signed requests between peers (HMAC-SHA256, one secret per direction).

Headers of every federation request:

- ``X-Egov-Peer``: the caller's peer code (as the receiver knows it)
- ``X-Egov-Timestamp``: Unix seconds; refused outside ±FEDERATION_REPLAY_WINDOW seconds
- ``X-Egov-Consignment``: the consignment id (empty for list/fetch requests)
- ``X-Egov-Content-SHA256``: hex SHA-256 of the body (of b"" for GET)
- ``X-Egov-Federation-Version``: protocol version, "1"
- ``X-Egov-Signature``: hex HMAC-SHA256(secret, METHOD \\n PATH \\n peer \\n timestamp \\n consignment \\n sha256)

A replay inside the window is harmless: documents and statuses are deduplicated on
(peer, consignment id), and acknowledgements are idempotent.
"""
from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings

__all__ = ["PROTOCOL_VERSION", "sign_headers", "string_to_sign", "AuthError", "check_request"]

PROTOCOL_VERSION = "1"


class AuthError(Exception):
    def __init__(self, code: str, message: str, status: int = 401):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def string_to_sign(method: str, path: str, peer: str, timestamp: str, consignment: str, sha256: str) -> bytes:
    return "\n".join([method.upper(), path, peer, timestamp, consignment, sha256]).encode()


def _mac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_headers(*, secret: str, method: str, path: str, peer_code: str, body_sha256: str, consignment: str = "",
                 now: float | None = None) -> dict[str, str]:
    """The headers of a signed request from ``peer_code`` (this portal, as the receiver knows it)."""
    ts = str(int(now if now is not None else time.time()))
    return {
        "X-Egov-Peer": peer_code,
        "X-Egov-Timestamp": ts,
        "X-Egov-Consignment": consignment,
        "X-Egov-Content-SHA256": body_sha256,
        "X-Egov-Federation-Version": PROTOCOL_VERSION,
        "X-Egov-Signature": _mac(secret, string_to_sign(method, path, peer_code, ts, consignment, body_sha256)),
    }


def _same(a: str, b: str) -> bool:
    """Constant-time comparison of header values, whatever characters a client sent (found by fuzzing)."""
    return hmac.compare_digest(a.encode("utf-8", "surrogateescape"), b.encode("utf-8", "surrogateescape"))


def check_request(request, *, body_sha256: str):
    """
    Authenticate a federation request; returns the enabled Peer. Raises AuthError (401 bad or
    stale signature, 403 unknown/disabled peer or wrong client certificate, 400 version).
    """
    from .models import Peer

    meta = request.META
    version = meta.get("HTTP_X_EGOV_FEDERATION_VERSION", "")
    if version != PROTOCOL_VERSION:
        raise AuthError("unsupported_version", f"Unsupported federation protocol version {version!r}; this portal "
                        f"speaks version {PROTOCOL_VERSION}.", 400)
    code = meta.get("HTTP_X_EGOV_PEER", "")
    peer = Peer.objects.filter(code=code, enabled=True, protocol="egov").first()
    if peer is None or not peer.inbound_secret:
        raise AuthError("unknown_peer", f"Peer {code!r} is not known to this portal or is disabled.", 403)
    ts = meta.get("HTTP_X_EGOV_TIMESTAMP", "")
    window = settings.FEDERATION_REPLAY_WINDOW
    if not ts.isdigit() or abs(time.time() - int(ts)) > window:
        raise AuthError("stale_request", f"The request timestamp is missing or outside the {window} s window.")
    claimed = meta.get("HTTP_X_EGOV_CONTENT_SHA256", "")
    if not _same(claimed, body_sha256):
        raise AuthError("body_mismatch", "The body does not match X-Egov-Content-SHA256.")
    expected = _mac(peer.inbound_secret, string_to_sign(request.method, request.path, code, ts,
                                                        meta.get("HTTP_X_EGOV_CONSIGNMENT", ""), body_sha256))
    if not _same(expected, meta.get("HTTP_X_EGOV_SIGNATURE", "")):
        raise AuthError("bad_signature", "The request signature is not valid for this peer.")
    if peer.client_cert_sha256:
        header = settings.FEDERATION_CLIENT_CERT_HEADER
        presented = meta.get(header, "").replace(":", "").lower() if header else ""
        if not presented or not _same(presented, peer.client_cert_sha256.replace(":", "").lower()):
            raise AuthError("client_certificate", "This peer must connect with its client certificate (mutual TLS).",
                            403)
    return peer
