"""The receive endpoint (signed requests, duplicates, fault answers), pull mode, package signatures, commands, API."""
import datetime
import hashlib
import json
import time

import pytest

from documents.edxml import build_document_package, parse_package
from documents.federation.auth import sign_headers
from documents.federation.signing import PackageSigner, verify_package_signature
from documents.federation.models import InboundPackage, PullItem
from documents.models import Document, IncomingRecord
from documents.services import document_send
from egov.core.models import AuditEvent
from tests.conftest import run_manage

from .conftest import make_issued
from .test_mapping import as_remote, export, rich_document

URL = "/federation/v1/packages/"


def headers(body: bytes, *, secret="in-secret", consignment="c-1", peer="peer-h42", now=None, path=URL,
            method="POST"):
    h = sign_headers(secret=secret, method=method, path=path, peer_code=peer,
                     body_sha256=hashlib.sha256(body).hexdigest(), consignment=consignment, now=now)
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in h.items()}


def post(client, body, **kw):
    return client.post(URL, data=body, content_type="application/xml", **headers(body, **kw))


@pytest.fixture
def package(province):
    return as_remote(export(rich_document(province), [province.stc]), province.remote, [province.stc])


def test_accepted_then_duplicate_consignment_stores_once(client, province, peer, package):
    first = post(client, package)
    assert first.status_code == 200 and first.json()["result"] == "accepted"
    again = post(client, package)
    assert again.status_code == 200 and again.json()["result"] == "duplicate"
    other = post(client, package, consignment="c-2")  # same DocumentId, same addressee, new consignment
    assert other.json()["result"] == "duplicate"
    assert IncomingRecord.objects.filter(unit=province.stc, sender=province.remote).count() == 1
    assert list(InboundPackage.objects.order_by("pk").values_list("result", flat=True)) == [
        "accepted", "duplicate", "duplicate"]


@pytest.mark.parametrize("change, status, code", [
    ({"secret": "wrong"}, 401, "bad_signature"),
    ({"peer": "stranger"}, 403, "unknown_peer"),
    ({"now": time.time() - 3600}, 401, "stale_request"),
])
def test_requests_that_fail_authentication_store_nothing(client, province, peer, package, change, status, code):
    answer = post(client, package, **change)
    assert (answer.status_code, answer.json()["result"], answer.json()["code"]) == (status, "fault", code)
    assert not Document.objects.filter(owner_unit=province.remote).exists()


def test_tampered_body_is_refused(client, province, peer, package):
    h = headers(package)
    answer = client.post(URL, data=package.replace(b"Nguy", b"Nguz", 1),
                         content_type="application/xml", **h)
    assert answer.status_code == 401 and answer.json()["code"] == "body_mismatch"


def test_fault_answers(client, province, peer, package, settings):
    assert post(client, b"this is not a package", consignment="x1").json()["code"] == "not_xml"
    nobody = as_remote(package, province.remote, [province.remote])
    answer = post(client, nobody, consignment="x2")
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_addressee"
    alien = as_remote(package, province.stc, [province.stc])  # a local unit as the sender
    assert post(client, alien, consignment="x3").json()["code"] == "sender_is_local"
    h = headers(package, consignment="x4")
    h["HTTP_X_EGOV_FEDERATION_VERSION"] = "9"
    assert client.post(URL, data=package, content_type="application/xml", **h).json()["code"] == "unsupported_version"
    settings.FEDERATION_MAX_PACKAGE_BYTES = 1000
    answer = post(client, package, consignment="x5")
    assert answer.status_code == 413 and answer.json()["code"] == "too_large"
    assert not Document.objects.filter(owner_unit=province.remote).exists()
    assert set(InboundPackage.objects.values_list("result", flat=True)) == {"fault"}


@pytest.fixture(scope="module")
def pki():
    from egov.devtools.pki import TestPKI

    return TestPKI(key_size=2048)


def test_signed_package_is_verified_against_the_pinned_certificate(client, province, peer, pki):
    signer = PackageSigner(pki.organisation.key, pki.organisation.cert)
    data = as_remote(export(rich_document(province), [province.stc]), province.remote, [province.stc])
    with parse_package(data) as pkg:
        signed = build_document_package(pkg, signer=signer)
    with parse_package(signed) as pkg:
        check = verify_package_signature(signature_xml=pkg.signature.signature_xml,
                                         signed_bytes=pkg.signature.signed_bytes,
                                         pinned_pem=pki.organisation.pem.decode())
        assert check.valid, check
        other = verify_package_signature(signature_xml=pkg.signature.signature_xml,
                                         signed_bytes=pkg.signature.signed_bytes, pinned_pem=pki.person.pem.decode())
        assert (other.valid, other.code) == (False, "signature_untrusted")
    tampered = signed.replace("liên thông văn bản".encode(), "liên thông văn bàn".encode())
    peer.signing_certificate, peer.require_signature = pki.organisation.pem.decode(), True
    peer.save()
    answer = post(client, tampered, consignment="t1")
    assert answer.json()["code"] == "signature_broken"
    assert post(client, data, consignment="t2").json()["code"] == "signature_missing"
    assert post(client, signed, consignment="t3").json()["result"] == "accepted"


