"""
The signature hook: the builder hands the signer the envelope's signing bytes and places the
returned <Signature>; the parser gives back the same bytes and the Signature for verification.
The signer here is a fake (a SHA-256 digest in an XML-DSig-shaped element): real signing and
verification are the signatures app's job.
"""
import base64
import hashlib
import re

from lxml import etree

from documents.edxml import build_document_package, build_status_package, envelope_signing_bytes, parse_package

from .samples import document, status

DSIG = "http://www.w3.org/2000/09/xmldsig#"


class FakeSigner:
    def __init__(self):
        self.calls: list[bytes] = []

    def __call__(self, signed: bytes) -> etree._Element:
        self.calls.append(signed)
        signature = etree.Element(f"{{{DSIG}}}Signature", nsmap={None: DSIG})
        etree.SubElement(signature, f"{{{DSIG}}}DigestValue").text = base64.b64encode(
            hashlib.sha256(signed).digest()).decode()
        return signature


def digest_in(signature_xml: bytes) -> bytes:
    return base64.b64decode(etree.fromstring(signature_xml).findtext(f"{{{DSIG}}}DigestValue"))


def test_signed_bytes_round_trip_through_the_package():
    signer = FakeSigner()
    data = build_document_package(document(), signer=signer)
    [signed] = signer.calls
    with parse_package(data) as pkg:
        assert pkg == document() and pkg.warnings == []
        assert pkg.signature.signed_bytes == signed
        assert digest_in(pkg.signature.signature_xml) == hashlib.sha256(signed).digest()


def test_signature_sits_last_in_the_header_after_the_trace_header_list():
    data = build_document_package(document(), signer=FakeSigner())
    header = etree.fromstring(data)[0][0]
    assert [etree.QName(child).localname for child in header] == ["MessageHeader", "TraceHeaderList", "Signature"]
    assert etree.QName(header[-1]).namespace == DSIG


def test_signed_bytes_are_the_canonical_unsigned_envelope():
    signer = FakeSigner()
    signed_package = build_document_package(document(), signer=signer)
    unsigned_package = build_document_package(document())
    envelope = etree.fromstring(unsigned_package)[0]
    assert signer.calls == [envelope_signing_bytes(envelope)]
    assert signer.calls[0].startswith(b'<edXML:edXMLEnvelope xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016" '
                                      b'xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016" Id="edXMLEnvelope">')
    # Removing the Signature element (and nothing else) from the signed package gives back the unsigned one.
    without = re.sub(rb"<Signature .*?</Signature>", b"", signed_package, flags=re.S)
    assert without == unsigned_package


def test_tampering_with_the_envelope_changes_the_signed_bytes():
    data = build_document_package(document(), signer=FakeSigner())
    tampered = data.replace("Về việc ban hành".encode(), "Về việc bãi bỏ".encode())
    with parse_package(tampered) as pkg:
        assert digest_in(pkg.signature.signature_xml) != hashlib.sha256(pkg.signature.signed_bytes).digest()


def test_attachments_are_outside_the_signed_bytes_but_the_manifest_is_inside():
    signer = FakeSigner()
    build_document_package(document(), signer=signer)
    assert b"cid:qd-15.pdf" in signer.calls[0]
    assert b"JVBERi0x" not in signer.calls[0]  # the base64 content is not covered


def test_status_packages_can_be_signed_too():
    signer = FakeSigner()
    data = build_status_package(status("03"), signer=signer)
    with parse_package(data) as parsed:
        assert parsed == status("03")
        assert parsed.signature.signed_bytes == signer.calls[0]


def test_unsigned_package_has_no_signature():
    with parse_package(build_document_package(document())) as pkg:
        assert pkg.signature is None


def test_computing_the_signed_bytes_leaves_the_envelope_unchanged():
    data = build_document_package(document(), signer=FakeSigner())
    envelope = etree.fromstring(data)[0]
    before = etree.tostring(envelope)
    assert envelope_signing_bytes(envelope) == envelope_signing_bytes(envelope)
    assert etree.tostring(envelope) == before
