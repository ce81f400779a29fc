"""
RFC 3161 time-stamps of audit checkpoints (docs/security.md, "Tamper-evident audit").

The client is pyHanko's ``TimeStamper`` (request building, nonce and status checks of the
answer) whose transport is the portal's guarded outbound HTTP (``egov.core.http``: no request to
a refused address). Verification is pyHanko's ``validate_tst_signed_data``: the token's CMS
signature, its message imprint against the checkpoint, and — when ``AUDIT_TSA_CERTIFICATES``
names the TSA's certificate or CA (PEM) — the signer's path to it.

Settings: ``AUDIT_TSA_URL`` (empty: no time-stamps), ``AUDIT_TSA_TIMEOUT`` (seconds),
``AUDIT_TSA_CERTIFICATES`` (path of a PEM file with the TSA's certificate or its CA).
"""
from __future__ import annotations

import asyncio
import datetime
import hashlib
import logging
from dataclasses import dataclass

from asn1crypto import cms, pem, tsp, x509
from django.conf import settings
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, set_tsp_headers

from .http import HttpError, http_request

__all__ = ["PortalTimeStamper", "timestamp_request", "timestamp_verify", "TimestampCheck", "tsa_configured"]

log = logging.getLogger(__name__)


class PortalTimeStamper(TimeStamper):
    """pyHanko's RFC 3161 client, posting through ``egov.core.http``."""

    def __init__(self, url: str, timeout: float = 10) -> None:
        super().__init__(include_nonce=True)
        self.url, self.timeout = url, timeout

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        def post() -> tsp.TimeStampResp:
            try:
                answer = http_request("POST", self.url, timeout=self.timeout, data=req.dump(),
                                      headers=set_tsp_headers({}))
            except HttpError as exc:
                raise TimestampRequestError(f"the time-stamp authority cannot be reached: {exc}") from exc
            if answer.status_code != 200 or answer.headers.get("Content-Type") != "application/timestamp-reply":
                raise TimestampRequestError(f"the time-stamp authority answered HTTP {answer.status_code} "
                                            f"({answer.headers.get('Content-Type', 'no content type')})")
            return tsp.TimeStampResp.load(answer.content)

        return await asyncio.to_thread(post)


def tsa_configured() -> bool:
    return bool(getattr(settings, "AUDIT_TSA_URL", ""))


def timestamp_request(message: bytes) -> bytes:
    """The DER time-stamp token (CMS ContentInfo) of SHA-256(``message``); raises TimestampRequestError."""
    stamper = PortalTimeStamper(settings.AUDIT_TSA_URL, timeout=getattr(settings, "AUDIT_TSA_TIMEOUT", 10))
    token = asyncio.run(stamper.async_timestamp(hashlib.sha256(message).digest(), "sha256"))
    return token.dump()


@dataclass
class TimestampCheck:
    ok: bool
    problem: str = ""
    at: datetime.datetime | None = None


def _trust_roots() -> list[x509.Certificate]:
    path = getattr(settings, "AUDIT_TSA_CERTIFICATES", "")
    if not path:
        return []
    with open(path, "rb") as fh:
        data = fh.read()
    if not pem.detect(data):
        return [x509.Certificate.load(data)]
    return [x509.Certificate.load(der) for _kind, _headers, der in pem.unarmor(data, multiple=True)]


def timestamp_verify(token: bytes, message: bytes) -> TimestampCheck:
    """Whether ``token`` is a sound time-stamp of ``message`` (signature, imprint, TSA pinned when configured)."""
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko_certvalidator import ValidationContext

    try:
        info = cms.ContentInfo.load(bytes(token))
        signed = info["content"]
        if info["content_type"].native != "signed_data" or not isinstance(signed, cms.SignedData):
            return TimestampCheck(False, "the time-stamp is not a CMS SignedData")
        roots = _trust_roots()
        context = ValidationContext(trust_roots=roots, allow_fetching=False) if roots else None
        digest = hashlib.sha256(message).digest()

        def imprint(algorithm: str) -> bytes:
            return hashlib.new(algorithm, message).digest() if algorithm != "sha256" else digest

        status = asyncio.run(validate_tst_signed_data(signed, context, imprint))
    except Exception as exc:  # noqa: BLE001 - any malformed token is a verification failure, reported
        return TimestampCheck(False, f"the time-stamp cannot be read ({type(exc).__name__}: {exc})")
    at = status.get("timestamp")
    if not status.get("intact"):
        return TimestampCheck(False, "the time-stamp is not of this checkpoint (message imprint differs)", at)
    if not status.get("valid"):
        return TimestampCheck(False, "the time-stamp's signature is invalid", at)
    if roots and status.get("trust_problem_indic") is not None:
        return TimestampCheck(False, "the time-stamp is not signed by the configured time-stamp authority", at)
    return TimestampCheck(True, "", at)
