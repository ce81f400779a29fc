"""
Package signatures (XML-DSig, as edXML carries it in edXMLHeader/Signature).

What is signed is fixed by the edXML library (documents/edxml/signing.py): the inclusive
C14N of the envelope without its Signature. The Signature this module writes is a standard
XML-DSig element:

    <Signature xmlns="http://www.w3.org/2000/09/xmldsig#">
      <SignedInfo>
        <CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
        <SignatureMethod Algorithm="…rsa-sha256 | ecdsa-sha256"/>
        <Reference URI="#edXMLEnvelope">
          <Transforms><Transform enveloped-signature/><Transform c14n 1.0/></Transforms>
          <DigestMethod sha256/><DigestValue>SHA-256 of the signed bytes</DigestValue>
        </Reference>
      </SignedInfo>
      <SignatureValue>…</SignatureValue>
      <KeyInfo><X509Data><X509Certificate>…</X509Certificate></X509Data></KeyInfo>
    </Signature>

The signatures app's ``verify_xml`` expects a Signature on the document root covering the
whole document (URI=""), which is not where edXML puts it; so verification is done here with
``cryptography`` (the same primitives signxml uses): digest of the signed bytes, signature
value over the exclusive C14N of SignedInfo, and the signer's certificate either pinned by the
peer (``Peer.signing_certificate``) or chained to the portal's trust store (signatures app).
Attachments are outside the envelope and not covered (see docs/edxml.md); the request HMAC
covers the whole body in transit, and the files carry their own PAdES signatures.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.conf import settings
from lxml import etree

from documents.edxml.signing import safe_xml_parser

__all__ = ["PackageSigner", "SignatureCheck", "portal_signer", "verify_package_signature", "SigningConfigError"]

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
# Legacy algorithms real systems still sign with: verified, and reported as weak.
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
C14N_COMMENTS = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
REFERENCE_URI = "#edXMLEnvelope"


class SigningConfigError(RuntimeError):
    """The portal's signing key is configured but cannot be loaded."""


def _q(name: str) -> str:
    return f"{{{DS}}}{name}"


class PackageSigner:
    """The edXML signer hook (``Callable[[bytes], Element]``) for one private key and certificate."""

    def __init__(self, key, certificate: x509.Certificate, chain: list[x509.Certificate] | None = None):
        if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise SigningConfigError("Only RSA and ECDSA keys can sign packages.")
        self.key = key
        self.certificate = certificate
        self.chain = chain or []

    @classmethod
    def from_pkcs12(cls, data: bytes, password: bytes | None) -> PackageSigner:
        from cryptography.hazmat.primitives.serialization import pkcs12

        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
        if key is None or cert is None:
            raise SigningConfigError("The PKCS#12 file holds no key and certificate.")
        return cls(key, cert, list(extra or []))

    def __call__(self, signed_bytes: bytes) -> etree._Element:
        signature = etree.Element(_q("Signature"), nsmap={None: DS})
        info = etree.SubElement(signature, _q("SignedInfo"))
        etree.SubElement(info, _q("CanonicalizationMethod"), Algorithm=EXC_C14N)
        is_rsa = isinstance(self.key, rsa.RSAPrivateKey)
        etree.SubElement(info, _q("SignatureMethod"), Algorithm=RSA_SHA256 if is_rsa else ECDSA_SHA256)
        ref = etree.SubElement(info, _q("Reference"), URI=REFERENCE_URI)
        transforms = etree.SubElement(ref, _q("Transforms"))
        etree.SubElement(transforms, _q("Transform"), Algorithm=ENVELOPED)
        etree.SubElement(transforms, _q("Transform"), Algorithm=C14N)
        etree.SubElement(ref, _q("DigestMethod"), Algorithm=SHA256)
        etree.SubElement(ref, _q("DigestValue")).text = base64.b64encode(hashlib.sha256(signed_bytes).digest()).decode()
        to_sign = etree.tostring(info, method="c14n", exclusive=True, with_comments=False)
        if is_rsa:
            value = self.key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
        else:
            from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

            r, s = decode_dss_signature(self.key.sign(to_sign, ec.ECDSA(hashes.SHA256())))
            size = (self.key.curve.key_size + 7) // 8
            value = r.to_bytes(size, "big") + s.to_bytes(size, "big")  # XML-DSig wants r||s, not DER
        etree.SubElement(signature, _q("SignatureValue")).text = base64.b64encode(value).decode()
        data = etree.SubElement(etree.SubElement(signature, _q("KeyInfo")), _q("X509Data"))
        for cert in [self.certificate, *self.chain]:
            etree.SubElement(data, _q("X509Certificate")).text = base64.b64encode(
                cert.public_bytes(serialization.Encoding.DER)).decode()
        return signature


