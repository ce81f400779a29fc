"""
Turning pyHanko / certvalidator statuses into the portal's per-signature records and one
verdict per file. The record keys are the JSON schema documented in docs/signatures.md.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass, field

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import NameOID
from django.utils import timezone

from .. import conf
from ..choices import Verdict
from .reasons import Reason, both, verdict_of

__all__ = ["FileResult", "certificate_summary", "check_chain", "classify_cms_status", "finish_record", "overall",
           "refine_chain_failure"]

VN_TZ = dt.timezone(dt.timedelta(hours=7))

_UNTRUSTED = {"NO_CERTIFICATE_CHAIN_FOUND", "NO_SIGNING_CERTIFICATE_FOUND", "NO_CERTIFICATE_CHAIN_FOUND_NO_POE"}
_REVOKED = {"REVOKED_NO_POE", "REVOKED_CA_NO_POE", "REVOKED"}
_EXPIRED = {"OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED", "EXPIRED"}
_REVOCATION = {"TRY_LATER", "REVOCATION_OUT_OF_BOUNDS_NO_POE"}
_ALGORITHM = {"CRYPTO_CONSTRAINTS_FAILURE", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"}


@dataclass
class FileResult:
    """What one verifier (PDF, CMS, XML) found in one file."""

    kind: str
    signatures: list[dict] = field(default_factory=list)
    file_code: str | None = None  # set when the file as a whole failed (corrupt, unsigned…)
    evidence: dict = field(default_factory=dict)
    etsi_report: str = ""
    signed_content: bytes | None = None  # XML: the signed document as signxml returned it


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 in Vietnam time (+07:00), the form NĐ 30 uses."""
    if value is None:
        return None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(VN_TZ).isoformat()


def certificate_summary(cert: asn1_x509.Certificate | None) -> dict:
    """Signer facts read with ``cryptography`` from the asn1crypto certificate."""
    if cert is None:
        return {"signer": "", "organisation": "", "uids": [], "certificate_sha256": ""}
    der = cert.dump()
    c = x509.load_der_x509_certificate(der)
    attrs = lambda oid: [str(a.value) for a in c.subject.get_attributes_for_oid(oid)]  # noqa: E731
    from .parsing import name_to_text, public_key_description, _key_usage

    return {
        "signer": ", ".join(attrs(NameOID.COMMON_NAME)) or name_to_text(c.subject),
        "organisation": ", ".join(attrs(NameOID.ORGANIZATION_NAME)),
        "uids": attrs(NameOID.USER_ID),
        "subject": name_to_text(c.subject),
        "issuer": name_to_text(c.issuer),
        "serial": format(c.serial_number, "x"),
        "certificate_sha256": hashlib.sha256(der).hexdigest(),
        "not_before": iso(c.not_valid_before_utc),
        "not_after": iso(c.not_valid_after_utc),
        "key_usage": _key_usage(c),
        "public_key": public_key_description(c.public_key()),
    }


def chain_summary(path) -> list[dict]:
    """The validation path, leaf first, as subject + SHA-256 (+ DER base64 for the evidence)."""
    if path is None:
        return []
    out = []
    try:
        certs = list(path.iter_certs(include_root=True))
    except Exception:  # noqa: BLE001 - attribute-certificate paths etc.
        return []
    for cert in reversed(certs):
        der = cert.dump()
        out.append(
            {
                "subject": cert.subject.human_friendly,
                "sha256": hashlib.sha256(der).hexdigest(),
                "der_b64": base64.b64encode(der).decode(),
            }
        )
    return out


def embedded_certs(signed_data) -> list:
    """Certificates carried in a CMS SignedData besides the signer's (chain building help)."""
    from pyhanko.sign.general import extract_certificate_info

    fast = _embedded_certs_fast(signed_data)
    if fast is not None:
        return fast
    try:
        return list(extract_certificate_info(signed_data).other_certs)
    except (ValueError, KeyError, TypeError):
        return []


