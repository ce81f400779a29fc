"""Detached CMS (.p7s) and enveloped XML-DSig verification, including wrapping and XXE inputs."""
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from lxml import etree

from signatures.choices import Verdict
from signatures.services import verification_run
from signatures.services.reasons import Reason

pytestmark = pytest.mark.django_db

PAYLOAD = "Công văn số 45/UBND-VP về việc tổ chức hội nghị".encode()


def p7s(identity, data: bytes, *, pem=False) -> bytes:
    builder = pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(identity.cert, identity.key, hashes.SHA256())
    for cert in identity.chain[:-1]:
        builder = builder.add_certificate(cert)
    enc = serialization.Encoding.PEM if pem else serialization.Encoding.DER
    return builder.sign(enc, [pkcs7.PKCS7Options.DetachedSignature])


# --- detached CMS ----------------------------------------------------------------------------
def test_detached_cms_valid(trust_store, pki):
    v = verification_run(content=PAYLOAD, filename="cv.docx", detached_signature=p7s(pki.person, PAYLOAD))
    assert (v.kind, v.verdict, v.reason_code) == ("cms", Verdict.VALID, Reason.VALID)
    assert v.signatures[0]["signer"] == "Nguyễn Văn An" and v.signatures[0]["coverage"] == "entire_content"
    assert v.evidence["signatures"][0]["chain"]


def test_detached_cms_pem_armour(trust_store, pki):
    v = verification_run(content=PAYLOAD, detached_signature=p7s(pki.person, PAYLOAD, pem=True))
    assert v.verdict == Verdict.VALID


def test_detached_cms_over_other_content_is_invalid(trust_store, pki):
    v = verification_run(content=PAYLOAD + b"!", detached_signature=p7s(pki.person, PAYLOAD))
    assert (v.verdict, v.reason_code) == (Verdict.INVALID, Reason.SIGNATURE_BROKEN)


def test_detached_cms_revoked_and_untrusted(trust_store, pki):
    assert verification_run(content=PAYLOAD, detached_signature=p7s(pki.revoked, PAYLOAD)).reason_code == Reason.REVOKED
    assert verification_run(content=PAYLOAD, detached_signature=p7s(pki.stranger, PAYLOAD)).reason_code == Reason.UNTRUSTED


def test_detached_cms_garbage(trust_store):
    v = verification_run(content=PAYLOAD, detached_signature=b"\x30\x03\x02\x01\x01")
    assert (v.verdict, v.reason_code) == (Verdict.INVALID, Reason.MALFORMED_SIGNATURE)


# --- XML ---------------------------------------------------------------------------------------
EDXML = """<?xml version="1.0" encoding="UTF-8"?>
<edXMLEnvelope xmlns="http://www.e-doc.vn/Schema/"><edXMLHeader><MessageHeader>
<From><OrganId>000.00.01.H41</OrganId><OrganName>UBND tỉnh Nghệ An</OrganName></From>
<Subject>Về việc tổ chức hội nghị</Subject></MessageHeader></edXMLHeader>
<edXMLBody><Content Id="doc">Nội dung đã ký</Content></edXMLBody></edXMLEnvelope>"""


def sign_xml(identity, xml: str = EDXML, **kwargs) -> bytes:
    from signxml import XMLSigner, methods

    root = etree.fromstring(xml.encode())
    signer = XMLSigner(method=methods.enveloped, signature_algorithm="rsa-sha256", digest_algorithm="sha256")
    signed = signer.sign(root, key=identity.key_pem(), cert=[identity.pem.decode()] + [
        c.public_bytes(serialization.Encoding.PEM).decode() for c in identity.chain[:-1]], **kwargs)
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def test_xml_valid_returns_only_signed_content(trust_store, pki):
    content = sign_xml(pki.person)
    v = verification_run(content=content, filename="package.edxml")
    assert (v.kind, v.verdict, v.reason_code) == ("xml", Verdict.VALID, Reason.VALID)
    assert v.signatures[0]["uids"] == ["CCCD:040123456789"]
    signed = etree.fromstring(v.signed_content)
    assert signed.find(".//{http://www.e-doc.vn/Schema/}Content").text == "Nội dung đã ký"
    assert signed.find(".//{http://www.w3.org/2000/09/xmldsig#}Signature") is None  # signature removed


