"""
The axis / LGSP protocol (../shared/reference/vxp-protocol.md): header signing, timestamps, answer
codes; the hub endpoints under /vxp/ (JSON always, access control, replay, rate and size limits,
routing); the import tolerances, each with a package written here that reproduces it; export that
a standard XML-DSig verifier (xmlsec1) accepts.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import hmac
import json
import re
import shutil
import subprocess
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from lxml import etree

from documents.edxml import BussinessDocType, Organization, ResponseFor, build_document_package
from documents.federation.axis import protocol
from documents.federation.hub.services import hub_system_create
from documents.federation.inbound import package_import
from documents.models import Document, IncomingRecord
from tests.edxml.samples import APPENDIX_TEXT, document

VN = ZoneInfo("Asia/Ho_Chi_Minh")
G22 = "000.00.00.G22"  # the Government Office: the agency hosted by the connected system "C"


# --- protocol ----------------------------------------------------------------------------------

def test_timestamp_is_ddmmyyyy_t_hhmmss_plus_milliseconds():
    moment = datetime.datetime(2026, 3, 5, 14, 7, 9, 45_000, tzinfo=VN)
    assert protocol.format_timestamp(moment) == "05032026T140709+0045"
    assert protocol.parse_timestamp("05032026T140709+0045", tz=VN) == moment
    assert protocol.parse_timestamp("31122025T235959+0999", tz=VN).microsecond == 999_000
    for bad in ("2026-03-05T14:07:09", "05032026T140709+1000", "05032026 140709+0045", "32032026T140709+0000", ""):
        with pytest.raises(ValueError):
            protocol.parse_timestamp(bad, tz=VN)


def test_header_signature_is_hmac_sha256_of_the_signed_json():
    now = datetime.datetime(2026, 3, 5, 14, 7, 9, 5_000, tzinfo=VN)
    headers = protocol.sign_headers(system_id="sys-c", secret="s3cret", now=now,
                                    params={"from": G22, "servicetype": "eDoc", "messagetype": "edoc"})
    signed = headers["XroadVnpt-sign-header"]
    assert json.loads(signed) == {"systemid": "sys-c", "timestamp": "05032026T140709+0005", "from": G22,
                                  "servicetype": "eDoc", "messagetype": "edoc"}
    assert headers["XroadVnpt-sign-header-key"] == "systemid,timestamp,from,servicetype,messagetype"
    assert headers["XroadVnpt-hash-header"] == hmac.new(b"s3cret", signed.encode(), hashlib.sha256).hexdigest()
    assert headers["XroadVnpt-version"] == "3.0.201608" and headers["User-Agent"].startswith("JAVASDKAgent")
    # The hub reads them back, and refuses a changed header, a wrong secret and a stale timestamp.
    read = protocol.read_signed_headers(headers, secret_for=lambda s: "s3cret", now=now, window=300)
    assert read.system_id == "sys-c" and read.params["from"] == G22
    with pytest.raises(protocol.HeaderError) as exc:
        protocol.read_signed_headers({**headers, "XroadVnpt-from": "000.00.00.H41"}, secret_for=lambda s: "s3cret",
                                     now=now, window=300)
    assert exc.value.code == "401"
    with pytest.raises(protocol.HeaderError) as exc:
        protocol.read_signed_headers(headers, secret_for=lambda s: "other", now=now, window=300)
    assert exc.value.code == "401"
    with pytest.raises(protocol.HeaderError) as exc:
        protocol.read_signed_headers(headers, secret_for=lambda s: "s3cret", now=now + datetime.timedelta(minutes=6),
                                     window=300)
    assert exc.value.code == "408"


def test_hash_file_drops_leading_zeros_and_the_hub_accepts_both_forms():
    data = next(str(i).encode() for i in range(10_000) if hashlib.sha256(str(i).encode()).hexdigest().startswith("0"))
    full = hashlib.sha256(data).hexdigest()
    assert full.startswith("0")
    assert protocol.hash_file(data) == full.lstrip("0") and len(protocol.hash_file(data)) < 64
    assert protocol.hash_file_matches(protocol.hash_file(data), full)
    assert protocol.hash_file_matches(full, full)
    assert not protocol.hash_file_matches(protocol.hash_file(b"other"), full)


@pytest.mark.parametrize("status,body,ok,retry", [
    (200, '{"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "DocId": "1"}', True, False),
    (200, '{"status": "OK", "ErrorCode": 0}', True, False),
    (200, '{"status": "FAIL", "ErrorCode": "-1", "ErrorDesc": "Sai định dạng"}', False, False),
    (401, '{"status": "FAIL", "ErrorCode": "401", "ErrorDesc": "bad"}', False, False),
    (403, '{"status": "FAIL", "ErrorCode": "403"}', False, False),
    (404, '{"status": "FAIL", "ErrorCode": "404"}', False, False),
    (413, '{"status": "FAIL", "ErrorCode": "413"}', False, False),
    (422, '{"status": "FAIL", "ErrorCode": "422"}', False, False),
    (200, '{"status": "FAIL", "ErrorCode": "429"}', False, True),
    (401, '{"status": "FAIL", "ErrorCode": "408"}', False, True),
    (500, '{"status": "FAIL", "ErrorCode": "500"}', False, True),
    (503, '{"status": "FAIL", "ErrorCode": "503"}', False, True),
    (404, "<html><body>Not Found</body></html>", False, True),
    (200, '{"status": "OK"}', False, True),
    (200, "[]", False, True),
])
def test_only_error_code_0_is_success(status, body, ok, retry):
    outcome = protocol.classify(status, body)
    assert (outcome.ok, outcome.retry) == (ok, retry)
    if not ok and '"ErrorDesc": "Sai' in body:
        assert "Sai định dạng" in outcome.message


# --- the hub under /vxp/ -----------------------------------------------------------------------

@pytest.fixture
def system_c(province):
    system, secret = hub_system_create(name="Hệ thống VPCP", agencies=[G22], system_id="sys-c")
    system.secret = secret
    return system


def vxp(client, operation, system, *, params=None, body=None, method="post", secret=None, now=None, headers=None):
    hdrs = headers or protocol.sign_headers(system_id=system.system_id, secret=secret or system.secret,
                                            params=params or {}, now=now or timezone.localtime())
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in hdrs.items()}
    call = getattr(client, method)
    if method == "get":
        return call(f"/vxp/{operation}", **extra), hdrs
    return call(f"/vxp/{operation}", data=body if body is not None else b"{}",
                content_type="application/octet-stream" if body is not None else "application/json", **extra), hdrs


def package_from_c(to_code: str, **changes) -> bytes:
    pkg = document(BussinessDocType.NEW)
    header = dataclasses.replace(pkg.header, from_=Organization(organ_id=G22, organ_name="Văn phòng Chính phủ"),
                                 to=[Organization(organ_id=to_code, organ_name="Sở Nội vụ")],
                                 document_id=f"{G22},2025/07/15,16/QĐ-UBND", response_for=[])
    for key, value in changes.items():
        header = dataclasses.replace(header, **{key: value})
    pkg.header = header
    pkg.trace_header_list.trace_headers[0].organ_id = G22
    return build_document_package(pkg)


@pytest.mark.django_db
def test_every_hub_answer_is_json_even_404_405_401_500(client, system_c):
    for path in ("/vxp/noSuchOperation", "/vxp", "/vxp/"):
        response = client.post(path, data=b"{}", content_type="application/json")
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["status"] == "FAIL"
    response = client.get("/vxp/sendEdoc")
    assert response.status_code == 405 and response.json()["ErrorCode"] == "405"
    response, _h = vxp(client, "getReceivedEdocList", system_c, params={"from": G22}, secret="wrong")
    assert response.status_code == 401 and response.json()["ErrorCode"] == "401"
    response = client.post("/vxp/getReceivedEdocList", data=b"{}", content_type="application/json")
    assert response.status_code == 401 and response.json()["ErrorDesc"]


@pytest.mark.django_db
def test_replayed_and_stale_headers_are_refused(client, system_c):
    response, headers = vxp(client, "countReceiveEdoc", system_c, params={"from": G22})
    assert response.json() == {"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "data": 0}
    again, _h = vxp(client, "countReceiveEdoc", system_c, headers=headers)
    assert again.json()["ErrorCode"] == "408" and "replay" in again.json()["ErrorDesc"]
    stale, _h = vxp(client, "countReceiveEdoc", system_c, params={"from": G22},
                    now=timezone.localtime() - datetime.timedelta(minutes=10))
    assert stale.json()["ErrorCode"] == "408" and "stale" in stale.json()["ErrorDesc"]


@pytest.mark.django_db
def test_rate_and_size_limits_per_system(client, system_c):
    system_c.hub_rate_per_minute, system_c.hub_max_bytes = 3, 1000
    system_c.save(update_fields=["hub_rate_per_minute", "hub_max_bytes"])
    big = package_from_c("000.00.02.H99")
    assert len(big) > 1000
    response, _h = vxp(client, "sendEdoc", system_c, body=big + b"\r\n",
                       params={"from": G22, "servicetype": "eDoc", "messagetype": "edoc"})
    assert response.status_code == 413 and response.json()["ErrorCode"] == "413"
    codes = [vxp(client, "countReceiveEdoc", system_c, params={"from": G22})[0].json()["ErrorCode"] for _i in range(3)]
    assert codes == ["0", "0", "429"]


@pytest.mark.django_db
def test_a_system_sends_only_as_its_agencies_and_sees_only_its_packages(client, province, system_c):
    other, secret = hub_system_create(name="Hệ thống khác", agencies=["000.00.00.G09"], system_id="sys-d")
    other.secret = secret
    data = package_from_c("000.00.02.H99")
    response, _h = vxp(client, "sendEdoc", other, body=data + b"\r\n",
                       params={"from": G22, "servicetype": "eDoc", "messagetype": "edoc"})
    assert response.status_code == 403 and "not hosted" in response.json()["ErrorDesc"]
    response, _h = vxp(client, "getReceivedEdocList", other, params={"from": G22, "messagetype": "edoc"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_send_to_a_local_unit_imports_it_and_the_sent_list_shows_done(client, province, system_c):
    data = package_from_c(province.snv.code)
    response, _h = vxp(client, "sendEdoc", system_c, body=data + b"\r\n",
                       params={"from": G22, "servicetype": "eDoc", "messagetype": "edoc",
                               "hash-file": protocol.hash_file(data)})
    answer = response.json()
    assert answer["ErrorCode"] == "0" and answer["DocId"], answer
    record = IncomingRecord.objects.get(unit=province.snv)
    assert record.document.owner_unit.code == G22
    # the same package again: the same DocId, nothing imported twice
    again, _h = vxp(client, "sendEdoc", system_c, body=data + b"\r\n",
                    params={"from": G22, "servicetype": "eDoc", "messagetype": "edoc"})
    assert again.json()["DocId"] == answer["DocId"] and IncomingRecord.objects.count() == 1
    sent, _h = vxp(client, "getSentEdocList", system_c, params={"from": G22, "messagetype": "edoc"})
    [item] = sent.json()["data"]
    assert item["docId"] == answer["DocId"] and item["status"] == "done" and item["to"] == province.snv.code
    wrong, _h = vxp(client, "sendEdoc", system_c, body=data, params={
        "from": G22, "servicetype": "eDoc", "messagetype": "edoc", "hash-file": protocol.hash_file(b"x")})
    assert wrong.json()["ErrorCode"] == "400"
    unknown, _h = vxp(client, "sendEdoc", system_c, body=package_from_c("000.00.09.H77"),
                      params={"from": G22, "servicetype": "eDoc", "messagetype": "edoc"})
    assert unknown.json()["ErrorCode"] == "404" and "000.00.09.H77" in unknown.json()["ErrorDesc"]


@pytest.mark.django_db
def test_agency_list_streams_the_directory_as_json(client, province, system_c):
    response, _h = vxp(client, "getAgenciesList", system_c, params={"from": G22})
    body = json.loads(b"".join(response.streaming_content))
    assert body["ErrorCode"] == "0"
    codes = {a["code"]: a for a in body["data"]}
    assert codes[province.snv.code]["parentCode"] == province.ubnd.code and G22 in codes


@pytest.mark.django_db
def test_hub_system_commands_print_one_json_object(province):
    from io import StringIO

    from django.core.management import call_command

    from documents.federation.models import Peer
    from units.models import Unit

    out = StringIO()
    call_command("hub_system_create", "--name", "Sở Y tế (phần mềm cũ)", "--agency", "000.00.21.H42", "--agency",
                 "000.00.22.H42", "--system-id", "syt-old", "--json", stdout=out)
    created = json.loads(out.getvalue())
    assert created["system_id"] == "syt-old" and len(created["secret"]) >= 32
    system = Peer.objects.get(system_id="syt-old")
    assert system.system_secret == created["secret"]
    raw = Peer.objects.filter(pk=system.pk).values_list("system_secret", flat=True)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT system_secret FROM documents_peer WHERE id = %s", [system.pk])
        stored = cur.fetchone()[0]
    assert stored.startswith("fernet:") and created["secret"] not in stored and raw
    assert set(Unit.objects.filter(peer_ref=system.code).values_list("code", flat=True)) == {"000.00.21.H42",
                                                                                          "000.00.22.H42"}
    out = StringIO()
    call_command("hub_system_rotate", "--system-id", "syt-old", "--json", stdout=out)
    assert json.loads(out.getvalue())["secret"] != created["secret"]
    out = StringIO()
    call_command("hub_system_revoke", "--system-id", "syt-old", "--json", stdout=out)
    assert json.loads(out.getvalue())["enabled"] is False


# --- import tolerances ---------------------------------------------------------------------------

def _import(data: bytes, system):
    from django.utils import translation

    with translation.override("en"):  # the warnings are asserted by their English text
        return package_import(source=data, peer=system)


def _insert_in_header(data: bytes, fragment: bytes) -> bytes:
    return data.replace(b"</edXML:edXMLHeader>", fragment + b"</edXML:edXMLHeader>", 1)


@pytest.mark.django_db
def test_placeholder_signature_is_not_verifiable_not_a_parse_failure(province, system_c):
    dummy = (b"<Signature><SignedInfo><CanonicalizationMethod Algorithm=\"x\"/></SignedInfo>"
             b"<SignatureValue>ABC123==</SignatureValue><KeyInfo><X509Data><X509Certificate>MIIBdummy"
             b"</X509Certificate></X509Data></KeyInfo></Signature>")
    data = _insert_in_header(package_from_c(province.snv.code), dummy)
    report = _import(data, system_c)
    assert report.result == "accepted", report.as_dict()
    assert any("not verifiable" in w for w in report.warnings)
    from documents.federation.models import InboundPackage

    assert any("not verifiable" in w for w in InboundPackage.objects.get(result="accepted").warnings)
    # the same package from a peer that must sign is refused with the precise reason
    system_c.require_signature = True
    system_c.save(update_fields=["require_signature"])
    refused = _import(package_from_c(province.snv.code, document_id=f"{G22},2025/07/15,99/QĐ-UBND"), system_c)
    assert refused.result == "fault" and refused.code == "signature_missing"


def _rsa_cert():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "VPCP test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, hashes.SHA256()))
    return key, cert


def legacy_signer(key, cert):
    """An old-style signer: C14N 1.0 SignedInfo, SHA-1 digest, RSA-SHA1 (as real deployments still sign)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    ds = "http://www.w3.org/2000/09/xmldsig#"

    def q(n):
        return f"{{{ds}}}{n}"

    def sign(signed_bytes: bytes):
        sig = etree.Element(q("Signature"), nsmap={None: ds})
        info = etree.SubElement(sig, q("SignedInfo"))
        etree.SubElement(info, q("CanonicalizationMethod"), Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315")
        etree.SubElement(info, q("SignatureMethod"), Algorithm=ds + "rsa-sha1")
        ref = etree.SubElement(info, q("Reference"), URI="#edXMLEnvelope")
        etree.SubElement(ref, q("DigestMethod"), Algorithm=ds + "sha1")
        etree.SubElement(ref, q("DigestValue")).text = base64.b64encode(hashlib.sha1(signed_bytes).digest()).decode()
        # Inclusive C14N renders the namespaces in scope where the Signature sits (edXMLHeader in the envelope).
        edxml = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
        holder = etree.Element(f"{{{edxml}}}edXMLHeader", nsmap={"edXML": edxml})
        holder.append(sig)
        value = key.sign(etree.tostring(info, method="c14n", exclusive=False), padding.PKCS1v15(), hashes.SHA1())
        holder.remove(sig)
        etree.SubElement(sig, q("SignatureValue")).text = base64.b64encode(value).decode()
        etree.SubElement(etree.SubElement(etree.SubElement(sig, q("KeyInfo")), q("X509Data")),
                         q("X509Certificate")).text = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
        return sig

    return sign


@pytest.mark.django_db
def test_legacy_c14n_rsa_sha1_signature_is_verified_and_reported_weak(province, system_c):
    from cryptography.hazmat.primitives import serialization

    key, cert = _rsa_cert()
    system_c.signing_certificate = cert.public_bytes(serialization.Encoding.PEM).decode()
    system_c.require_signature = True
    system_c.save(update_fields=["signing_certificate", "require_signature"])
    pkg = document(BussinessDocType.NEW)
    pkg.header = dataclasses.replace(pkg.header, from_=Organization(organ_id=G22, organ_name="VPCP"),
                                     to=[Organization(organ_id=province.snv.code, organ_name="SNV")],
                                     document_id=f"{G22},2025/07/15,16/QĐ-UBND", response_for=[])
    data = build_document_package(pkg, signer=legacy_signer(key, cert))
    report = _import(data, system_c)
    assert report.result == "accepted", report.as_dict()
    assert report.signature["valid"] and set(report.signature["weak"]) == {"C14N 1.0", "SHA-1", "RSA-SHA1"}
    assert any("weak" in w for w in report.warnings)
    # a byte changed after signing is still refused
    tampered = data.replace("Về việc ban hành".encode(), "Về việc bãi bỏ".encode(), 1)
    pkg2 = _import(tampered.replace(b"16/Q", b"17/Q"), system_c)
    assert pkg2.result == "fault" and pkg2.code == "signature_broken"


@pytest.mark.django_db
def test_zipped_doc_is_stored_as_its_first_entry_with_the_zip_kept(province, system_c):
    from django.core.files.storage import default_storage

    report = _import(package_from_c(province.snv.code), system_c)  # the sample's appendix is Phu-luc.txt zipped
    assert report.result == "accepted", report.as_dict()
    doc = Document.objects.get(pk=report.document)
    appendix = doc.attachments.get(original_name="Phu-luc.txt")
    assert appendix.sha256 == hashlib.sha256(APPENDIX_TEXT).hexdigest() and appendix.size == len(APPENDIX_TEXT)
    warning = next(w for w in report.warnings if "arrived zipped" in w)
    kept = re.search(r"kept as (\S+)\.$", warning).group(1)
    assert default_storage.exists(kept)


@pytest.mark.django_db
def test_lenient_base64_where_unambiguous(province, system_c):
    data = package_from_c(province.snv.code)
    # stray characters inside the PDF's base64 (length still a multiple of 4 without them)
    lenient = re.sub(rb"(<edXML:ContentTransferEncoded[^>]*>)JVBERi0x", lambda m: m.group(1) + "JVB\u00a0ERi0x!".encode(),
                     data, count=1)
    assert lenient != data
    report = _import(lenient, system_c)
    assert report.result == "accepted", report.as_dict()
    assert any("outside the base64 alphabet" in w for w in report.warnings)
    pdf = Document.objects.get(pk=report.document).attachments.get(original_name="QD-15-UBND.pdf")
    from tests.edxml.samples import PDF_BYTES

    assert pdf.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()


@pytest.mark.django_db
def test_revocation_without_bussiness_document_id_finds_the_document(province, system_c):
    original_id = f"{G22},2025/07/15,16/QĐ-UBND"
    first = _import(package_from_c(province.snv.code), system_c)
    assert first.result == "accepted"
    pkg = document(BussinessDocType.REVOCATION, with_attachments=False)
    pkg.trace_header_list.bussiness.document_id = None
    pkg.trace_header_list.trace_headers[0].organ_id = G22
    pkg.header = dataclasses.replace(
        pkg.header, from_=Organization(organ_id=G22, organ_name="VPCP"),
        to=[Organization(organ_id=province.snv.code, organ_name="SNV")], document_id=original_id,
        response_for=[ResponseFor(organ_id=G22, code="16/QĐ-UBND", promulgation_date=datetime.date(2025, 7, 15),
                                  document_id=original_id)])
    report = _import(build_document_package(pkg), system_c)
    assert report.result == "accepted", report.as_dict()
    revocation = Document.objects.get(pk=report.document)
    assert revocation.business_type == 1 and revocation.related_document.document_id == original_id
    assert revocation.document_id != original_id
    assert any("no Bussiness/DocumentId" in w for w in report.warnings)
    assert IncomingRecord.objects.get(document__document_id=original_id).status == "cancelled"


@pytest.mark.django_db
def test_replacement_reusing_an_update_document_id_is_a_replacement(province, system_c):
    original_id = f"{G22},2025/07/15,16/QĐ-UBND"
    assert _import(package_from_c(province.snv.code), system_c).result == "accepted"

    def follow_up(kind, document_id, number):
        pkg = document(kind, with_attachments=False)
        b = pkg.trace_header_list.bussiness
        b.document_id = original_id
        b.bussiness_document_info = None
        if b.replacement_info_list:
            b.replacement_info_list[0].document_id = original_id
            b.replacement_info_list[0].organ_id_list = [province.snv.code]
        pkg.trace_header_list.trace_headers[0].organ_id = G22
        pkg.header = dataclasses.replace(pkg.header, from_=Organization(organ_id=G22, organ_name="VPCP"),
                                         to=[Organization(organ_id=province.snv.code, organ_name="SNV")],
                                         document_id=document_id, response_for=[],
                                         code=dataclasses.replace(pkg.header.code, code_number=number))
        return build_document_package(pkg)

    update_id = f"{G22},2025/07/20,18/QĐ-UBND"
    update = _import(follow_up(BussinessDocType.UPDATE, update_id, "18"), system_c)
    assert update.result == "accepted", update.as_dict()
    replacement = _import(follow_up(BussinessDocType.REPLACEMENT, update_id, "19"), system_c)
    assert replacement.result == "accepted", replacement.as_dict()
    doc = Document.objects.get(pk=replacement.document)
    assert doc.business_type == 3 and doc.document_id == f"{update_id}#3"
    assert any("already names an earlier" in w for w in replacement.warnings)


@pytest.mark.django_db
def test_system_id_like_from_is_resolved_to_the_agency_it_hosts(province, system_c):
    data = package_from_c(province.snv.code).replace(f"<edXML:OrganId>{G22}</edXML:OrganId>".encode(),
                                                     b"<edXML:OrganId>sys-c</edXML:OrganId>", 1)
    assert b"<edXML:OrganId>sys-c</edXML:OrganId>" in data
    report = _import(data, system_c)
    assert report.result == "accepted", report.as_dict()
    assert Document.objects.get(pk=report.document).owner_unit.code == G22
    assert any("system id" in w for w in report.warnings)


@pytest.mark.django_db
def test_anything_else_is_refused_with_the_element_named(province, system_c):
    data = package_from_c(province.snv.code).replace(b"<edXML:Subject>", b"<edXML:Subjekt>", 1)
    report = _import(data, system_c)
    assert report.result == "fault" and "Subject" in report.message
    assert not Document.objects.exists()


# --- export ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_export_writes_page_amount_promulgation_amount_steering_type(province):
    from documents.federation.mapping import document_to_package
    from tests.documents.conftest import make_issued

    doc = make_issued(province.snv, province.clerk(province.snv))
    with document_to_package(doc, recipients=[province.remote]) as pkg:
        data = build_document_package(pkg)
    for element in (b"<edXML:PageAmount>1</edXML:PageAmount>", b"<edXML:PromulgationAmount>1</edXML:PromulgationAmount>",
                    b"<edXML:SteeringType>0</edXML:SteeringType>", b'Id="edXMLEnvelope"'):
        assert element in data


@pytest.mark.skipif(shutil.which("xmlsec1") is None, reason="xmlsec1 (Debian package) is not installed")
def test_xmlsec1_verifies_our_signature_without_a_custom_resolver(tmp_path):
    from cryptography.hazmat.primitives import serialization

    from documents.federation.signing import PackageSigner

    key, cert = _rsa_cert()
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "signed.xml").write_bytes(build_document_package(document(), signer=PackageSigner(key, cert)))
    cmd = ["xmlsec1", "--verify", "--id-attr:Id", "edXMLEnvelope", "--trusted-pem", str(tmp_path / "cert.pem")]
    done = subprocess.run([*cmd, str(tmp_path / "signed.xml")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    tampered = (tmp_path / "signed.xml").read_bytes().replace("quy chế".encode(), "quy định".encode(), 1)
    (tmp_path / "tampered.xml").write_bytes(tampered)
    done = subprocess.run([*cmd, str(tmp_path / "tampered.xml")], capture_output=True, text=True)
    assert done.returncode != 0


# --- the poller when the hub is down -------------------------------------------------------------

@pytest.mark.django_db
def test_poll_backs_off_while_the_hub_is_down_and_healthz_shows_it(client, province):
    from documents.federation.axis.poller import axis_poll
    from documents.federation.models import Peer
    from egov.devtools.portals import free_port

    peer = Peer.objects.create(code="lgsp", name="LGSP", protocol="axis", base_url=f"http://127.0.0.1:{free_port()}/vxp",
                               system_id="sys-a", system_secret="s", axis_from=province.snv.code, poll_interval=5)
    first = axis_poll(peer_id=peer.pk)
    second = axis_poll(peer_id=peer.pk)
    assert not first["ok"] and first["transient"] and second["next_in"] > first["next_in"]
    peer.refresh_from_db()
    assert peer.poll_failures == 2 and peer.poll_last_ok_at is None and "getReceivedEdocList" in peer.poll_error
    assert peer.poll_next_at > timezone.now()
    health = client.get("/healthz").json()
    [axis] = health["axis"]
    assert axis["peer"] == "lgsp" and axis["failures"] == 2 and axis["last_success"] is None


# --- directory sync ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_directory_sync_is_incremental_idempotent_and_keeps_history(province):
    import io

    from documents.federation.axis.directory import axis_directory_sync
    from documents.federation.models import Peer
    from documents.services.sending import recipients_expand
    from units.models import Unit, UnitChange

    peer = Peer.objects.create(code="truc", name="Trục", protocol="axis", base_url="http://127.0.0.1:9/vxp")

    def answer(entries):
        return io.BytesIO(json.dumps({"status": "OK", "ErrorCode": "0", "data": entries}).encode())

    entries = [{"code": "000.00.00.G01", "name": "Bộ Một"}] + [
        {"code": f"000.00.{i:02d}.G01", "name": f"Cục {i}", "parentCode": "000.00.00.G01", "email": f"c{i}@gov.vn"}
        for i in range(1, 40)] + [{"code": "bad code", "name": "x"}, {"agencyCode": province.snv.code, "name": "?"}]
    counts = axis_directory_sync(peer=peer, source=answer(entries))
    assert counts["created"] == 40 and counts["invalid"] == 1 and counts["foreign"] == 1
    root = Unit.objects.get(code="000.00.00.G01")
    child = Unit.objects.get(code="000.00.05.G01")
    assert child.parent_id == root.pk and child.path == root.path + f"{child.pk:010d}/" and child.depth == 1
    assert not child.is_local and child.peer_ref == "truc" and child.email == "c5@gov.vn"
    assert Unit.objects.filter(search_text__contains="cuc 5").exists()
    assert Unit.objects.get(code=province.snv.code).is_local  # a local unit is left alone
    again = axis_directory_sync(peer=peer, source=answer(entries))
    assert again["created"] == again["renamed"] == again["dissolved"] == 0 and again["unchanged"] == 40
    entries[5]["name"] = "Cục Năm (đổi tên)"
    del entries[10]
    third = axis_directory_sync(peer=peer, source=answer(entries))
    assert third["renamed"] == 1 and third["dissolved"] == 1
    gone = Unit.objects.get(code="000.00.10.G01")
    assert gone.valid_to is not None and UnitChange.objects.filter(unit=gone, action="dissolve").exists()
    assert UnitChange.objects.filter(unit__code="000.00.05.G01", action="rename").exists()
    # the history notes the sync writes are codes, read in the reader's language (issue 15), on the
    # COPY path (creation) and through the reorganisation services (rename, dissolution) alike
    from django.utils import translation

    for change in UnitChange.objects.filter(unit__code__in=["000.00.03.G01", "000.00.05.G01", "000.00.10.G01"]):
        assert (change.note_code, change.note_params) == ("units.note.directory_sync", {"peer": "truc"}), change
        with translation.override("en"):
            assert change.note_display == "Directory of truc"
        with translation.override("vi"):
            assert change.note_display == change.note != "Directory of truc"
    # groups still mean the province's own units
    province_group = {u.code for u in recipients_expand(groups=["province"], owner_unit=province.snv)}
    assert province_group and all(Unit.objects.get(code=c).is_local for c in province_group)
    assert "000.00.00.G01" not in province_group


def test_the_hubs_history_notes_read_in_the_readers_language(system_c):
    """Issue 15: the unit history the hub writes ("Hosted by hub system …") is a code, not a sentence."""
    from django.utils import translation

    from units.models import UnitChange

    change = UnitChange.objects.get(unit__code=G22, action="create")
    assert (change.note_code, change.note_params) == ("units.note.hosted_by_hub", {"id": "sys-c"})
    with translation.override("en"):
        assert change.note_display == "Hosted by hub system sys-c"
    with translation.override("vi"):
        assert change.note_display == change.note != "Hosted by hub system sys-c"