@lru_cache(maxsize=4)
def _load_portal_signer(path: str, password: str) -> PackageSigner:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        return PackageSigner.from_pkcs12(data, password.encode() if password else None)
    except (OSError, ValueError) as exc:
        raise SigningConfigError(f"FEDERATION_SIGNING_PKCS12 {path} cannot be loaded: {exc}") from exc


def portal_signer() -> PackageSigner | None:
    """The portal's package signer (FEDERATION_SIGNING_PKCS12 + _PASSWORD), or None when not configured."""
    path = settings.FEDERATION_SIGNING_PKCS12
    if not path:
        return None
    return _load_portal_signer(path, settings.FEDERATION_SIGNING_PASSWORD)


@dataclass
class SignatureCheck:
    """Outcome of a package signature check; ``code`` is "valid" or the reason it is not."""

    valid: bool
    code: str
    message: str
    signer: str = ""
    certificate_sha256: str = ""
    weak: list[str] | None = None  # legacy algorithms the (valid) signature uses


# Outcomes that mean "this signature cannot be checked here" rather than "this package was changed":
# recorded as a warning (not verifiable) unless the peer requires signed packages.
UNVERIFIABLE = {"signature_placeholder", "signature_malformed", "signature_algorithm", "signature_reference",
                "signature_unverifiable", "signature_untrusted"}


def _fail(code: str, message: str, signer: str = "", fp: str = "") -> SignatureCheck:
    return SignatureCheck(False, code, message, signer, fp)


