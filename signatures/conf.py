"""
Settings of the signatures app (their defaults are in egov/settings/base.py, the one place a
default is written). See docs/signatures.md for the list.
"""
from __future__ import annotations

from django.conf import settings


def revocation_mode() -> str:
    """"hard-fail" (default), "soft-fail" or "require" (pyhanko-certvalidator modes)."""
    return settings.SIGNATURES_REVOCATION_MODE


def min_rsa_bits() -> int:
    return int(settings.SIGNATURES_MIN_RSA_BITS)


def min_ec_bits() -> int:
    return int(settings.SIGNATURES_MIN_EC_BITS)


def accepted_digests() -> frozenset[str]:
    return frozenset(settings.SIGNATURES_ACCEPTED_DIGESTS)


def required_key_usage() -> frozenset[str]:
    """Key usages the signer certificate must have (any of them). Default: nonRepudiation."""
    return frozenset(settings.SIGNATURES_REQUIRED_KEY_USAGE)


def network_fetch_enabled() -> bool:
    """CRL refresh from distribution points. Off by default; the operator turns it on."""
    return bool(settings.SIGNATURES_NETWORK_FETCH)


def fetch_timeout() -> float:
    return float(settings.SIGNATURES_FETCH_TIMEOUT)


def fetch_max_bytes() -> int:
    return int(settings.SIGNATURES_FETCH_MAX_BYTES)


def etsi_report_enabled() -> bool:
    """Store an ETSI TS 119 102-2 report with stored PDF verifications (costs a second pass)."""
    return bool(settings.SIGNATURES_ETSI_REPORT)


def key_secrets() -> dict[str, str]:
    """
    Passphrases and PINs of the organisation signing keys, by secret name. They live in the
    environment (``SIGNATURES_SECRET_<NAME>``) or in this setting, never in the database.
    """
    return dict(settings.SIGNATURES_KEY_SECRETS)


def ticket_ttl_seconds() -> int:
    return int(settings.SIGNATURES_TICKET_TTL)


def max_file_bytes() -> int:
    return int(settings.SIGNATURES_MAX_FILE_BYTES)


def stamp_font_path() -> str | None:
    return settings.SIGNATURES_STAMP_FONT


def seal_image_path() -> str | None:
    return settings.SIGNATURES_SEAL_IMAGE
