"""Trust material: anchors with fingerprint confirmation, registry import/search/filter, CRLs, cache."""
import datetime as dt
from unittest import mock

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from django.urls import reverse
from django.utils import timezone

from signatures.models import Certificate, RevocationList, TrustAnchor
from signatures.selectors import certificate_list
from signatures.services import trust as trust_services
from signatures.services.parsing import TrustMaterialError

pytestmark = pytest.mark.django_db


def fp(identity):
    return identity.cert.fingerprint(hashes.SHA256()).hex()


def test_anchor_needs_the_matching_fingerprint(pki, admin_user):
    with pytest.raises(TrustMaterialError):
        trust_services.anchor_add(data=pki.root.pem, confirmed_sha256="00" * 32, acting_user=admin_user)
    assert not TrustAnchor.objects.exists()
    typed = ":".join(fp(pki.root)[i : i + 2] for i in range(0, 64, 2)).upper()
    anchor = trust_services.anchor_add(data=pki.root.pem, confirmed_sha256=typed, acting_user=admin_user)
    assert anchor.enabled and anchor.confirmed_by == admin_user and anchor.sha256 == fp(pki.root)


def test_anchor_must_be_a_self_signed_ca(pki, admin_user):
    for identity in (pki.person, pki.intermediate):
        with pytest.raises(TrustMaterialError):
            trust_services.anchor_add(data=identity.der, confirmed_sha256=fp(identity), acting_user=admin_user)


