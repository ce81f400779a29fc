"""PAdES verification of every signature and document timestamp of a PDF, in signing order."""
from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import io
import logging

from django.utils import timezone

from .. import conf
from .reasons import Reason
from .results import FileResult, classify_cms_status, embedded_certs, finish_record, iso, refine_chain_failure
from .truststore import PortalAlgorithmPolicy, TrustMaterial

logger = logging.getLogger(__name__)

__all__ = ["verify_pdf", "key_usage_constraints"]


def key_usage_constraints():
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    required = conf.required_key_usage()
    return KeyUsageConstraints(key_usage=set(required), match_all_key_usages=False)


def verify_pdf(content: bytes, material: TrustMaterial, *, etsi_report: bool = False) -> FileResult:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    result = FileResult(kind="pdf")
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        logger.info("unreadable PDF: %s", exc)
        result.file_code = Reason.CORRUPT_FILE
        result.evidence["error"] = str(exc)[:500]
        return result
    result.evidence["revisions"] = reader.xrefs.total_revisions
    asyncio.run(_verify_all(embedded, material, result, etsi_report=etsi_report))
    return result


async def _verify_all(embedded, material: TrustMaterial, result: FileResult, *, etsi_report: bool) -> None:
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature, async_validate_pdf_timestamp
    from pyhanko.sign.validation.utils import CMSAlgorithmUsagePolicy

    now = timezone.now()
    algorithm_policy = CMSAlgorithmUsagePolicy.lift_policy(PortalAlgorithmPolicy())
    reports = []
    carried_all = [embedded_certs(emb.signed_data) for emb in embedded]
    shareable = _context_shareable(embedded, carried_all)
    shared = None
    for number, emb in enumerate(embedded, start=1):
        is_timestamp = emb.sig_object_type == "/DocTimeStamp"
        evidence = _signature_evidence(emb)
        carried = carried_all[number - 1]
        try:
            # One validation context per signature, for the signer and its timestamps alike (h17:
            # building one costs as much as a quarter of the check) -- or one for the file when
            # that cannot change any result (``_context_shareable``, ``_context_unchanged``).
            if shared is not None and _context_unchanged(*shared):
                context = shared[0]
            else:
                context = material.validation_context(other_certs=carried)
                shared = (context, frozenset(context.certificate_registry.certs)) if shareable else None
            if is_timestamp:
                status = await async_validate_pdf_timestamp(emb, validation_context=context)
            else:
                status = await async_validate_pdf_signature(
                    emb,
                    signer_validation_context=context,
                    ts_validation_context=context,
                    key_usage_settings=key_usage_constraints(),
                    algorithm_policy=algorithm_policy,
                )
            record = classify_cms_status(status, now=now)
            await refine_chain_failure(record, status, material, carried)
            if is_timestamp:
                record["timestamp_time"] = iso(status.timestamp)
                record["signing_time"] = iso(status.timestamp)
                # A document timestamp's TSA certificate has no nonRepudiation by design.
                if record["reason_code"] == Reason.KEY_USAGE:
                    record["key_usage_ok"] = True
                    record["reason_code"] = Reason.VALID if status.trusted else Reason.UNTRUSTED
        except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
            logger.info("signature %s unreadable: %s", number, exc)
            record = {"signer": "", "signing_time": None, "intact": False, "trusted": False, "revoked": False,
                      "expired": False, "coverage": None, "modified_after_signing": False,
                      "reason_code": _exception_code(exc), "error": str(exc)[:500]}
            status = None
        record["type"] = "timestamp" if is_timestamp else "signature"
        record["field"] = emb.field_name
        finish_record(record, number)
        result.signatures.append(record)
        evidence["chain"] = record.pop("chain", [])
        evidence["revocation_data"] = {
            "crls": material.crls_for(_issuer_names(evidence["chain"])),
            "ocsp": [{"id": pk, "sha256": sha} for pk, sha in material.ocsp_ids],
        }
        result.evidence.setdefault("signatures", []).append(evidence)
        if etsi_report and status is not None and not is_timestamp and etsi_report_available():
            report = await _etsi_report(emb, material)
            if report:
                reports.append(report)
    if reports:
        result.etsi_report = "\n".join(reports)
    elif etsi_report and not etsi_report_available():
        result.evidence["etsi_report_unavailable"] = "xsdata is not installed (pyHanko extra 'etsi')"


def _context_shareable(embedded, carried_all) -> bool:
    """
    Whether the signatures of a file may share one validation context (h17: a second context
    repeats the chain and CRL checks of the CA certificates). Only when a context of its own
    would hold exactly the same: every signature an ordinary /Sig carrying the same certificates
    (same registry, same order), no time-stamp anywhere (no proof of existence learnt from one
    signature for another), and not soft-fail (no soft-fail exceptions carried over).
    """
    if len(embedded) < 2 or conf.revocation_mode() == "soft-fail":
        return False
    first = [c.dump() for c in carried_all[0]]
    for emb, carried in zip(embedded, carried_all):
        if emb.sig_object_type != "/Sig" or [c.dump() for c in carried] != first:
            return False
        try:
            signer_info = emb.signer_info
            oids = _attr_oids(signer_info["unsigned_attrs"]) | _attr_oids(signer_info["signed_attrs"])
        except (ValueError, KeyError, TypeError, AttributeError):
            return False
        if oids & _TIMESTAMP_ATTRS:
            return False
    return True


