"""
Settings of the signatures app, read with defaults so the project settings only need to name
what they change. See docs/signatures.md for the list.
"""
from __future__ import annotations

from django.conf import settings


def revocation_mode() -> str:
    """"hard-fail" (default), "soft-fail" or "require" (pyhanko-certvalidator modes)."""
    return getattr(settings, "SIGNATURES_REVOCATION_MODE", "hard-fail")


def min_rsa_bits() -> int:
    return int(getattr(settings, "SIGNATURES_MIN_RSA_BITS", 2048))


def min_ec_bits() -> int:
    return int(getattr(settings, "SIGNATURES_MIN_EC_BITS", 256))


def accepted_digests() -> frozenset[str]:
    return frozenset(getattr(settings, "SIGNATURES_ACCEPTED_DIGESTS", ("sha256", "sha384", "sha512", "sha3_256",
                                                                        "sha3_384", "sha3_512")))


def required_key_usage() -> frozenset[str]:
    """Key usages the signer certificate must have (any of them). Default: nonRepudiation."""
    return frozenset(getattr(settings, "SIGNATURES_REQUIRED_KEY_USAGE", ("non_repudiation",)))


def network_fetch_enabled() -> bool:
    """CRL refresh from distribution points. Off by default; the operator turns it on."""
    return bool(getattr(settings, "SIGNATURES_NETWORK_FETCH", False))


def fetch_timeout() -> float:
    return float(getattr(settings, "SIGNATURES_FETCH_TIMEOUT", 15))


def fetch_max_bytes() -> int:
    return int(getattr(settings, "SIGNATURES_FETCH_MAX_BYTES", 64 * 1024 * 1024))


def etsi_report_enabled() -> bool:
    """Store an ETSI TS 119 102-2 report with stored PDF verifications (costs a second pass)."""
    return bool(getattr(settings, "SIGNATURES_ETSI_REPORT", True))


def key_secrets() -> dict[str, str]:
    """
    Passphrases and PINs of the organisation signing keys, by secret name. They live in the
    environment (``SIGNATURES_SECRET_<NAME>``) or in this setting, never in the database.
    """
    return dict(getattr(settings, "SIGNATURES_KEY_SECRETS", {}))


def ticket_ttl_seconds() -> int:
    return int(getattr(settings, "SIGNATURES_TICKET_TTL", 15 * 60))


def max_file_bytes() -> int:
    return int(getattr(settings, "SIGNATURES_MAX_FILE_BYTES", 50 * 1024 * 1024))


def stamp_font_path() -> str | None:
    return getattr(settings, "SIGNATURES_STAMP_FONT", None)


def seal_image_path() -> str | None:
    return getattr(settings, "SIGNATURES_SEAL_IMAGE", None)
