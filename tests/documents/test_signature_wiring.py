"""Signature verification on upload and on receipt, and the unit's policy when accepting."""
import datetime
from unittest import mock

import pytest
from cryptography.hazmat.primitives import hashes

from documents.models import IncomingRecord
from documents.services import (
    attachment_add,
    deliver_local_batch,
    document_create,
    document_issue,
    document_send,
    incoming_accept,
)
from egov.core.errors import StateError
from documents.tasks import deliver_local_batch_task
from signatures.choices import PolicyMode
from egov.devtools.pki import TestPKI, make_pdf, sign_pdf
from signatures.models import UnitSignaturePolicy
from signatures.services.truststore import reset_cache
from signatures.tasks import verify_blob_task

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 6)


@pytest.fixture(scope="module")
def pki():
    return TestPKI()


@pytest.fixture(scope="module")
def pdfs(pki):
    plain = make_pdf(pages=1, text="Cong van so 05/SNV-VP")
    return {"plain": plain, "signed": sign_pdf(plain, pki.person)}


@pytest.fixture
def trust_store(pki):
    from signatures.services.trust import anchor_add, certificates_import, crl_add
    from tests.factories import UserFactory

    reset_cache()
    admin = UserFactory(username="pki-admin", is_staff=True, is_superuser=True)
    anchor_add(data=pki.root.pem, confirmed_sha256=pki.root.cert.fingerprint(hashes.SHA256()).hex(), acting_user=admin)
    certificates_import(blobs=[("intermediate.pem", pki.intermediate.pem)])
    crl_add(data=pki.root_crl)
    crl_add(data=pki.intermediate_crl)
    yield pki
    reset_cache()


def _deliver(province, content, name="cv.pdf"):
    clerk = province.clerk(province.snv)
    doc = document_create(owner_unit=province.snv, acting_user=clerk, subject="Công văn có chữ ký số",
                          doc_type="CV", notation_suffix="VP", signer_name="Nguyễn Văn An")
    att = attachment_add(document=doc, acting_user=clerk, upload=content, name=name)
    document_issue(document=doc, acting_user=clerk)
    with mock.patch.object(deliver_local_batch_task, "delay"):
        dispatches = document_send(document=doc, acting_user=clerk, units=[province.communes[0]], on=TODAY)
    deliver_local_batch(dispatch_ids=[d.pk for d in dispatches])
    return att, IncomingRecord.objects.get(unit=province.communes[0], document=doc)


def _run(verification):
    verify_blob_task.run(verification.pk)
    verification.refresh_from_db()
    return verification


def test_upload_and_receipt_are_verified(province, trust_store, pdfs):
    att, rec = _deliver(province, pdfs["signed"])
    assert att.verification.status == "pending" and rec.verification_id not in (None, att.verification_id)
    assert _run(att.verification).verdict == "valid"
    v = _run(rec.verification)
    assert v.verdict == "valid" and v.file_sha256 == att.sha256
    accepted = incoming_accept(incoming=rec, acting_user=province.clerk(province.communes[0]))
    assert accepted.policy_warning == ""


def test_block_policy_refuses_an_unsigned_main_file(province, trust_store, pdfs):
    UnitSignaturePolicy.objects.create(unit=province.communes[0], mode=PolicyMode.BLOCK)
    _att, rec = _deliver(province, pdfs["plain"])
    assert _run(rec.verification).verdict == "unsigned"
    with pytest.raises(StateError) as exc:
        incoming_accept(incoming=rec, acting_user=province.clerk(province.communes[0]))
    assert exc.value.code == "signature_policy"
    rec.refresh_from_db()
    assert rec.status == "arrived" and rec.incoming_number is None


def test_warn_policy_accepts_with_a_warning(province, trust_store, pdfs):
    _att, rec = _deliver(province, pdfs["plain"])
    _run(rec.verification)
    accepted = incoming_accept(incoming=rec, acting_user=province.clerk(province.communes[0]))
    assert accepted.incoming_number == 1 and accepted.policy_warning


def test_lost_verification_tasks_are_queued_again(province, pdfs):
    from datetime import timedelta

    from django.utils import timezone

    from signatures.models import Verification
    from signatures.tasks import sweep_pending_verifications_task

    att, rec = _deliver(province, pdfs["plain"])
    Verification.objects.filter(pk=att.verification_id).update(created_at=timezone.now() - timedelta(minutes=10))
    with mock.patch.object(verify_blob_task, "delay") as delay:
        assert sweep_pending_verifications_task.run() == 1
    delay.assert_called_once_with(att.verification_id)


def test_receipt_check_runs_once_per_document_not_per_batch(province, pdfs, settings):
    """h17: a send delivered in several batches checks the main file once; every record shares it."""
    from signatures.models import Verification

    clerk = province.clerk(province.snv)
    doc = document_create(owner_unit=province.snv, acting_user=clerk, subject="Gửi nhiều lô",
                          doc_type="CV", notation_suffix="VP", signer_name="Nguyễn Văn An")
    attachment_add(document=doc, acting_user=clerk, upload=pdfs["signed"], name="cv.pdf")
    document_issue(document=doc, acting_user=clerk)
    before = Verification.objects.count()
    with mock.patch.object(deliver_local_batch_task, "delay"):
        dispatches = document_send(document=doc, acting_user=clerk,
                                   units=[province.ubnd, province.stc, province.district, *province.communes], on=TODAY)
    ids = [d.pk for d in dispatches]
    for i in range(0, len(ids), 2):  # four batches
        deliver_local_batch(dispatch_ids=ids[i:i + 2])
    records = IncomingRecord.objects.filter(document=doc)
    assert records.count() == len(ids) == 6
    assert Verification.objects.count() == before + 1
    assert len(set(records.values_list("verification_id", flat=True))) == 1
    assert records.first().verification_id is not None
