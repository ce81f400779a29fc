"""
CRL refresh from the distribution points named in the registry's certificates.

Off unless the operator sets SIGNATURES_NETWORK_FETCH = True: the portal makes no network
request by default, and never fetches trust anchors. Only http(s) URLs are fetched, with a
timeout and a size cap; each CRL goes through ``crl_add`` (becomes current only if newer).
"""
from __future__ import annotations

import logging

from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from .. import conf
from ..choices import RevocationSource
from ..models import Certificate, RevocationList, TrustAnchor
from .parsing import TrustMaterialError
from .trust import crl_add

logger = logging.getLogger(__name__)

__all__ = ["distribution_points", "crls_refresh", "download"]


def _dp_urls(der: bytes) -> list[str]:
    try:
        cert = x509.load_der_x509_certificate(der)
        ext = cert.extensions.get_extension_for_oid(ExtensionOID.CRL_DISTRIBUTION_POINTS).value
    except (ValueError, x509.ExtensionNotFound):
        return []
    urls = []
    for dp in ext:
        for name in dp.full_name or []:
            if isinstance(name, x509.UniformResourceIdentifier) and name.value.lower().startswith(("http://", "https://")):
                urls.append(name.value)
    return urls


def distribution_points() -> list[str]:
    """Distinct CRL URLs of the registry and the anchors (a CA's CRL URL sits in the certificates it issued)."""
    urls: dict[str, None] = {}
    for der in Certificate.objects.values_list("der", flat=True).iterator(chunk_size=500):
        for url in _dp_urls(bytes(der)):
            urls[url] = None
    for der in TrustAnchor.objects.filter(enabled=True).values_list("der", flat=True):
        for url in _dp_urls(bytes(der)):
            urls[url] = None
    for url in RevocationList.objects.exclude(source_url="").values_list("source_url", flat=True).distinct():
        urls[url] = None
    return list(urls)


def download(url: str) -> bytes:
    """GET ``url`` with a timeout and a size cap (the only network access of the app)."""
    from egov.core.http import http_request

    limit = conf.fetch_max_bytes()
    # Redirects are followed (CRL mirrors), each hop through the outbound guard.
    with http_request("GET", url, timeout=conf.fetch_timeout(), stream=True, allow_redirects=True) as resp:
        resp.raise_for_status()
        chunks, size = [], 0
        for chunk in resp.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise ValueError(f"CRL at {url} exceeds {limit} bytes")
            chunks.append(chunk)
    return b"".join(chunks)


def crls_refresh(*, urls: list[str] | None = None) -> dict:
    """Fetch and store the CRLs; returns a report. Does nothing when fetching is disabled."""
    if not conf.network_fetch_enabled():
        return {"skipped": "SIGNATURES_NETWORK_FETCH is off"}
    report = {"fetched": 0, "new": 0, "errors": []}
    for url in urls if urls is not None else distribution_points():
        try:
            data = download(url)
            before = RevocationList.objects.count()
            crl_add(data=data, source=RevocationSource.FETCHED, source_url=url)
            report["fetched"] += 1
            report["new"] += RevocationList.objects.count() - before
        except (OSError, ValueError, TrustMaterialError) as exc:  # requests errors are OSError subclasses
            logger.warning("CRL refresh failed for %s: %s", url, exc)
            report["errors"].append(f"{url}: {exc}")
    return report
