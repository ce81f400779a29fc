"""
h17: what the verification service caches per trust material (the trust manager and template
registry behind each validation context, extra anchors/CRLs parsed once) is dropped as soon as
the trust store or the CRLs change, and is never shared in a way that leaks between runs.
"""
import datetime as dt

import pytest

from signatures.choices import Verdict
from signatures.models import TrustAnchor
from signatures.services import trust as trust_services
from signatures.services import truststore
from signatures.services.reasons import Reason
from signatures.services.verification import verification_run

pytestmark = pytest.mark.django_db


def _run(content, **kw):
    return verification_run(content=content, filename="t.pdf", **kw)


def test_new_crl_revoking_the_signer_is_used_at_once(trust_store, pki, signed_by):
    assert _run(signed_by("person")).verdict == Verdict.VALID  # warms the cached parts
    before = truststore.trust_material()
    revoking = pki.crl(pki.intermediate, [(pki.person.cert.serial_number, pki.now - dt.timedelta(hours=1))],
                       this_update=pki.now)
    trust_services.crl_add(data=revoking)
    after = truststore.trust_material()
    assert after is not before and after.version > before.version
    v = _run(signed_by("person"))
    assert (v.verdict, v.reason_code) == (Verdict.INDETERMINATE, Reason.REVOKED)
    assert v.trust_store_version == after.version


def test_disabled_anchor_is_no_longer_trusted(trust_store, pki, signed_by):
    assert _run(signed_by("person")).verdict == Verdict.VALID
    trust_services.anchor_set_enabled(anchor=TrustAnchor.objects.get(), enabled=False)
    v = _run(signed_by("person"))
    assert v.verdict != Verdict.VALID and v.signatures[0]["trusted"] is False


def test_extra_material_is_parsed_once_per_store_version_and_content(db, pki, signed_by):
    extras = dict(anchors=(pki.root.pem,), crls=(pki.root_crl, pki.intermediate_crl))
    base = truststore.trust_material()
    first = base.with_extra(**extras)
    assert base.with_extra(**extras) is first  # same store, same bytes: cached
    assert _run(signed_by("person"), extra_anchors=extras["anchors"], extra_crls=extras["crls"]).verdict == Verdict.VALID
    # Other extra bytes (a CRL revoking the signer): parsed, not taken from the cache.
    revoking = pki.crl(pki.intermediate, [(pki.person.cert.serial_number, pki.now - dt.timedelta(hours=1))],
                       this_update=pki.now)
    other = base.with_extra(anchors=extras["anchors"], crls=(pki.root_crl, revoking))
    assert other is not first
    v = _run(signed_by("person"), extra_anchors=extras["anchors"], extra_crls=(pki.root_crl, revoking))
    assert v.reason_code == Reason.REVOKED
    # A changed store is a new material object: its extras are rebuilt on top of it.
    trust_services.certificates_import(blobs=[("intermediate.pem", pki.intermediate.pem)])
    changed = truststore.trust_material()
    assert changed is not base
    rebuilt = changed.with_extra(**extras)
    assert rebuilt is not first and rebuilt.version == changed.version
    assert len(rebuilt.intermediates) == len(changed.intermediates) == 1


def test_stored_extras_evidence_is_a_copy_of_the_cached_material(db, pki, signed_by):
    kw = dict(extra_anchors=(pki.root.pem,), extra_crls=(pki.root_crl, pki.intermediate_crl))
    v = _run(signed_by("person"), **kw)
    expected = {k: list(x) for k, x in v.evidence["extra_trust_material"].items()}
    v.evidence["extra_trust_material"]["crls"].append("tampered")
    assert _run(signed_by("person"), **kw).evidence["extra_trust_material"] == expected


