"""PDF (PAdES) verification: one test per case of the issue, each with its verdict and reason."""
import io

import pytest
from django.test import override_settings

from signatures.choices import Verdict
from egov.devtools.pki import make_big_crl, sign_pdf
from signatures.services import verification_run
from signatures.services.reasons import Reason

pytestmark = pytest.mark.django_db


def run(content, **kwargs):
    kwargs.setdefault("etsi_report", False)
    return verification_run(content=content, filename="test.pdf", **kwargs)


def test_valid_signature_reports_signer_and_evidence(trust_store, signed_by):
    content = signed_by("person")
    v = run(content)
    assert (v.verdict, v.reason_code) == (Verdict.VALID, Reason.VALID)
    assert v.pk is not None and v.kind == "pdf"
    [sig] = v.signatures
    assert sig["signer"] == "Nguyễn Văn An"
    assert sig["uids"] == ["CCCD:040123456789"]
    assert sig["organisation"] == "Sở Nội vụ tỉnh Nghệ An"
    assert sig["intact"] and sig["trusted"] and not sig["revoked"] and not sig["expired"]
    assert sig["coverage"] == "entire_file" and sig["modified_after_signing"] is False
    assert sig["signing_time"].endswith("+07:00")
    assert sig["digest_algorithm"] == "sha256" and sig["public_key"] == "RSA-2048"
    assert v.reason_en == "Signature 1 (Nguyễn Văn An): The signature is valid."
    ev = v.evidence
    import hashlib

    assert ev["file_sha256"] == hashlib.sha256(content).hexdigest() == v.file_sha256
    assert ev["trust_store_version"] == v.trust_store_version > 0
    assert ev["libraries"]["pyHanko"] == "0.38.0"
    [sig_ev] = ev["signatures"]
    assert [c["subject"] for c in sig_ev["chain"]][0].startswith("User ID: CCCD:040123456789")
    assert len(sig_ev["chain"]) == 3  # leaf, intermediate, root
    # The CRL of the intermediate (issuer of the leaf) and of the root (issuer of the intermediate).
    assert len(sig_ev["revocation_data"]["crls"]) == 2
    assert sig_ev["cms_b64"] and len(sig_ev["byte_range"]) == 4


def test_tampered_bytes_are_invalid(trust_store, signed_by):
    content = signed_by("person")
    tampered = content.replace(b"Quyet dinh so 12", b"Quyet dinh so 99", 1)
    assert tampered != content
    v = run(tampered)
    assert (v.verdict, v.reason_code) == (Verdict.INVALID, Reason.SIGNATURE_BROKEN)
    assert v.signatures[0]["intact"] is False


def test_revoked_certificate_is_indeterminate(trust_store, signed_by):
    v = run(signed_by("revoked"))
    assert (v.verdict, v.reason_code) == (Verdict.INDETERMINATE, Reason.REVOKED)
    sig = v.signatures[0]
    assert sig["revoked"] is True and sig["intact"] is True and sig["trusted"] is False
    assert sig["revocation"]["revocation_date"] is not None


def test_expired_certificate_is_indeterminate(trust_store, signed_by):
    v = run(signed_by("expired"))
    assert (v.verdict, v.reason_code) == (Verdict.INDETERMINATE, Reason.EXPIRED)
    assert v.signatures[0]["expired"] is True


def test_not_yet_valid_certificate_is_invalid(trust_store, signed_by):
    v = run(signed_by("not_yet_valid"))
    assert (v.verdict, v.reason_code) == (Verdict.INVALID, Reason.NOT_YET_VALID)
    assert v.signatures[0]["not_yet_valid"] is True


def test_untrusted_root_is_indeterminate(trust_store, signed_by):
    v = run(signed_by("stranger"))
    assert (v.verdict, v.reason_code) == (Verdict.INDETERMINATE, Reason.UNTRUSTED)
    assert v.signatures[0]["trusted"] is False