def test_admin_anchor_page_shows_fingerprint_then_confirms(client, pki, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:signatures_trustanchor_add")
    from django.core.files.uploadedfile import SimpleUploadedFile

    step1 = client.post(url, {"certificate": SimpleUploadedFile("root.pem", pki.root.pem)})
    assert step1.status_code == 200
    shown = fp(pki.root).upper()
    assert ":".join(shown[i : i + 2] for i in range(0, 64, 2)) in step1.content.decode()
    assert not TrustAnchor.objects.exists()  # nothing saved before confirmation
    der_b64 = step1.context["form"]["der_b64"].value()
    step2 = client.post(url, {"der_b64": der_b64, "name": "Test Root", "confirmed_sha256": fp(pki.root)})
    assert step2.status_code == 302
    assert TrustAnchor.objects.get().name == "Test Root"


def test_bulk_import_pem_der_pkcs7_and_uid_parsing(pki):
    bundle = pkcs7.serialize_certificates([pki.revoked.cert, pki.expired.cert], Encoding.DER)
    pem_many = pki.person.pem + pki.organisation.pem
    result = trust_services.certificates_import(
        blobs=[("many.pem", pem_many), ("inter.der", pki.intermediate.der), ("b.p7b", bundle), ("junk.txt", b"nope"),
               ("again.pem", pki.person.pem)]
    )
    assert (result.created, len(result.errors)) == (5, 1)
    again = trust_services.certificates_import(blobs=[("again.pem", pki.person.pem)])
    assert (again.created, again.existing) == (0, 1)
    org = Certificate.objects.get(common_name="Ủy ban nhân dân xã Thử")
    assert org.uids == ["MST:2900123456", "MNS:1234567"]
    assert org.organisation == "UBND tỉnh Nghệ An" and "non_repudiation" in org.key_usage
    assert Certificate.objects.get(is_ca=True).common_name == "Test Sub CA Nghe An"


def test_registry_search_unit_and_expiry_filters(pki, user_factory):
    from tests.factories import UnitFactory

    trust_services.certificates_import(blobs=[("a", pki.person.pem), ("b", pki.organisation.pem), ("c", pki.expired.pem),
                                              ("d", pki.intermediate.pem)])
    unit = UnitFactory()
    org = Certificate.objects.get(common_name="Ủy ban nhân dân xã Thử")
    trust_services.certificate_bind(certificate=org, binding="organisation", unit=unit)
    assert list(certificate_list(search="nguyen van an")) == [Certificate.objects.get(common_name="Nguyễn Văn An")]
    assert list(certificate_list(search="2900123456")) == [org]
    assert list(certificate_list(unit=unit)) == [org]
    assert {c.common_name for c in certificate_list(expires_within_days=400)} == {"Nguyễn Văn An", "Ủy ban nhân dân xã Thử"}
    assert list(certificate_list(expires_within_days=30)) == []
    assert "Expired Signer" not in {c.common_name for c in certificate_list(include_expired=False)}


def test_import_command(tmp_path, pki, capsys):
    from django.core.management import call_command

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.pem").write_bytes(pki.person.pem)
    (tmp_path / "b.der").write_bytes(pki.organisation.der)
    call_command("import_certificates", str(tmp_path))
    assert "created=2" in capsys.readouterr().out


def test_admin_certificate_list_filters_by_expiry(client, pki, admin_user, django_assert_max_num_queries):
    trust_services.certificates_import(blobs=[("a", pki.person.pem), ("b", pki.organisation.pem)])
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:signatures_certificate_changelist") + "?expires_within=30")
    assert response.status_code == 200 and "Nguyễn Văn An" not in response.content.decode()
    response = client.get(reverse("admin:signatures_certificate_changelist") + "?q=nguyen")
    assert "Nguyễn Văn An" in response.content.decode()


def test_newer_crl_becomes_current(pki):
    first = trust_services.crl_add(data=pki.intermediate_crl)
    newer = pki.crl(pki.intermediate, [], this_update=pki.now)
    second = trust_services.crl_add(data=newer)
    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert trust_services.crl_add(data=pki.intermediate_crl).pk == first.pk  # same bytes: no duplicate
    with pytest.raises(TrustMaterialError):
        trust_services.crl_add(data=b"not a crl")


def test_trust_material_parsed_once_per_version(trust_store, pki):
    from signatures.services import truststore

    with mock.patch.object(truststore, "parse_crl", wraps=truststore.parse_crl) as parse:
        first = truststore.trust_material()
        assert truststore.trust_material() is first
        assert parse.call_count == 2  # root and intermediate CRLs, once
        trust_services.certificates_import(blobs=[("x", pki.organisation.pem)])  # no CA: no new version
        assert truststore.trust_material() is first
        anchor = TrustAnchor.objects.get()
        trust_services.anchor_set_enabled(anchor=anchor, enabled=False)
        second = truststore.trust_material()
        assert second is not first and second.anchors == ()
        assert parse.call_count == 2  # CRLs are cached across versions


def test_crl_refresh_is_off_by_default_and_never_touches_the_network(trust_store):
    from signatures.services.crl_fetch import crls_refresh
    from signatures.tasks import refresh_crls_task

    with mock.patch("requests.get", side_effect=AssertionError("network used")):
        assert "skipped" in crls_refresh()
        refresh_crls_task.run()


def test_crl_refresh_when_enabled_uses_distribution_points(trust_store, pki, settings):
    from signatures.services import crl_fetch

    settings.SIGNATURES_NETWORK_FETCH = True
    trust_services.certificates_import(blobs=[("p", pki.person.pem)])
    newer = pki.crl(pki.intermediate, [], this_update=pki.now)
    served = {"http://pki.invalid/intermediate.crl": newer, "http://pki.invalid/root.crl": pki.root_crl}
    assert set(crl_fetch.distribution_points()) == set(served)
    with mock.patch.object(crl_fetch, "download", side_effect=lambda url: served[url]):
        report = crl_fetch.crls_refresh()
    assert report["fetched"] == 2 and report["new"] == 1 and not report["errors"]
    current = RevocationList.objects.get(is_current=True, issuer__contains="Sub CA")
    assert current.source == "fetched" and current.source_url.endswith("intermediate.crl")


def test_stored_ocsp_response_is_used(trust_store, pki, plain_pdf):
    """A signer whose certificate declares an OCSP responder: valid once its response is stored."""
    from cryptography.x509 import ocsp as x_ocsp

    from signatures.choices import Verdict
    from signatures.services import verification_run

    from egov.devtools.pki import sign_pdf

    signer = pki.leaf("OCSP Signer", uids=("CCCD:040999999999",), ocsp_only=True)
    signed = sign_pdf(plain_pdf, signer)
    assert verification_run(content=signed, etsi_report=False).verdict == Verdict.INDETERMINATE
    now = timezone.now()
    response = (
        x_ocsp.OCSPResponseBuilder()
        .add_response(cert=signer.cert, issuer=pki.intermediate.cert, algorithm=hashes.SHA256(),
                      cert_status=x_ocsp.OCSPCertStatus.GOOD, this_update=now - dt.timedelta(minutes=5),
                      next_update=now + dt.timedelta(days=1), revocation_time=None, revocation_reason=None)
        .responder_id(x_ocsp.OCSPResponderEncoding.HASH, pki.intermediate.cert)
        .sign(pki.intermediate.key, hashes.SHA256())
    )
    row = trust_services.ocsp_add(data=response.public_bytes(Encoding.DER))
    assert row.serial_hex == format(signer.cert.serial_number, "x")
    v = verification_run(content=signed, etsi_report=False)
    assert v.verdict == Verdict.VALID
    assert v.evidence["signatures"][0]["revocation_data"]["ocsp"] == [{"id": row.pk, "sha256": row.sha256}]
    with pytest.raises(TrustMaterialError):
        trust_services.ocsp_add(data=b"\x30\x00")


def test_beat_schedule_is_exposed():
    from signatures.tasks import SIGNATURES_BEAT_SCHEDULE

    assert SIGNATURES_BEAT_SCHEDULE["signatures-refresh-crls"]["task"] == "signatures.refresh_crls"