def _embedded_certs_fast(signed_data) -> list | None:
    """
    ``extract_certificate_info(...).other_certs`` without comparing the signer's issuer name with
    every carried certificate (h17: RFC 5280 name matching is the dearest part of it): a
    certificate whose serial number differs from the signer identifier's cannot be the signer's,
    so only those with the same serial get pyHanko's own ``match_issuer_serial``. None: let
    pyHanko do it (a subject-key-identifier signer, no single signer info, anything unusual).
    """
    from pyhanko.sign.general import match_issuer_serial

    try:
        (signer_info,) = signed_data["signer_infos"]
        sid = signer_info["sid"]
        if sid.name != "issuer_and_serial_number":
            return None
        wanted = sid.chosen["serial_number"].native
        certs = [c.chosen.untag() for c in signed_data["certificates"] if c.name == "certificate"]
        signer, others = None, []
        for cert in certs:
            if cert["tbs_certificate"]["serial_number"].native == wanted and match_issuer_serial(sid.chosen, cert):
                signer = cert
            else:
                others.append(cert)
    except (ValueError, KeyError, TypeError):
        return None
    return others if signer is not None else None


def _indic_name(status) -> str:
    indic = getattr(status, "trust_problem_indic", None)
    return indic.name if indic is not None else ""


def _cert_time_state(cert: asn1_x509.Certificate | None, now: dt.datetime) -> tuple[bool, bool]:
    if cert is None:
        return False, False
    validity = cert["tbs_certificate"]["validity"]
    nb, na = validity["not_before"].native, validity["not_after"].native
    return now > na, now < nb


def classify_cms_status(status, *, now: dt.datetime | None = None) -> dict:
    """
    Per-signature facts and reason code from a pyHanko CMS/PDF status. The order of checks
    decides which reason is reported when several apply: integrity first, then permanent
    failures, then what more trust information could change.
    """
    now = now or timezone.now()
    cert = getattr(status, "signing_cert", None)
    expired, not_yet_valid = _cert_time_state(cert, now)
    indic = _indic_name(status)
    ku_required = conf.required_key_usage()
    signer = certificate_summary(cert)
    cert_ku = set(signer.get("key_usage", [])) if cert is not None else set()
    key_usage_ok = not ku_required or bool(ku_required & cert_ku)
    md = getattr(status, "md_algorithm", None)
    algorithms_ok = indic not in _ALGORITHM and (md is None or md in conf.accepted_digests())
    coverage = getattr(status, "coverage", None)
    modification = getattr(status, "modification_level", None)
    docmdp_ok = getattr(status, "docmdp_ok", None)
    ts = getattr(status, "timestamp_validity", None)
    mod_name = modification.name if modification is not None else None
    modified = bool(mod_name and mod_name not in ("NONE", "LTA_UPDATES", "FORM_FILLING")) or docmdp_ok is False

    if not status.intact or not status.valid:
        code = Reason.SIGNATURE_BROKEN
    elif modified:
        code = Reason.MODIFIED_AFTER_SIGNING
    elif coverage is not None and coverage.name not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
        code = Reason.PARTIAL_COVERAGE
    elif not algorithms_ok:
        code = Reason.ALGORITHM
    elif not key_usage_ok:
        code = Reason.KEY_USAGE
    elif not_yet_valid:
        code = Reason.NOT_YET_VALID
    elif ts is not None and not (ts.intact and ts.valid):
        code = Reason.TIMESTAMP_BROKEN
    elif status.revoked or indic in _REVOKED:
        code = Reason.REVOKED
    elif status.trusted:
        code = Reason.VALID if (ts is None or ts.trusted) else Reason.TIMESTAMP_UNTRUSTED
    elif indic in _EXPIRED or expired:
        code = Reason.EXPIRED
    elif indic in _UNTRUSTED:
        code = Reason.UNTRUSTED
    elif indic in _REVOCATION or _revocation_problem(status):
        code = Reason.REVOCATION_UNKNOWN
    elif indic == "CHAIN_CONSTRAINTS_FAILURE":
        code = Reason.KEY_USAGE if not key_usage_ok else Reason.CHAIN_FAILURE
    else:
        code = Reason.CHAIN_FAILURE

    record = {
        **signer,
        "signing_time": iso(getattr(status, "signer_reported_dt", None)),
        "timestamp_time": iso(ts.timestamp) if ts is not None else None,
        "timestamp_trusted": bool(ts.trusted) if ts is not None else None,
        "intact": bool(status.intact and status.valid),
        "trusted": bool(status.trusted),
        "revoked": bool(status.revoked) or indic in _REVOKED,
        "expired": expired,
        "not_yet_valid": not_yet_valid,
        "key_usage_ok": key_usage_ok,
        "algorithms_ok": algorithms_ok,
        "digest_algorithm": md,
        "signature_algorithm": _sig_algo(status),
        "coverage": coverage.name.lower() if coverage is not None else "entire_content",
        "modification_level": mod_name.lower() if mod_name else None,
        "modified_after_signing": modified,
        "ades_indication": indic or None,
        "chain": chain_summary(getattr(status, "validation_path", None)),
        "revocation": _revocation_details(status),
        "reason_code": code,
    }
    return record