def test_pull_mode_list_fetch_ack(client, province, peer):
    peer.mode = "pull"
    peer.save()
    doc = rich_document(province)
    [d] = document_send(document=doc, acting_user=province.clerk(province.snv), units=[province.remote])
    item = PullItem.objects.get(dispatch=d)
    path = "/federation/v1/pull/"
    listed = client.get(path, **headers(b"", method="GET", path=path, consignment=""))
    assert [i["consignment_id"] for i in listed.json()["items"]] == [str(d.consignment_id)]
    fetch_path = f"{path}{item.consignment_id}/"
    body = client.get(fetch_path, **headers(b"", method="GET", path=fetch_path, consignment=""))
    assert body.status_code == 200
    with parse_package(body.content) as pkg:
        assert pkg.header.document_id == doc.document_id and [t.organ_id for t in pkg.header.to] == ["000.00.00.H42"]
    d.refresh_from_db()
    assert d.state == "sending"
    ack_path = f"{fetch_path}ack"
    ack = json.dumps({"result": "done"}).encode()
    answer = client.post(ack_path, data=ack, content_type="application/json",
                         **headers(ack, path=ack_path, consignment=""))
    assert answer.status_code == 200
    d.refresh_from_db()
    assert d.state == "delivered"
    assert client.get(path, **headers(b"", method="GET", path=path, consignment="")).json()["items"] == []


@pytest.mark.django_db(transaction=True)
def test_edxml_commands_export_and_dry_run_json(province, tmp_path):
    doc = rich_document(province)
    document_send(document=doc, acting_user=province.clerk(province.snv), units=[province.remote])
    out = run_manage("edxml_export", str(doc.pk))
    assert out.returncode == 0, out.stderr
    path = tmp_path / "doc.edxml"
    path.write_bytes(as_remote(out.stdout.encode(), province.remote, [province.stc]))
    checked = run_manage("edxml_import", str(path), "--dry-run", "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads(checked.stdout)
    assert (report["kind"], report["from"], report["to"], report["business_type"]) == (
        "document", "000.00.00.H42", ["000.00.05.H99"], 0)
    assert [a["name"] for a in report["attachments"]] == ["quyet-dinh.pdf", "phu-luc.png"]
    bad = tmp_path / "bad.edxml"
    bad.write_bytes(b"<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'/>")
    failed = run_manage("edxml_import", str(bad), "--dry-run", "--json")
    assert failed.returncode != 0 and json.loads(failed.stdout)["result"] == "fault"
    assert not Document.objects.filter(owner_unit=province.remote).exists()


def test_api_import_and_document_as_edxml(client, province, peer, package):
    admin = province.user(province.ubnd, "unit_admin")  # a province administrator
    client.force_login(admin)
    dry = client.post("/api/v1/edxml/packages/?dry_run=1&peer=peer-h42", data=package,
                      content_type="application/xml")
    assert dry.status_code == 200 and dry.json()["result"] == "valid"
    stored = client.post("/api/v1/edxml/packages/?peer=peer-h42", data=package, content_type="application/xml")
    assert stored.status_code == 201 and stored.json()["result"] == "accepted"
    doc = Document.objects.get(pk=stored.json()["document"])
    assert AuditEvent.objects.filter(verb="edxml.manual_import", actor=admin).count() == 1
    client.force_login(province.clerk(province.stc))  # the recipient may export what it received
    got = client.get(f"/api/v1/documents/{doc.pk}/edxml")
    assert got.status_code == 200
    with parse_package(b"".join(got.streaming_content)) as pkg:
        assert pkg.header.document_id == doc.document_id
    assert doc.issued_on == datetime.date(2026, 3, 5)


def test_manual_import_needs_a_province_admin_and_a_named_peer(client, province, peer, package, django_user_model):
    staff = django_user_model.objects.create_user(username="staff", password="x", is_staff=True)
    client.force_login(staff)  # being staff grants nothing
    r = client.post("/api/v1/edxml/packages/?peer=peer-h42", data=package, content_type="application/xml")
    assert r.status_code == 403 and r.json()["error"]["code"] == "permission_denied"
    client.force_login(province.user(province.ubnd, "unit_admin"))
    r = client.post("/api/v1/edxml/packages/", data=package, content_type="application/xml")
    assert r.status_code == 400 and "peer" in r.json()["error"]["fields"]
    assert not Document.objects.filter(owner_unit=province.remote).exists()


def test_document_edxml_is_404_for_another_units_document_and_403_without_the_scope(client, province, make_api):
    doc = make_issued(province.snv, province.clerk(province.snv))
    document_send(document=doc, acting_user=province.clerk(province.snv), units=[province.stc])
    other = make_api(province.district, ["documents:read"])
    assert other.get(f"/api/v1/documents/{doc.pk}/edxml").status_code == 404
    assert other.get("/api/v1/documents/999999/edxml").status_code == 404
    unscoped = make_api(province.snv, ["units:read"])
    r = unscoped.get(f"/api/v1/documents/{doc.pk}/edxml")
    assert r.status_code == 403 and r.json()["error"]["code"] == "permission_denied"
    own = make_api(province.snv, ["documents:read"], name="reader")
    assert own.get(f"/api/v1/documents/{doc.pk}/edxml").status_code == 200
    client.force_login(province.clerk(province.district))  # a session of another unit: 404 as well
    assert client.get(f"/api/v1/documents/{doc.pk}/edxml").status_code == 404
    assert AuditEvent.objects.filter(verb="api.call", object_id=f"/api/v1/documents/{doc.pk}/edxml").count() >= 4