def test_disabled_anchor_means_untrusted(trust_store, signed_by):
    from signatures.models import TrustAnchor
    from signatures.services.trust import anchor_set_enabled

    anchor_set_enabled(anchor=TrustAnchor.objects.get(), enabled=False)
    v = run(signed_by("person"))
    assert (v.verdict, v.reason_code) == (Verdict.INDETERMINATE, Reason.UNTRUSTED)


def test_wrong_key_usage_is_invalid(trust_store, signed_by):
    v = run(signed_by("wrong_ku"))
    assert (v.verdict, v.reason_code) == (Verdict.INVALID, Reason.KEY_USAGE)
    assert v.signatures[0]["key_usage_ok"] is False


@override_settings(SIGNATURES_REQUIRED_KEY_USAGE=("non_repudiation", "digital_signature"))
def test_key_usage_policy_is_a_setting(trust_store, pki, plain_pdf):
    # The TSA certificate has digitalSignature only: accepted once the policy allows it.
    v = run(sign_pdf(plain_pdf, pki.tsa))
    assert v.signatures[0]["key_usage_ok"] is True
    assert v.verdict == Verdict.VALID


def test_weak_rsa_key_is_invalid(trust_store, signed_by):
    v = run(signed_by("weak"))
    assert (v.verdict, v.reason_code) == (Verdict.INVALID, Reason.ALGORITHM)