def _revocation_problem(status) -> bool:
    from pyhanko_certvalidator.errors import InsufficientRevinfoError

    details = getattr(status, "revocation_details", None)
    return isinstance(getattr(status, "_error", None), InsufficientRevinfoError) or (
        details is None and "REVOCATION" in _indic_name(status)
    )


def _revocation_details(status) -> dict | None:
    details = getattr(status, "revocation_details", None)
    if details is None:
        return None
    return {
        "ca_revoked": details.ca_revoked,
        "revocation_date": iso(details.revocation_date),
        "reason": details.revocation_reason.native if details.revocation_reason is not None else None,
    }


def _sig_algo(status) -> str | None:
    try:
        return status.pkcs7_signature_mechanism
    except AttributeError:
        return None


def finish_record(record: dict, number: int) -> dict:
    """Add status and the rendered reasons to a per-signature record (1-based ``number``)."""
    code = record["reason_code"]
    record["index"] = number
    record["status"] = verdict_of(code)
    record["reason_vi"], record["reason_en"] = both(code, number=number, signer=record.get("signer", ""))
    return record


def overall(result: FileResult) -> tuple[str, str, str, str]:
    """(verdict, reason_code, reason_vi, reason_en) for the whole file."""
    if result.file_code is not None:
        code = result.file_code
        vi, en = both(code)
        return verdict_of(code), code, vi, en
    sigs = result.signatures
    if not sigs:
        vi, en = both(Reason.UNSIGNED)
        return Verdict.UNSIGNED, Reason.UNSIGNED, vi, en
    for wanted in (Verdict.INVALID, Verdict.INDETERMINATE):
        for s in sigs:
            if s["status"] == wanted:
                return wanted, s["reason_code"], s["reason_vi"], s["reason_en"]
    if len(sigs) == 1:
        return Verdict.VALID, Reason.VALID, sigs[0]["reason_vi"], sigs[0]["reason_en"]
    vi, en = both(Reason.VALID, count=len(sigs))
    return Verdict.VALID, Reason.VALID, vi, en


async def check_chain(leaf, intermediates, material):
    """Chain, validity, key usage and revocation of the XML signer; returns (reason, path)."""
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import (
        DisallowedAlgorithmError,
        ExpiredError,
        InsufficientRevinfoError,
        InvalidCertificateError,
        NotYetValidError,
        PathBuildingError,
        PathValidationError,
        RevokedError,
        ValidationError,
    )

    from .. import conf

    validator = CertificateValidator(
        leaf, intermediate_certs=intermediates, validation_context=material.validation_context()
    )
    try:
        path = await validator.async_validate_usage(key_usage=set(conf.required_key_usage()))
        return Reason.VALID, path
    except RevokedError:
        return Reason.REVOKED, None
    except ExpiredError:
        return Reason.EXPIRED, None
    except NotYetValidError:
        return Reason.NOT_YET_VALID, None
    except InsufficientRevinfoError:
        return Reason.REVOCATION_UNKNOWN, None
    except DisallowedAlgorithmError:
        return Reason.ALGORITHM, None
    except PathBuildingError:
        return Reason.UNTRUSTED, None
    except InvalidCertificateError:
        return Reason.KEY_USAGE, None
    except (PathValidationError, ValidationError):
        return Reason.CHAIN_FAILURE, None


async def refine_chain_failure(record: dict, status, material, other_certs=()) -> None:
    """
    pyHanko reports several chain problems with one generic sub-indication. When that is all
    we have, ask the certificate validator directly (same trust material) for the cause, so
    that e.g. missing revocation data is reported as such.
    """
    cert = getattr(status, "signing_cert", None)
    if record["reason_code"] != Reason.CHAIN_FAILURE or cert is None:
        return
    code, _path = await check_chain(cert, list(other_certs), material)
    if code != Reason.VALID:
        record["reason_code"] = code
