"""
The wire format of the axis / LGSP protocol, shared by the client (axis mode) and the hub
(hub mode). Pure functions, no database.

- Every parameter travels as an ``XroadVnpt-<name>`` header; the timestamp is
  ``ddMMyyyy'T'HHmmss+SSSS`` where the last four digits are *milliseconds* (not a zone).
- ``XroadVnpt-sign-header-key`` lists the signed header names, ``XroadVnpt-sign-header`` carries
  them as a JSON object, ``XroadVnpt-hash-header`` = lower-case hex HMAC-SHA256(secret, that JSON).
- ``sendEdoc``: ``XroadVnpt-hash-file`` = SHA-256 of the package as hex without leading zeros
  (Java's ``BigInteger.toString(16)``); a digest beginning with 0 has fewer than 64 characters.
- Every answer is JSON ``{"status": "OK"|"FAIL", "ErrorCode": "0"|code, "ErrorDesc": …}``; only
  ``ErrorCode == "0"`` is success.
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass

__all__ = [
    "VERSION", "USER_AGENT", "PREFIX", "format_timestamp", "parse_timestamp", "hash_file", "hash_file_matches",
    "sign_headers", "SignedHeaders", "read_signed_headers", "HeaderError", "answer", "classify", "Outcome",
    "SIGNED_PARAMS", "ERRORS",
]

VERSION = "3.0.201608"
USER_AGENT = "JAVASDKAgent/1.0.0 XRoad/VPCP"
PREFIX = "XroadVnpt-"
SIGNED_PARAMS = ("systemid", "timestamp", "from", "servicetype", "messagetype", "docId", "status")

# Answer codes of the hub (ErrorCode). "0" is the only success. ``retry`` tells a client whether
# trying again later can help.
ERRORS = {
    "0": ("OK", False),
    "401": ("authentication failed", False),
    "403": ("not allowed for this system", False),
    "404": ("not found", False),
    "405": ("method not allowed", False),
    "408": ("stale or replayed request", True),
    "409": ("conflict", False),
    "413": ("package too large", False),
    "422": ("package refused", False),
    "429": ("too many requests", True),
    "500": ("internal error", True),
    "503": ("service unavailable", True),
}


def format_timestamp(moment: datetime.datetime) -> str:
    """``ddMMyyyy'T'HHmmss+SSSS``: the four digits after ``+`` are milliseconds, zero-padded to four."""
    return moment.strftime("%d%m%Y") + "T" + moment.strftime("%H%M%S") + f"+{moment.microsecond // 1000:04d}"


def parse_timestamp(value: str, *, tz: datetime.tzinfo) -> datetime.datetime:
    """Inverse of ``format_timestamp`` (the clock of the sender, in ``tz``); ValueError when malformed."""
    value = (value or "").strip()
    if len(value) != 20 or value[8] != "T" or value[15] != "+" or not (value[:8] + value[9:15] + value[16:]).isdigit():
        raise ValueError(f"timestamp {value!r} is not ddMMyyyy'T'HHmmss+SSSS")
    millis = int(value[16:])
    if millis > 999:
        raise ValueError(f"timestamp {value!r}: milliseconds out of range")
    base = datetime.datetime.strptime(value[:15], "%d%m%YT%H%M%S")
    return base.replace(microsecond=millis * 1000, tzinfo=tz)


def hash_file(data_or_digest: bytes | hashlib._Hash) -> str:
    """SHA-256 as the SDK writes it: lower-case hex without leading zeros (BigInteger.toString(16))."""
    digest = data_or_digest if hasattr(data_or_digest, "hexdigest") else hashlib.sha256(data_or_digest)
    return digest.hexdigest().lstrip("0") or "0"


def hash_file_matches(header_value: str, hexdigest: str) -> bool:
    """A hash-file header matches the full hex digest, with or without its leading zeros."""
    given = (header_value or "").strip().lower()
    return bool(given) and hmac.compare_digest(given.lstrip("0") or "0", hexdigest.lstrip("0") or "0")


def _hmac(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def sign_headers(*, system_id: str, secret: str, params: dict[str, str], now: datetime.datetime) -> dict[str, str]:
    """
    The request headers of one call: every parameter as ``XroadVnpt-<name>``, the version, the
    SDK's User-Agent, and the HMAC over the JSON of the signed ones (systemid, timestamp and the
    call's parameters, in that order).
    """
    values = {"systemid": system_id, "timestamp": format_timestamp(now), **{k: v for k, v in params.items()
                                                                            if v is not None}}
    signed = {k: str(values[k]) for k in SIGNED_PARAMS if k in values}
    sign_json = json.dumps(signed, separators=(",", ":"), ensure_ascii=False)
    headers = {PREFIX + k: str(v) for k, v in values.items()}
    headers.update({
        PREFIX + "version": VERSION,
        "User-Agent": USER_AGENT,
        PREFIX + "sign-header-key": ",".join(signed),
        PREFIX + "sign-header": sign_json,
        PREFIX + "hash-header": _hmac(secret, sign_json),
    })
    return headers


class HeaderError(Exception):
    """A request whose signed headers cannot be accepted: ``code`` is the answer's ErrorCode."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class SignedHeaders:
    system_id: str
    timestamp: datetime.datetime
    digest: str          # the hash-header value: the nonce of this call
    params: dict         # every XroadVnpt-* parameter, the signed ones taken from the signed JSON


