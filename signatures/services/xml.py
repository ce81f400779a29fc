"""
Enveloped XML-DSig verification (edXML). Untrusted XML is parsed with DTDs and entities
refused; signxml checks the signature value and references (pinned: one reference,
``URI=""``, SHA-2 only); the signer chain and its revocation are checked with
pyhanko-certvalidator against the portal's trust store, because signxml does no revocation
checking. Only ``signed_content`` (what signxml returns as signed) may be used afterwards:
re-reading the input would expose the caller to signature wrapping.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import logging

from cryptography import x509
from django.utils import timezone
from lxml import etree

from ..choices import SignedFileKind
from .reasons import Reason
from .results import FileResult, certificate_summary, check_chain, finish_record
from .truststore import TrustMaterial

logger = logging.getLogger(__name__)

__all__ = ["verify_xml", "safe_parser", "parse_untrusted_xml", "UnsafeXML"]

DS = "http://www.w3.org/2000/09/xmldsig#"


class UnsafeXML(ValueError):
    pass


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False,
        remove_pis=False,
    )


def parse_untrusted_xml(content: bytes) -> etree._Element:
    """Parse, refusing any DTD (hence XXE and entity expansion); raises UnsafeXML."""
    import defusedxml
    import defusedxml.ElementTree

    try:
        # defusedxml refuses DOCTYPE, entity declarations and external references outright.
        defusedxml.ElementTree.fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        root = etree.fromstring(content, parser=safe_parser())
    except (defusedxml.DefusedXmlException, etree.XMLSyntaxError, ValueError) as exc:
        raise UnsafeXML(str(exc)) from exc
    if root.getroottree().docinfo.internalDTD is not None or root.getroottree().docinfo.doctype:
        raise UnsafeXML("document type declaration")
    return root


def _signer_certs(signature: etree._Element) -> list[x509.Certificate]:
    out = []
    for node in signature.iterfind(f".//{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate"):
        out.append(x509.load_der_x509_certificate(base64.b64decode("".join((node.text or "").split()))))
    return out


def _pick_leaf(certs: list[x509.Certificate]) -> x509.Certificate:
    subjects_issuing = {c.issuer for c in certs}
    leaves = [c for c in certs if c.subject not in subjects_issuing or c.subject == c.issuer and len(certs) == 1]
    return leaves[0] if leaves else certs[0]


def verify_xml(content: bytes, material: TrustMaterial) -> FileResult:
    from signxml import InvalidInput, InvalidSignature, SignatureConfiguration, XMLVerifier
    from signxml.algorithms import DigestAlgorithm, SignatureMethod

    result = FileResult(kind=SignedFileKind.XML)
    try:
        root = parse_untrusted_xml(content)
    except UnsafeXML as exc:
        result.file_code = Reason.XML_UNSAFE
        result.evidence["error"] = str(exc)[:500]
        return result
    signatures = root.findall(f".//{{{DS}}}Signature")
    if not signatures:
        return result  # unsigned
    signature = signatures[0]
    record: dict = {"type": "signature", "coverage": "entire_document", "modified_after_signing": False,
                    "signing_time": None, "revoked": False, "expired": False, "trusted": False, "intact": False}
    try:
        certs = _signer_certs(signature)
    except ValueError:
        certs = []
    if not certs:
        record.update(reason_code=Reason.MALFORMED_SIGNATURE, signer="")
        result.signatures.append(finish_record(record, 1))
        return result
    leaf = _pick_leaf(certs)
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    leaf_asn1 = asn1_x509.Certificate.load(leaf.public_bytes(Encoding.DER))
    record.update(certificate_summary(leaf_asn1))
    refs = signature.findall(f"./{{{DS}}}SignedInfo/{{{DS}}}Reference")
    # Enveloped edXML signatures sign the whole document: exactly one reference, URI="".
    if len(signatures) != 1 or len(refs) != 1 or refs[0].get("URI") != "" or signature.getparent() is not root:
        record["reason_code"] = Reason.XML_REFERENCE
        result.signatures.append(finish_record(record, 1))
        return result
    config = SignatureConfiguration(
        require_x509=True,
        location="./",
        expect_references=1,
        signature_methods=frozenset(m for m in SignatureMethod if "SHA1" not in m.name and "MD5" not in m.name),
        digest_algorithms=frozenset(d for d in DigestAlgorithm if "SHA1" not in d.name),
    )
    try:
        verified = XMLVerifier().verify(content, x509_cert=leaf, expect_config=config, parser=safe_parser())
    except (InvalidSignature, InvalidInput) as exc:
        record["reason_code"] = Reason.SIGNATURE_BROKEN
        record["error"] = str(exc)[:500]
        result.signatures.append(finish_record(record, 1))
        return result
    record["intact"] = True
    result.signed_content = etree.tostring(verified.signed_xml)
    intermediates = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in certs if c is not leaf]
    code, path = asyncio.run(check_chain(leaf_asn1, intermediates, material))
    record["trusted"] = code == Reason.VALID
    record["revoked"] = code == Reason.REVOKED
    now = timezone.now()
    record["expired"] = leaf.not_valid_after_utc < now
    record["not_yet_valid"] = leaf.not_valid_before_utc > now
    record["reason_code"] = code
    from .results import chain_summary

    chain = chain_summary(path)
    result.signatures.append(finish_record(record, 1))
    from .pdf import _issuer_names

    result.evidence["signatures"] = [
        {
            "signature_sha256": hashlib.sha256(etree.tostring(signature)).hexdigest(),
            "signed_content_sha256": hashlib.sha256(result.signed_content).hexdigest(),
            "chain": chain,
            "revocation_data": {"crls": material.crls_for(_issuer_names(chain))},
        }
    ]
    return result