def test_xml_tampered_is_invalid(trust_store, pki):
    content = sign_xml(pki.person).replace("Nội dung đã ký".encode(), "Nội dung giả mạo".encode())
    v = verification_run(content=content)
    assert (v.verdict, v.reason_code) == (Verdict.INVALID, Reason.SIGNATURE_BROKEN)


def test_xml_signature_wrapping_by_id_reference_is_refused(trust_store, pki):
    """Signature over #doc only, then a forged element beside it: refused (only URI="" allowed)."""
    content = sign_xml(pki.person, reference_uri="#doc")
    root = etree.fromstring(content)
    body = root.find("{http://www.e-doc.vn/Schema/}edXMLBody")
    forged = etree.SubElement(body, "{http://www.e-doc.vn/Schema/}Content")
    forged.text = "Forged content"
    v = verification_run(content=etree.tostring(root))
    assert (v.verdict, v.reason_code) == (Verdict.INVALID, Reason.XML_REFERENCE)
    assert v.signed_content is None


def test_xml_signature_wrapping_by_new_root_is_refused(trust_store, pki):
    """The signed envelope moved under a forged root beside forged content."""
    signed = etree.fromstring(sign_xml(pki.person))
    wrapper = etree.Element("{http://www.e-doc.vn/Schema/}edXMLEnvelope")
    forged = etree.SubElement(wrapper, "{http://www.e-doc.vn/Schema/}edXMLBody")
    forged.text = "Forged"
    wrapper.append(signed)
    v = verification_run(content=etree.tostring(wrapper))
    assert v.verdict == Verdict.INVALID
    assert v.reason_code in (Reason.XML_REFERENCE, Reason.SIGNATURE_BROKEN)


def test_xml_content_injected_into_signed_document_is_detected(trust_store, pki):
    root = etree.fromstring(sign_xml(pki.person))
    etree.SubElement(root, "{http://www.e-doc.vn/Schema/}edXMLBody").text = "Injected"
    v = verification_run(content=etree.tostring(root))
    assert (v.verdict, v.reason_code) == (Verdict.INVALID, Reason.SIGNATURE_BROKEN)


def test_xxe_payload_is_refused_without_reading_the_file(trust_store, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    payload = f"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret}">]>
<edXMLEnvelope><Subject>&xxe;</Subject></edXMLEnvelope>""".encode()
    v = verification_run(content=payload)
    assert (v.verdict, v.reason_code) == (Verdict.INVALID, Reason.XML_UNSAFE)
    assert "TOP-SECRET-MARKER" not in repr(v.summary()) + repr(v.evidence)


def test_entity_expansion_payload_is_refused(trust_store):
    lol = "<!ENTITY lol0 'lol'>" + "".join(f"<!ENTITY lol{i} '{('&lol%d;' % (i - 1)) * 10}'>" for i in range(1, 10))
    payload = f"<?xml version='1.0'?><!DOCTYPE r [{lol}]><r>&lol9;</r>".encode()
    v = verification_run(content=payload)
    assert (v.verdict, v.reason_code) == (Verdict.INVALID, Reason.XML_UNSAFE)


def test_xml_signer_chain_uses_trust_store_and_crls(trust_store, pki):
    assert verification_run(content=sign_xml(pki.revoked)).reason_code == Reason.REVOKED
    assert verification_run(content=sign_xml(pki.stranger)).reason_code == Reason.UNTRUSTED
    assert verification_run(content=sign_xml(pki.wrong_ku)).reason_code == Reason.KEY_USAGE


def test_unsigned_xml_and_unknown_format(trust_store):
    assert verification_run(content=EDXML.encode()).verdict == Verdict.UNSIGNED
    v = verification_run(content=b"PK\x03\x04 a zip file")
    assert (v.verdict, v.reason_code) == (Verdict.UNSIGNED, Reason.UNKNOWN_FORMAT)