def read_signed_headers(headers, *, secret_for, now: datetime.datetime, window: int) -> SignedHeaders:
    """
    Check the signed headers of a request (``headers``: a case-insensitive mapping of the HTTP
    headers). ``secret_for(system_id)`` returns the system's secret or None. The values that
    count are those inside the signed JSON; a header sent beside it with another value is refused.
    Raises HeaderError (401 unknown system or bad HMAC, 408 stale timestamp).
    """
    def get(name):
        return headers.get(PREFIX + name) or headers.get((PREFIX + name).lower()) or ""

    sign_json, given = get("sign-header"), get("hash-header").strip().lower()
    if not sign_json or not given:
        raise HeaderError("401", "XroadVnpt-sign-header and XroadVnpt-hash-header are required")
    try:
        signed = json.loads(sign_json)
    except ValueError:
        raise HeaderError("401", "XroadVnpt-sign-header is not a JSON object") from None
    if not isinstance(signed, dict):
        raise HeaderError("401", "XroadVnpt-sign-header is not a JSON object")
    system_id = str(signed.get("systemid") or get("systemid"))
    if not system_id or (get("systemid") and get("systemid") != system_id):
        raise HeaderError("401", "XroadVnpt-systemid is missing or differs from the signed one")
    secret = secret_for(system_id)
    if not secret:
        raise HeaderError("401", f"unknown or disabled system {system_id!r}")
    # Bytes: compare_digest refuses str with non-ASCII characters (TypeError, a 500: found by fuzzing).
    if not hmac.compare_digest(_hmac(secret, sign_json).encode(), given.encode("utf-8", "replace")):
        raise HeaderError("401", "XroadVnpt-hash-header does not match the signed headers")
    keys = [k.strip() for k in get("sign-header-key").split(",") if k.strip()]
    if keys and set(keys) != set(signed):
        raise HeaderError("401", "XroadVnpt-sign-header-key does not list the signed headers")
    if "timestamp" not in signed:
        raise HeaderError("401", "the timestamp must be signed")
    try:
        stamp = parse_timestamp(str(signed["timestamp"]), tz=now.tzinfo)
    except ValueError as exc:
        raise HeaderError("401", str(exc)) from None
    if abs((now - stamp).total_seconds()) > window:
        raise HeaderError("408", f"stale timestamp {signed['timestamp']} (more than {window} s from the hub's clock)")
    params = {}
    for name in SIGNED_PARAMS:
        outside = get(name)
        inside = signed.get(name)
        if inside is not None and outside and str(inside) != outside:
            raise HeaderError("401", f"XroadVnpt-{name} differs from its signed value")
        value = inside if inside is not None else outside
        if value:
            params[name] = str(value)
    for name in ("hash-file",):
        if get(name):
            params[name] = get(name)
    return SignedHeaders(system_id=system_id, timestamp=stamp, digest=given, params=params)


def answer(code: str = "0", desc: str = "", **data) -> dict:
    """The JSON body of a hub answer."""
    ok = code == "0"
    return {"status": "OK" if ok else "FAIL", "ErrorCode": code, "ErrorDesc": desc or ("" if ok else
                                                                                     ERRORS.get(code, ("",))[0]),
            **data}


@dataclass
class Outcome:
    ok: bool
    retry: bool
    code: str
    message: str
    body: dict


def classify(status_code: int, text: str) -> Outcome:
    """
    What a client makes of an answer: success only on ``ErrorCode "0"`` (in a JSON object);
    transient (retry) on network-like answers (5xx, 408, 429, non-JSON, retryable codes);
    anything else is a permanent fault whose ErrorDesc is shown to the clerk.
    """
    try:
        body = json.loads(text)
    except ValueError:
        return Outcome(False, True, "not_json", f"HTTP {status_code} without a JSON answer", {})
    if not isinstance(body, dict):
        return Outcome(False, True, "not_json", f"HTTP {status_code}: the answer is not a JSON object", {})
    code = str(body.get("ErrorCode", body.get("errorCode", ""))).strip()
    desc = str(body.get("ErrorDesc", body.get("errorDesc", "")) or "")
    if code == "0" and status_code < 300:
        return Outcome(True, False, "0", desc, body)
    if not code:
        return Outcome(False, True, "no_code", f"HTTP {status_code}: the answer carries no ErrorCode", body)
    known = ERRORS.get(code)
    retry = status_code >= 500 or status_code in (408, 429) or (known is not None and known[1])
    message = f"{code}: {desc or (known[0] if known else 'error')}"
    return Outcome(False, retry, code, message, body)