# signature-time-stamp-token (RFC 3161 unsigned attribute), content-time-stamp (ETSI signed attribute)
_TIMESTAMP_ATTRS = frozenset({"1.2.840.113549.1.9.16.2.14", "1.2.840.113549.1.9.16.2.20"})


def _attr_oids(attrs) -> set[str]:
    from asn1crypto import core

    if attrs is None or isinstance(attrs, core.Void):
        return set()
    return {a["type"].dotted for a in attrs}


def _context_unchanged(context, registered) -> bool:
    """The shared context learnt nothing a fresh one would not hold (registry, soft-fail errors)."""
    return frozenset(context.certificate_registry.certs) == registered and not context.soft_fail_exceptions


def _exception_code(exc) -> str:
    from pyhanko.sign.validation.errors import DisallowedAlgorithmError

    if isinstance(exc, DisallowedAlgorithmError):
        return Reason.ALGORITHM
    return Reason.MALFORMED_SIGNATURE


def _issuer_names(chain: list[dict]) -> set[str]:
    """Issuer names (RFC 4514) of the certificates in the chain, to select the CRLs used."""
    names = set()
    for link in chain:
        name = _issuer_text(link["der_b64"])
        if name is not None:
            names.add(name)
    return names


@functools.lru_cache(maxsize=512)
def _issuer_text(der_b64: str) -> str | None:
    # A pure function of the certificate's bytes; the same CA certificates come back on every
    # document (h17: decoding them again cost more than the CRL selection itself).
    from cryptography import x509

    from .parsing import name_to_text

    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(der_b64))
    except ValueError:
        return None
    return name_to_text(cert.issuer)


def _signature_evidence(emb) -> dict:
    cms = emb.pkcs7_content
    try:
        byte_range = [int(x) for x in emb.sig_object["/ByteRange"]]
    except (KeyError, TypeError, ValueError):
        byte_range = []
    return {
        "field": emb.field_name,
        "type": emb.sig_object_type,
        "byte_range": byte_range,
        "signed_revision": emb.signed_revision,
        "cms_sha256": hashlib.sha256(cms).hexdigest(),
        "cms_b64": base64.b64encode(cms).decode(),
    }


def etsi_report_available() -> bool:
    """pyHanko's report generator needs xsdata (the pyHanko "etsi" extra)."""
    import importlib.util

    return importlib.util.find_spec("xsdata") is not None


def etsi_report_build(content: bytes, material: TrustMaterial, *, at=None) -> str:
    """
    The ETSI TS 119 102-2 reports of every signature of a stored PDF, as of ``at`` (the time of
    its verification): built after the verification, by a low-priority task (h17), from the
    same bytes. "" when nothing could be reported.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(content), strict=False)
    embedded = [e for e in reader.embedded_signatures if e.sig_object_type != "/DocTimeStamp"]

    async def build():
        reports = []
        for emb in embedded:
            report = await _etsi_report(emb, material, at=at)
            if report:
                reports.append(report)
        return "\n".join(reports)

    return asyncio.run(build())


async def _etsi_report(emb, material: TrustMaterial, *, at=None) -> str:
    """ETSI TS 119 102-2 report from pyHanko's AdES basic validation (works on B-B signatures)."""
    try:
        from pyhanko.sign.validation import ades
        from pyhanko.sign.validation.policy_decl import LocalKnowledge, SignatureValidationSpec
        from pyhanko.sign.validation.report.tools import generate_report
        from pyhanko_certvalidator.context import CertValidationPolicySpec
        from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy
        from pyhanko_certvalidator.registry import SimpleTrustManager
        from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer

        spec = SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=list(material.anchors)),
                revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy.from_legacy(conf.revocation_mode())),
                algorithm_usage_policy=PortalAlgorithmPolicy(),
            ),
            local_knowledge=LocalKnowledge(
                known_certs=list(material.intermediates),
                known_crls=[CRLContainer(c.crl) for c in material.crls],
                known_ocsps=[OCSPContainer.load_multi(o)[0] for o in material.ocsps] if material.ocsps else [],
            ),
            key_usage_settings=key_usage_constraints(),
        )
        timing = None
        if at is not None:  # as of the verification, not of the (later) report
            from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

            timing = ValidationTimingInfo(validation_time=at, best_signature_time=at, point_in_time_validation=True)
        status = await ades.ades_basic_validation(emb.signed_data, spec, raw_digest=emb.compute_digest(),
                                                  timing_info=timing)
        return generate_report(emb, status)
    except Exception:  # noqa: BLE001 - the report is extra evidence; its absence is recorded
        logger.warning("ETSI report not produced", exc_info=True)
        return ""
