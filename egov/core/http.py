"""Outbound HTTP for every app: the one door through which the portal calls other servers.

Peer portals, the national axis / LGSP, webhooks and CRL/OCSP fetches all go through
``http_request`` so that one place decides timeouts, redirects and which destinations are
allowed.

Server-side request forgery guard: every connection this module opens resolves the host name,
checks *every* address it resolves to, and then connects to the checked address itself (the
name is not resolved a second time, so a DNS answer that changes between check and connect —
"DNS rebinding" — cannot slip a private address in). Refused: loopback, private (RFC 1918,
ULA), link-local (169.254/16 with the cloud metadata address, fe80::/10), shared (100.64/10),
multicast, reserved and unspecified addresses, IPv4-mapped forms of these — anything that is
not a global unicast address — unless it lies in one of the operator's
``OUTBOUND_ALLOWED_NETWORKS`` (in-house receivers; the test settings allow loopback).
Redirects are not followed unless asked for; a followed redirect opens its connection through
the same guard. Proxies from the environment are ignored (the check must see the real peer).
"""
from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["http_request", "http_session", "http_check_url", "HttpError", "DestinationRefused",
           "address_refused"]

HttpError = requests.RequestException


class DestinationRefused(requests.ConnectionError):
    """The destination resolves to an address outbound requests may not reach."""


@lru_cache(maxsize=16)
def _allowed_networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(n.strip(), strict=False) for n in spec if n.strip())


def address_refused(address: str) -> bool:
    """True when outbound requests may not connect to ``address`` (an IP address string)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for net in _allowed_networks(tuple(settings.OUTBOUND_ALLOWED_NETWORKS or ())):
        if ip.version == net.version and ip in net:
            return False
    return not ip.is_global or ip.is_multicast


def _checked_address(host: str, port: int) -> str:
    """Resolve ``host``; the first address if none of them is refused, else DestinationRefused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise requests.ConnectionError(f"cannot resolve {host}: {exc}") from exc
    addresses = [info[4][0] for info in infos]
    refused = [a for a in addresses if address_refused(a)]
    if refused or not addresses:
        # Say which rule refused it, not whether anything listens there.
        raise DestinationRefused(f"destination {host} refused: {refused[0] if refused else 'no address'} "
                                 "is not a public address (OUTBOUND_ALLOWED_NETWORKS)")
    return addresses[0]


def _refusal_in(exc, depth: int = 0):
    """The DestinationRefused that urllib3 wrapped into ``exc`` (in its args or chain), if any."""
    if isinstance(exc, DestinationRefused):
        return exc
    if depth > 6 or not isinstance(exc, BaseException):
        return None
    for inner in (*exc.args, exc.__cause__, exc.__context__, getattr(exc, "reason", None)):
        found = _refusal_in(inner, depth + 1) if isinstance(inner, BaseException) else None
        if found is not None:
            return found
    return None


class _GuardedConnectionMixin:
    def _new_conn(self):
        checked = _checked_address(self._dns_host, self.port)
        name = self._dns_host
        self._dns_host = checked  # connect to the address that was checked ...
        try:
            return super()._new_conn()
        finally:
            self._dns_host = name  # ... while TLS (SNI, certificate) and Host keep the name


class _GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}

    def send(self, request, **kwargs):
        try:
            return super().send(request, **kwargs)
        except requests.ConnectionError as exc:
            refused = _refusal_in(exc)
            if refused is None:
                raise
            raise DestinationRefused(str(refused), request=request) from None  # urllib3 wraps it: unwrap

    def proxy_manager_for(self, proxy, **proxy_kwargs):  # pragma: no cover - trust_env is off
        raise DestinationRefused("outbound requests do not go through proxies")


def _guard(session: requests.Session) -> requests.Session:
    if not getattr(session, "_egov_guarded", False):
        session.trust_env = False  # no proxy from the environment: the guard must see the real peer
        session.mount("http://", _GuardedAdapter())
        session.mount("https://", _GuardedAdapter())
        session._egov_guarded = True
    return session


def http_session() -> requests.Session:
    """A ``requests.Session`` whose every connection goes through the guard (for keep-alive callers)."""
    return _guard(requests.Session())


def http_check_url(url: str) -> None:
    """Refuse a URL now (when an operator saves it) with ValueError if its host is refused or it is not HTTP(S)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("only http(s) URLs with a host name")
    try:
        _checked_address(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except DestinationRefused as exc:
        raise ValueError(str(exc)) from exc
    except requests.ConnectionError:
        pass  # does not resolve now: checked again on every connection


def http_request(method: str, url: str, *, timeout: float, allow_redirects: bool = False,
                 session: requests.Session | None = None, **kwargs) -> requests.Response:
    """Send one request through the guard; redirects are not followed unless asked for.

    ``kwargs`` are those of ``requests.request`` (``data``, ``headers``, ``json``, ``stream``…).
    Raises ``HttpError`` (``requests.RequestException``) on network failure, and its subclass
    ``DestinationRefused`` when the destination is not allowed.
    """
    if session is None:
        own = http_session()
        response = own.request(method, url, timeout=timeout, allow_redirects=allow_redirects, **kwargs)
        if not kwargs.get("stream"):
            own.close()
        return response
    return _guard(session).request(method, url, timeout=timeout, allow_redirects=allow_redirects, **kwargs)
