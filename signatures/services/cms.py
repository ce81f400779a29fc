"""Detached CMS (.p7s) verification over any file, with the same trust store as PDFs."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import logging

from asn1crypto import cms, pem
from django.utils import timezone

from ..choices import SignedFileKind
from .pdf import key_usage_constraints
from .reasons import Reason
from .results import FileResult, classify_cms_status, embedded_certs, finish_record, refine_chain_failure
from .truststore import PortalAlgorithmPolicy, TrustMaterial

logger = logging.getLogger(__name__)

__all__ = ["verify_detached_cms", "load_signed_data"]


def load_signed_data(p7s: bytes) -> cms.SignedData:
    """A CMS SignedData from DER or PEM ("PKCS7"/"CMS" armour); raises ValueError otherwise."""
    if pem.detect(p7s):
        _type, _headers, p7s = pem.unarmor(p7s)
    info = cms.ContentInfo.load(p7s)
    if info["content_type"].native != "signed_data":
        raise ValueError("not a CMS SignedData")
    signed_data = info["content"]
    signed_data.native  # force a full parse now: malformed input fails here, not mid-validation
    if len(signed_data["signer_infos"]) == 0:
        raise ValueError("no SignerInfo")
    return signed_data


def verify_detached_cms(content: bytes, p7s: bytes, material: TrustMaterial) -> FileResult:
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko.sign.validation.utils import CMSAlgorithmUsagePolicy

    result = FileResult(kind=SignedFileKind.CMS)
    try:
        signed_data = load_signed_data(p7s)
    except (ValueError, TypeError, KeyError) as exc:
        record = {"signer": "", "signing_time": None, "intact": False, "trusted": False, "revoked": False,
                  "expired": False, "coverage": None, "modified_after_signing": False,
                  "reason_code": Reason.MALFORMED_SIGNATURE, "error": str(exc)[:500], "type": "signature"}
        result.signatures.append(finish_record(record, 1))
        return result
    embedded = embedded_certs(signed_data)
    try:
        async def _validate():
            st = await async_validate_detached_cms(
                content,
                signed_data,
                signer_validation_context=material.validation_context(other_certs=embedded),
                ts_validation_context=material.validation_context(other_certs=embedded),
                key_usage_settings=key_usage_constraints(),
                algorithm_policy=CMSAlgorithmUsagePolicy.lift_policy(PortalAlgorithmPolicy()),
            )
            rec = classify_cms_status(st, now=timezone.now())
            await refine_chain_failure(rec, st, material, embedded)
            return rec

        record = asyncio.run(_validate())
    except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        from .pdf import _exception_code

        record = {"signer": "", "signing_time": None, "intact": False, "trusted": False, "revoked": False,
                  "expired": False, "coverage": None, "modified_after_signing": False,
                  "reason_code": _exception_code(exc), "error": str(exc)[:500]}
    record["type"] = "signature"
    record["coverage"] = "entire_content"
    chain = record.pop("chain", [])
    result.signatures.append(finish_record(record, 1))
    from .pdf import _issuer_names

    result.evidence["signatures"] = [
        {
            "cms_sha256": hashlib.sha256(p7s).hexdigest(),
            "cms_b64": base64.b64encode(p7s).decode(),
            "chain": chain,
            "revocation_data": {
                "crls": material.crls_for(_issuer_names(chain)),
                "ocsp": [{"id": pk, "sha256": sha} for pk, sha in material.ocsp_ids],
            },
        }
    ]
    return result
