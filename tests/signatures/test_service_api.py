"""The API other apps use: pending verifications + task, unit policy, VGCA one-time URLs."""
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from signatures.choices import PolicyMode, TicketStatus, Verdict, VerificationStatus
from egov.devtools.pki import sign_pdf
from signatures.models import SigningTicket, Verification
from signatures.services import policy_allows_accept, unit_policy_set, verification_create_pending, verification_run
from signatures.tasks import verify_blob_task

pytestmark = pytest.mark.django_db


# --- pending verification + Celery task ---------------------------------------------------------
def test_pending_verification_is_queued_after_commit_and_run_by_the_task(trust_store, signed_by,
                                                                         django_capture_on_commit_callbacks):
    with mock.patch.object(verify_blob_task, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        v = verification_create_pending(content=signed_by("person"), filename="cv.pdf")
    delay.assert_called_once_with(v.pk)
    assert v.status == VerificationStatus.PENDING and default_storage.exists(v.file_path)
    verify_blob_task.run(v.pk)
    v.refresh_from_db()
    assert (v.status, v.verdict) == (VerificationStatus.DONE, Verdict.VALID)
    done_at = v.verified_at
    verify_blob_task.run(v.pk)  # redelivered task: no second run
    v.refresh_from_db()
    assert v.verified_at == done_at


def test_task_tolerates_missing_rows_and_files(db):
    verify_blob_task.run(999999)
    v = Verification.objects.create(status=VerificationStatus.PENDING, file_path="signatures/nope.pdf")
    verify_blob_task.run(v.pk)
    v.refresh_from_db()
    assert v.status == VerificationStatus.FAILED and "unreadable" in v.error


def test_detached_pending_verification(trust_store, pki):
    from tests.signatures.test_cms_xml_verification import PAYLOAD, p7s

    v = verification_create_pending(content=PAYLOAD, filename="a.docx", detached_signature=p7s(pki.person, PAYLOAD),
                                    enqueue=False)
    verify_blob_task.run(v.pk)
    v.refresh_from_db()
    assert (v.kind, v.verdict) == ("cms", Verdict.VALID)


# --- unit policy ---------------------------------------------------------------------------------
@pytest.fixture
def unit(db):
    from tests.factories import UnitFactory

    return UnitFactory()


def test_policy_warn_by_default_and_block_when_set(trust_store, unit, signed_by, plain_pdf):
    valid = verification_run(content=signed_by("person"), etsi_report=False)
    unsigned = verification_run(content=plain_pdf)
    revoked = verification_run(content=signed_by("revoked"), etsi_report=False)
    assert policy_allows_accept(unit=unit, verification=valid) == (True, "")
    allowed, message = policy_allows_accept(unit=unit, verification=unsigned)
    assert allowed and message
    unit_policy_set(unit=unit, mode=PolicyMode.BLOCK)
    allowed, message = policy_allows_accept(unit=unit, verification=revoked)
    assert not allowed and revoked.reason_vi in message
    assert policy_allows_accept(unit=unit, verification=None)[0] is False
    assert policy_allows_accept(unit=unit, verification=valid) == (True, "")


# --- VGCA Sign Service ---------------------------------------------------------------------------
@pytest.fixture
def signer_user(trust_store, pki):
    from signatures.models import Certificate
    from signatures.services.trust import certificate_bind, certificates_import
    from tests.factories import UserFactory

    user = UserFactory(username="clerk")
    certificates_import(blobs=[("p", pki.person.pem)])
    certificate_bind(certificate=Certificate.objects.get(common_name="Nguyễn Văn An"), binding="personal", user=user)
    return user


def _ticket(user, pdf):
    from signatures.services.vgca import ticket_issue

    return ticket_issue(user=user, content=pdf, filename="du-thao.pdf")


def _round(client, ticket, sign):
    down = client.get(reverse("signatures:vgca_download", args=[ticket.token]))
    assert down.status_code == 200
    served = b"".join(down.streaming_content)
    signed = sign(served)
    from django.core.files.uploadedfile import SimpleUploadedFile

    # English answer: these tests check which rule refused the file, not its Vietnamese wording.
    return client.post(reverse("signatures:vgca_upload", args=[ticket.token]),
                       {"file": SimpleUploadedFile("signed.pdf", signed, "application/pdf")},
                       HTTP_ACCEPT_LANGUAGE="en")


def test_vgca_round_trip_accepts_the_bound_signer_once(client, signer_user, pki, plain_pdf):
    ticket = _ticket(signer_user, plain_pdf)
    up = _round(client, ticket, lambda served: sign_pdf(served, pki.person))
    assert up.status_code == 200 and up.json()["status"] == "accepted" and up.json()["verdict"] == "valid"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ACCEPTED and default_storage.exists(ticket.signed_path)
    # One-time: neither URL works again.
    assert client.get(reverse("signatures:vgca_download", args=[ticket.token])).status_code == 410
    assert client.post(reverse("signatures:vgca_upload", args=[ticket.token]), data=b"x",
                       content_type="application/pdf").status_code == 410


def test_vgca_rejects_a_signer_not_bound_to_the_user(client, signer_user, pki, plain_pdf):
    from signatures.services.trust import certificates_import

    certificates_import(blobs=[("o", pki.organisation.pem)])  # known, but not bound to this user
    up = _round(client, _ticket(signer_user, plain_pdf), lambda served: sign_pdf(served, pki.organisation))
    assert up.status_code == 422 and up.json()["status"] == "rejected"
    assert "not registered to your account" in up.json()["rejection"]


def test_vgca_rejects_other_bytes_than_served(client, signer_user, pki, plain_pdf):
    from egov.devtools.pki import make_pdf

    other = make_pdf(text="Another document")
    up = _round(client, _ticket(signer_user, plain_pdf), lambda served: sign_pdf(other, pki.person))
    assert up.status_code == 422 and "not the served file" in up.json()["rejection"]


def test_vgca_rejects_content_changed_before_signing(client, signer_user, pki, plain_pdf):
    from tests.signatures.test_pdf_verification import _rewrite_page_content

    def tamper_then_sign(served):
        return sign_pdf(_rewrite_page_content(served, b"Changed by the client"), pki.person)

    up = _round(client, _ticket(signer_user, plain_pdf), tamper_then_sign)
    assert up.status_code == 422
    assert up.json()["rejection"] in ("The file was changed beyond adding the signature.",
                                      "The uploaded file must add exactly one signature.")


def test_vgca_expired_ticket(client, signer_user, plain_pdf):
    from django.utils import timezone

    ticket = _ticket(signer_user, plain_pdf)
    SigningTicket.objects.filter(pk=ticket.pk).update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    assert client.get(reverse("signatures:vgca_download", args=[ticket.token])).status_code == 410
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.EXPIRED


def _stored_tickets() -> set[str]:
    return set(default_storage.listdir("signatures/tickets")[1]) if default_storage.exists("signatures/tickets") else set()


def test_vgca_only_pdf(signer_user):
    from signatures.services.vgca import TicketError

    stored = _stored_tickets()
    with pytest.raises(TicketError):
        _ticket(signer_user, b"not a pdf")
    # Refused before anything is written: no ticket row, no stored file.
    assert not SigningTicket.objects.exists()
    assert _stored_tickets() == stored
