"""Outbound HTTP for every app: the one door through which the portal calls other servers.

Peer portals, the national axis / LGSP, webhooks and CRL/OCSP fetches all go through
``http_request`` so that one place decides timeouts, redirects and which destinations are
allowed (the server-side request forgery guard lives here).
"""
from __future__ import annotations

import requests

__all__ = ["http_request", "HttpError"]

HttpError = requests.RequestException


def http_request(method: str, url: str, *, timeout: float, allow_redirects: bool = False,
                 session: requests.Session | None = None, **kwargs) -> requests.Response:
    """Send one request; redirects are not followed unless asked for.

    ``kwargs`` are those of ``requests.request`` (``data``, ``headers``, ``json``, ``stream``…).
    Raises ``HttpError`` (``requests.RequestException``) on network failure.
    """
    sender = session or requests
    return sender.request(method, url, timeout=timeout, allow_redirects=allow_redirects, **kwargs)
