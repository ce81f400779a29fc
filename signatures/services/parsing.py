"""
Reading certificates, bundles and CRLs (PEM, DER, PKCS#7) with ``cryptography``, and the
facts the registry stores about a certificate. No network, no trust decisions here.
"""
from __future__ import annotations

import hashlib
import re

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import ExtensionOID, NameOID
from django.utils.translation import gettext_lazy as _

__all__ = [
    "TrustMaterialError",
    "load_certificates",
    "load_crl",
    "certificate_facts",
    "crl_facts",
    "sha256_hex",
    "public_key_description",
    "name_to_text",
]

_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)
_KEY_USAGE_NAMES = [
    "digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
    "key_cert_sign", "crl_sign",
]


class TrustMaterialError(ValueError):
    """The bytes are not a certificate, bundle or CRL we can read."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """All certificates in ``data``: PEM (one or many), DER, or a PKCS#7 bundle (PEM or DER)."""
    data = data.strip() if data.lstrip().startswith(b"-----") else data
    if b"-----BEGIN PKCS7-----" in data:
        try:
            return list(pkcs7.load_pem_pkcs7_certificates(data))
        except ValueError as exc:
            raise TrustMaterialError(_("Unreadable PKCS#7 bundle.")) from exc
    if b"-----BEGIN CERTIFICATE-----" in data:
        try:
            return [x509.load_pem_x509_certificate(m.group(0)) for m in _PEM_CERT.finditer(data)]
        except ValueError as exc:
            raise TrustMaterialError(_("Unreadable PEM certificate.")) from exc
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        pass
    try:
        return list(pkcs7.load_der_pkcs7_certificates(data))
    except ValueError as exc:
        raise TrustMaterialError(_("Not a certificate, a PEM file or a PKCS#7 bundle.")) from exc


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(data.strip())
        return x509.load_der_x509_crl(data)
    except ValueError as exc:
        raise TrustMaterialError(_("Not a certificate revocation list (PEM or DER).")) from exc


def name_to_text(name: x509.Name) -> str:
    """RFC 4514 text with readable UTF-8 (cryptography escapes nothing we need)."""
    return name.rfc4514_string({NameOID.USER_ID: "UID"})


def _attrs(name: x509.Name, oid) -> list[str]:
    return [str(a.value) for a in name.get_attributes_for_oid(oid)]


def public_key_description(key) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA-{key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC-{key.curve.key_size}"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448"
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA-{key.key_size}"
    return type(key).__name__


def _key_usage(cert: x509.Certificate) -> list[str]:
    try:
        ku = cert.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value
    except x509.ExtensionNotFound:
        return []
    names = [n for n in _KEY_USAGE_NAMES if getattr(ku, n)]
    # "content_commitment" is nonRepudiation; keep the name people know.
    return ["non_repudiation" if n == "content_commitment" else n for n in names]


def _ext_key_usage(cert: x509.Certificate) -> list[str]:
    try:
        eku = cert.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE).value
    except x509.ExtensionNotFound:
        return []
    return [oid.dotted_string for oid in eku]


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca)
    except x509.ExtensionNotFound:
        return False


def certificate_facts(cert: x509.Certificate) -> dict:
    """The registry columns of ``cert`` (see ``signatures.models.Certificate``)."""
    der = cert.public_bytes(serialization.Encoding.DER)
    subject = cert.subject
    return {
        "der": der,
        "sha256": sha256_hex(der),
        "subject": name_to_text(subject)[:1000],
        "common_name": ", ".join(_attrs(subject, NameOID.COMMON_NAME))[:255],
        "organisation": ", ".join(_attrs(subject, NameOID.ORGANIZATION_NAME))[:255],
        "issuer": name_to_text(cert.issuer)[:1000],
        "serial_hex": format(cert.serial_number, "x"),
        "not_before": cert.not_valid_before_utc,
        "not_after": cert.not_valid_after_utc,
        "key_usage": _key_usage(cert),
        "extended_key_usage": _ext_key_usage(cert),
        # The UID attribute (0.9.2342.19200300.100.1.1) carries "CCCD:…", "MST:…"; several are allowed.
        "uids": _attrs(subject, NameOID.USER_ID),
        "is_ca": _is_ca(cert),
        "public_key": public_key_description(cert.public_key()),
    }


def crl_facts(crl: x509.CertificateRevocationList, der: bytes) -> dict:
    try:
        number = str(crl.extensions.get_extension_for_oid(ExtensionOID.CRL_NUMBER).value.crl_number)
    except x509.ExtensionNotFound:
        number = ""
    try:
        aki = crl.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value.key_identifier
    except x509.ExtensionNotFound:
        aki = None
    return {
        "der": der,
        "sha256": sha256_hex(der),
        "issuer": name_to_text(crl.issuer)[:1000],
        "issuer_key_id": aki.hex() if aki else "",
        "this_update": crl.last_update_utc,
        "next_update": crl.next_update_utc,
        "crl_number": number,
        "entries": len(crl),
    }
