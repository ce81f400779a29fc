"""
Security response headers of the portal that no library sets (docs/security.md):

- ``NoStoreForAuthenticatedMiddleware``: a page or file served to a logged-in user (or an API
  client) carries ``Cache-Control: no-store``, so that neither a shared proxy nor the browser's
  back button keeps another person's documents.
- ``DownloadSandboxMiddleware``: every file served as a download (``Content-Disposition:
  attachment``), by any view, carries ``Content-Security-Policy: sandbox; default-src 'none'`` and
  ``X-Content-Type-Options: nosniff``: opened anyway, it runs no script in the portal's origin.
- ``secret_key_is_weak``: the production settings refuse to start with a weak ``DJANGO_SECRET_KEY``.
"""
from __future__ import annotations

from django.utils.cache import patch_cache_control

__all__ = ["NoStoreForAuthenticatedMiddleware", "DownloadSandboxMiddleware", "DOWNLOAD_CSP", "secret_key_is_weak", "KNOWN_WEAK_KEYS"]

KNOWN_WEAK_KEYS = {"dev-only-insecure-secret-key-change-me", "test-only-secret-key", "change-me", "changeme",
                   "secret", "django-insecure"}


def secret_key_is_weak(key: str) -> bool:
    """Shorter than 50 characters, fewer than 5 distinct ones, a known development key, or Django's insecure one."""
    key = key or ""
    return (len(key) < 50 or len(set(key)) < 5 or key in KNOWN_WEAK_KEYS
            or key.startswith("django-insecure") or key.lower().startswith(("dev-", "test-", "changeme")))


# Federation peers (HMAC) and axis systems (/vxp/) authenticate by signed headers, not Authorization.
SIGNED_HEADER_PREFIXES = ("HTTP_X_EGOV_SIGNATURE", "HTTP_XROADVNPT_")


class NoStoreForAuthenticatedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        authenticated = ((user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META
                         or any(k.startswith(SIGNED_HEADER_PREFIXES) for k in request.META))
        if authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


DOWNLOAD_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"


class DownloadSandboxMiddleware:
    """Placed outside django-csp's middleware, so that its policy is replaced on downloads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        disposition = response.get("Content-Disposition", "")
        if disposition.lstrip().lower().startswith("attachment"):
            response["Content-Security-Policy"] = DOWNLOAD_CSP
            response["X-Content-Type-Options"] = "nosniff"
        return response