def verify_package_signature(*, signature_xml: bytes, signed_bytes: bytes, pinned_pem: str = "") -> SignatureCheck:
    """
    Check an edXML package signature. With ``pinned_pem`` the signer's certificate must be
    that certificate; without it, the certificate must chain to the trust store (signatures app,
    with revocation as configured there).
    """
    try:
        sig = etree.fromstring(signature_xml, parser=safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        return _fail("signature_malformed", f"The Signature element is not well-formed: {exc}")
    if etree.QName(sig).localname == "Signature" and etree.QName(sig).namespace != DS:
        return _fail("signature_placeholder", "The Signature element is not in the XML-DSig namespace (a placeholder "
                                              "written by the sender's software).")
    if sig.tag != _q("Signature"):
        return _fail("signature_malformed", "The Signature element is not an XML-DSig Signature.")
    info = sig.find(_q("SignedInfo"))
    refs = info.findall(_q("Reference")) if info is not None else []
    if info is None or len(refs) != 1:
        return _fail("signature_malformed", "The signature must have one SignedInfo with exactly one Reference.")
    weak: list[str] = []
    c14n = info.find(_q("CanonicalizationMethod"))
    c14n_alg = c14n.get("Algorithm") if c14n is not None else ""
    if c14n_alg not in (EXC_C14N, C14N, C14N_COMMENTS):
        return _fail("signature_algorithm", f"Unsupported canonicalisation method of SignedInfo {c14n_alg!r}.")
    if c14n_alg != EXC_C14N:
        weak.append("C14N 1.0")
    ref = refs[0]
    uri = ref.get("URI")
    if uri not in (REFERENCE_URI, ""):
        return _fail("signature_reference", "The signature does not refer to the edXML envelope.")
    digest_method = ref.find(_q("DigestMethod"))
    digest_alg = digest_method.get("Algorithm") if digest_method is not None else ""
    if digest_alg not in (SHA256, SHA1):
        return _fail("signature_algorithm", f"Unsupported digest method {digest_alg!r}.")
    if digest_alg == SHA1:
        weak.append("SHA-1")
    try:
        digest = base64.b64decode("".join((ref.findtext(_q("DigestValue")) or "").split()), validate=True)
        value = base64.b64decode("".join((sig.findtext(_q("SignatureValue")) or "").split()), validate=True)
        cert_nodes = sig.findall(f"{_q('KeyInfo')}/{_q('X509Data')}/{_q('X509Certificate')}")
        certs = [x509.load_der_x509_certificate(base64.b64decode("".join((n.text or "").split()), validate=True))
                 for n in cert_nodes]
    except ValueError as exc:
        return _fail("signature_placeholder", f"Bad base64 or certificate in the signature (a placeholder?): {exc}")
    if not certs:
        return _fail("signature_placeholder", "The signature carries no X509Certificate (a placeholder?).")
    leaf = certs[0]
    signer = leaf.subject.rfc4514_string()[:300]
    fp = hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).hexdigest()
    ours = hashlib.sha256(signed_bytes).digest() if digest_alg == SHA256 else hashlib.sha1(signed_bytes).digest()
    if not hmac.compare_digest(digest, ours):
        if uri == "":
            # URI="" covers the whole document as the sender serialised it (attachments included); the
            # parser keeps the envelope only, so this digest cannot be recomputed here.
            return _fail("signature_unverifiable", "The signature covers the whole document (URI=\"\"), which "
                                                   "cannot be recomputed here: not verifiable.", signer, fp)
        return _fail("signature_broken", "The package was changed after signing (envelope digest mismatch).",
                     signer, fp)
    method = (info.find(_q("SignatureMethod")).get("Algorithm") if info.find(_q("SignatureMethod")) is not None
              else "")
    to_verify = etree.tostring(info, method="c14n", exclusive=c14n_alg == EXC_C14N,
                               with_comments=c14n_alg == C14N_COMMENTS)
    public_key = leaf.public_key()
    try:
        if method in (RSA_SHA256, RSA_SHA1) and isinstance(public_key, rsa.RSAPublicKey):
            if method == RSA_SHA1:
                weak.append("RSA-SHA1")
            public_key.verify(value, to_verify, padding.PKCS1v15(),
                              hashes.SHA256() if method == RSA_SHA256 else hashes.SHA1())  # noqa: S303 - legacy, reported weak
        elif method == ECDSA_SHA256 and isinstance(public_key, ec.EllipticCurvePublicKey):
            from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

            half = len(value) // 2
            der = encode_dss_signature(int.from_bytes(value[:half], "big"), int.from_bytes(value[half:], "big"))
            public_key.verify(der, to_verify, ec.ECDSA(hashes.SHA256()))
        else:
            return _fail("signature_algorithm", f"Unsupported signature method {method}.", signer, fp)
    except InvalidSignature:
        return _fail("signature_broken", "The signature value does not match (wrong key or changed SignedInfo).",
                     signer, fp)
    check = _trust(leaf, certs[1:], signer, fp, pinned_pem)
    if check.valid and weak:
        check.weak = weak
        check.message += " Weak (legacy) algorithms: " + ", ".join(weak) + "."
    return check


def _trust(leaf, intermediates, signer: str, fp: str, pinned_pem: str) -> SignatureCheck:
    if pinned_pem.strip():
        try:
            pinned = x509.load_pem_x509_certificate(pinned_pem.encode())
        except ValueError as exc:
            return _fail("signature_untrusted", f"The peer's pinned certificate cannot be read: {exc}", signer, fp)
        if pinned.public_bytes(serialization.Encoding.DER) != leaf.public_bytes(serialization.Encoding.DER):
            return _fail("signature_untrusted", "The package is signed with another certificate than the peer's.",
                         signer, fp)
        return SignatureCheck(True, "valid", "Signed with the peer's pinned certificate.", signer, fp)
    return _check_trust_store(leaf, intermediates, signer, fp)


def _check_trust_store(leaf: x509.Certificate, intermediates: list[x509.Certificate], signer: str, fp: str
                       ) -> SignatureCheck:
    import asyncio

    from asn1crypto import x509 as asn1_x509

    from signatures.services.reasons import Reason
    from signatures.services.results import check_chain
    from signatures.services.truststore import trust_material

    def load(c):
        return asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))

    code, _path = asyncio.run(check_chain(load(leaf), [load(c) for c in intermediates], trust_material()))
    if code != Reason.VALID:
        return _fail("signature_untrusted", f"The signer's certificate is not trusted ({code}).", signer, fp)
    return SignatureCheck(True, "valid", "Signed with a certificate of the trust store.", signer, fp)