def test_each_validation_context_gets_its_own_registry(trust_store, pki):
    from asn1crypto import x509 as asn1_x509

    material = truststore.trust_material()
    carried = asn1_x509.Certificate.load(pki.organisation.der)
    first = material.validation_context(other_certs=[carried])
    assert carried.issuer_serial in first.certificate_registry.certs
    second = material.validation_context()
    assert carried.issuer_serial not in second.certificate_registry.certs
    assert first.certificate_registry is not second.certificate_registry
    # Same maps as the library builds them itself.
    from pyhanko_certvalidator import ValidationContext

    reference = ValidationContext(trust_roots=list(material.anchors),
                                  other_certs=[*material.intermediates, carried], crls=[], allow_fetching=False)
    ours, theirs = first.certificate_registry, reference.certificate_registry
    assert list(ours.certs) == list(theirs.certs)
    for name in ("_subject_map", "_key_identifier_map", "_key_hash_map"):
        assert {k: [c.issuer_serial for c in v] for k, v in getattr(ours, name).items()} == \
               {k: [c.issuer_serial for c in v] for k, v in getattr(theirs, name).items()}


def test_carried_certificates_as_pyhanko_partitions_them(pki, signed_by):
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.general import extract_certificate_info

    from egov.devtools.pki import sign_pdf
    from signatures.services.results import _embedded_certs_fast, embedded_certs

    two = sign_pdf(signed_by("person"), pki.organisation, field_name="Org", box=(250, 100, 360, 210))
    for emb in PdfFileReader(io.BytesIO(two), strict=False).embedded_signatures:
        expected = [c.dump() for c in extract_certificate_info(emb.signed_data).other_certs]
        assert [c.dump() for c in _embedded_certs_fast(emb.signed_data)] == expected
        assert [c.dump() for c in embedded_certs(emb.signed_data)] == expected


@pytest.mark.parametrize("signers", [("person", "organisation"), ("person", "revoked"), ("expired", "organisation")])
def test_one_context_per_file_gives_the_same_results_as_one_per_signature(trust_store, pki, plain_pdf, signers,
                                                                          monkeypatch):
    from egov.devtools.pki import sign_pdf
    from signatures.services import pdf as pdf_service
    from signatures.services.verification import verify_bytes

    first, second = signers
    content = sign_pdf(sign_pdf(plain_pdf, getattr(pki, first)), getattr(pki, second), field_name="Org",
                       box=(250, 100, 360, 210))
    material = truststore.trust_material()
    calls = []
    real = pdf_service._context_shareable
    monkeypatch.setattr(pdf_service, "_context_shareable", lambda *a: calls.append(real(*a)) or calls[-1])
    shared = verify_bytes(content=content, material=material)
    assert calls == [True]
    monkeypatch.setattr(pdf_service, "_context_shareable", lambda *a: False)
    alone = verify_bytes(content=content, material=material)
    assert shared.signatures == alone.signatures
    assert shared.evidence == alone.evidence


def test_no_shared_context_when_the_signatures_carry_other_certificates_or_timestamps(pki, plain_pdf):
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    from egov.devtools.pki import sign_pdf
    from signatures.services.pdf import _context_shareable
    from signatures.services.results import embedded_certs

    content = sign_pdf(sign_pdf(plain_pdf, pki.person), pki.organisation, field_name="Org", box=(250, 100, 360, 210))
    embedded = list(PdfFileReader(io.BytesIO(content), strict=False).embedded_signatures)
    carried = [embedded_certs(e.signed_data) for e in embedded]
    assert _context_shareable(embedded, carried)
    assert not _context_shareable(embedded, [carried[0], []])  # a signature carrying other certificates
    assert not _context_shareable(embedded[:1], carried[:1])  # one signature: nothing to share
    stamped = sign_pdf(sign_pdf(plain_pdf, pki.person, timestamper=pki.timestamper()), pki.organisation,
                       field_name="Org", box=(250, 100, 360, 210))
    embedded = list(PdfFileReader(io.BytesIO(stamped), strict=False).embedded_signatures)
    assert not _context_shareable(embedded, [embedded_certs(e.signed_data) for e in embedded])  # a time-stamp