def _rewrite_page_content(content: bytes, text: bytes) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(content))
    page_ref = w.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    page["/Contents"] = w.add_object(generic.StreamObject(stream_data=b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj ET"))
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_incremental_update_changing_content_is_invalid(trust_store, signed_by):
    content = signed_by("person")
    changed = _rewrite_page_content(content, b"Quyet dinh so 99 - forged")
    assert changed.startswith(content)  # an incremental update: the signature itself is intact
    v = run(changed)
    assert (v.verdict, v.reason_code) == (Verdict.INVALID, Reason.MODIFIED_AFTER_SIGNING)
    sig = v.signatures[0]
    assert sig["intact"] is True
    assert sig["coverage"] == "entire_revision"
    assert sig["modified_after_signing"] is True and sig["modification_level"] == "other"


def test_person_then_organisation_is_valid_in_signing_order(trust_store, pki, signed_by):
    both = sign_pdf(signed_by("person"), pki.organisation, field_name="OrgSignature", box=(250, 100, 360, 210))
    v = run(both)
    assert (v.verdict, v.reason_code) == (Verdict.VALID, Reason.VALID)
    assert [s["signer"] for s in v.signatures] == ["Nguyễn Văn An", "Ủy ban nhân dân xã Thử"]
    assert [s["index"] for s in v.signatures] == [1, 2]
    first, second = v.signatures
    assert first["coverage"] == "entire_revision" and first["modified_after_signing"] is False
    assert first["modification_level"] in ("form_filling", "none")
    assert second["coverage"] == "entire_file"
    assert second["uids"] == ["MST:2900123456", "MNS:1234567"]
    assert v.reason_en == "All 2 signatures are valid."


def test_one_bad_signature_among_two_decides_the_verdict(trust_store, pki, signed_by):
    mixed = sign_pdf(signed_by("person"), pki.stranger, field_name="Second", box=(250, 100, 360, 210))
    v = run(mixed)
    assert (v.verdict, v.reason_code) == (Verdict.INDETERMINATE, Reason.UNTRUSTED)
    assert v.reason_en.startswith("Signature 2 (Stranger)")
    assert [s["status"] for s in v.signatures] == ["valid", "indeterminate"]


def test_unsigned_pdf(trust_store, plain_pdf):
    v = run(plain_pdf)
    assert (v.verdict, v.reason_code, v.signatures) == (Verdict.UNSIGNED, Reason.UNSIGNED, [])


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", b"%PDF-1.4\n" + b"\x00" * 300],
    ids=["garbage", "zeros"],
)
def test_corrupt_pdf_is_invalid(trust_store, content):
    v = run(content)
    assert (v.verdict, v.reason_code) == (Verdict.INVALID, Reason.CORRUPT_FILE)


def test_truncated_signed_pdf_is_not_valid(trust_store, signed_by):
    content = signed_by("person")
    v = run(content[: len(content) - 2000])
    assert v.verdict in (Verdict.INVALID,)


def test_unknown_revocation_status_is_indeterminate(db, pki, admin_user, signed_by):
    from signatures.services.trust import anchor_add, certificates_import, crl_add

    anchor_add(data=pki.root.der, confirmed_sha256=pki.root.cert.fingerprint(_sha256()).hex(), acting_user=admin_user)
    certificates_import(blobs=[("i.der", pki.intermediate.der)])
    crl_add(data=pki.root_crl)  # the intermediate's CRL is missing
    v = run(signed_by("person"))
    assert (v.verdict, v.reason_code) == (Verdict.INDETERMINATE, Reason.REVOCATION_UNKNOWN)


@override_settings(SIGNATURES_REVOCATION_MODE="soft-fail")
def test_soft_fail_mode_accepts_missing_revocation_data(db, pki, admin_user, signed_by):
    from signatures.services.trust import anchor_add, certificates_import

    anchor_add(data=pki.root.der, confirmed_sha256=pki.root.cert.fingerprint(_sha256()).hex(), acting_user=admin_user)
    certificates_import(blobs=[("i.der", pki.intermediate.der)])
    assert run(signed_by("person")).verdict == Verdict.VALID


def test_signature_timestamp_and_document_timestamp(trust_store, pki, plain_pdf):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    signed = sign_pdf(plain_pdf, pki.person, timestamper=pki.timestamper())
    w = IncrementalPdfFileWriter(io.BytesIO(signed))
    with_doc_ts = signers.PdfTimeStamper(pki.timestamper()).timestamp_pdf(w, "sha256").getvalue()
    v = run(with_doc_ts)
    assert [s["type"] for s in v.signatures] == ["signature", "timestamp"]
    sig, ts = v.signatures
    assert sig["timestamp_time"] is not None and sig["timestamp_trusted"] is True
    assert ts["signer"] == "Test TSA" and ts["status"] == Verdict.VALID
    assert v.verdict == Verdict.VALID


def test_large_crl_lookup_still_finds_revoked_serial(trust_store, pki, signed_by):
    """The serial index answers "not listed"; listed serials still go through the library."""
    from signatures.services.trust import crl_add
    from signatures.services.truststore import trust_material

    big = make_big_crl(pki, entries=3000, include=[pki.revoked.cert.serial_number])
    crl_add(data=big)
    material = trust_material()
    [inter_crl] = [c for c in material.crls if "Sub CA" in c.issuer]
    assert inter_crl.entries == 3001 and inter_crl.indexed
    assert run(signed_by("revoked")).reason_code == Reason.REVOKED
    assert run(signed_by("person")).verdict == Verdict.VALID


def test_extra_anchor_and_crl_for_one_run(db, pki, signed_by):
    content = signed_by("person")
    assert run(content).reason_code == Reason.UNTRUSTED  # empty store
    v = run(
        content,
        extra_anchors=[pki.root.pem, pki.intermediate.der],
        extra_crls=[pki.root_crl, pki.intermediate_crl],
        store=False,
    )
    assert v.pk is None and v.verdict == Verdict.VALID
    assert v.evidence["extra_trust_material"]["crls"]


@pytest.mark.skipif(not __import__("importlib").util.find_spec("xsdata"), reason="xsdata (pyHanko 'etsi' extra) missing")
def test_etsi_report_is_stored(trust_store, signed_by):
    v = run(signed_by("person"), etsi_report=True)
    assert "ValidationReport" in v.etsi_report and "mainindication:total-passed" in v.etsi_report


def test_etsi_report_absence_is_recorded(trust_store, signed_by):
    v = run(signed_by("person"), etsi_report=True)
    assert bool(v.etsi_report) or "etsi_report_unavailable" in v.evidence


def _sha256():
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()
