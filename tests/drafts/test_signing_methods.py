"""
Personal signing methods: the remote-signing adapter against a CSC API service written in the
tests (PIN at signing, hash-bound activation), signature images (PNG, transparent, blue/red),
and who may record which method.
"""
import datetime
import io

import pytest
from django.test import override_settings
from django.utils import timezone

from documents import services as s
from documents.choices import DraftState
from egov.core.errors import InvalidInput, PermissionDeniedError, StateError
from egov.devtools.drafts import seal_png, signature_png
from signatures.choices import CertificateBinding, Verdict

from .csc_service import CSCService
from .test_flow import CHECKS

pytestmark = pytest.mark.django_db


def _png(mode="RGBA", colour=(20, 40, 200, 255), background=(0, 0, 0, 0), fmt="PNG", size=(200, 80)):
    from PIL import Image, ImageDraw

    img = Image.new(mode, size, background)
    ImageDraw.Draw(img).line([(10, 60), (190, 20)], fill=colour, width=12)
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()


def test_signature_images_are_checked(office):
    from signatures.services.personal import signature_image_upload

    up = lambda content, kind="signature", who=office.admin: signature_image_upload(  # noqa: E731
        unit=office.unit, kind=kind, content=content, acting_user=who, user=office.director)
    with pytest.raises(PermissionDeniedError):
        up(signature_png(), who=office.director)
    for bad, reason in [(b"not an image", "readable"), (_png(fmt="JPEG", mode="RGB", background=(255, 255, 255),
                                                            colour=(20, 40, 200)), "PNG"),
                        (_png(mode="RGB", background=(255, 255, 255), colour=(20, 40, 200)), "transparent"),
                        (_png(background=(255, 255, 255, 255)), "not transparent"),
                        (signature_png(colour=(10, 10, 10)), "blue"), (_png(size=(10, 10)), "pixels")]:
        with pytest.raises(InvalidInput, match=reason):
            up(bad)
    first = up(signature_png())
    second = up(signature_png(colour=(0, 0, 160)))
    first.refresh_from_db()
    assert not first.is_active and second.is_active
    with pytest.raises(InvalidInput, match="red"):
        up(signature_png(), kind="seal")
    assert up(seal_png(), kind="seal").user is None


def test_remote_csc_signing(signing_ready, pki):
    from signatures.models import Certificate
    from signatures.services import verification_run
    from signatures.services.personal import signature_image_upload, signing_method_set
    from signatures.services.trust import certificate_bind, certificates_import

    office = signing_ready
    identity = pki.leaf("Bùi Văn Khoa", org="Sở Nội vụ tỉnh Nghệ An", uids=("CCCD:040987654321",))
    certificates_import(blobs=[("deputy.pem", identity.pem)])
    cert = certificate_bind(certificate=Certificate.objects.get(common_name="Bùi Văn Khoa"),
                            binding=CertificateBinding.PERSONAL, user=office.deputy)
    signature_image_upload(unit=office.unit, kind="signature", content=signature_png(), acting_user=office.admin,
                           user=office.deputy)
    with pytest.raises(InvalidInput):  # another person's certificate
        signing_method_set(user=office.deputy, kind="remote", acting_user=office.deputy,
                           certificate=office.method.certificate, csc_service_url="http://x", csc_credential_id="c")
    with CSCService(identity) as csc, override_settings(SIGNATURES_KEY_SECRETS={"test-org-pin": "246810",
                                                                                "csc-token": "csc-bearer-token"}):
        signing_method_set(user=office.deputy, kind="remote", acting_user=office.deputy, certificate=cert,
                           csc_service_url=csc.url, csc_credential_id="cred-001", csc_token_secret="csc-token")
        from signatures.services.personal import delegation_create

        today = timezone.localdate()
        delegation_create(unit=office.unit, acting_user=office.director, delegate=office.deputy, kind="KT",
                          valid_from=today, valid_to=today + datetime.timedelta(days=5), delegator_title="Giám đốc")
        d = s.draft_create(owner_unit=office.unit, acting_user=office.drafter, subject="Ký từ xa",
                           upload=office.pdf(signer_name="Bùi Văn Khoa", competence_line="KT. GIÁM ĐỐC",
                                             signer_title="PHÓ GIÁM ĐỐC"))
        s.draft_submit(draft=d, acting_user=office.drafter, signer=office.deputy, competence="KT",
                       on_behalf_of=office.director)
        s.draft_approve(draft=d, acting_user=office.head)
        s.draft_approve(draft=d, acting_user=office.office, checklist=CHECKS)
        s.draft_approve(draft=d, acting_user=office.deputy)
        with pytest.raises(StateError, match="PIN"):
            s.draft_sign(draft=d, acting_user=office.deputy, pin="000000")
        d = s.draft_sign(draft=d, acting_user=office.deputy, pin="654321")
        assert d.state == DraftState.SIGNED and d.signing_method == "remote"
        assert "/csc/v1/signatures/signHash" in csc.calls
        d = s.draft_issue(draft=d, acting_user=office.clerk)
    content = d.document.attachments.get(kind="main").file.open("rb").read()
    v = verification_run(content=content, filename="remote.pdf", etsi_report=False)
    assert v.verdict == Verdict.VALID and [x["signer"] for x in v.signatures] == ["Bùi Văn Khoa",
                                                                                   "Ủy ban nhân dân xã Thử"]
    assert d.document.signer_competence == "KT."


def test_vgca_browser_signing_through_a_ticket(signing_ready, pki):
    """The VGCA Sign Service's part is played as the real one does it: download, sign with the token, upload."""
    from egov.devtools.pki import sign_pdf
    from signatures.services.vgca import ticket_download, ticket_upload

    office = signing_ready
    d = s.draft_create(owner_unit=office.unit, acting_user=office.drafter, subject="Ký qua trình duyệt",
                       upload=office.pdf())
    s.draft_submit(draft=d, acting_user=office.drafter, signer=office.director)
    s.draft_approve(draft=d, acting_user=office.head)
    s.draft_approve(draft=d, acting_user=office.office, checklist=CHECKS)
    with pytest.raises(StateError):  # not yet approved by the signer
        s.draft_sign_ticket(draft=d, acting_user=office.director)
    s.draft_approve(draft=d, acting_user=office.director)
    with pytest.raises(PermissionDeniedError):
        s.draft_sign_ticket(draft=d, acting_user=office.deputy)
    ticket = s.draft_sign_ticket(draft=d, acting_user=office.director)
    with pytest.raises(StateError, match="not arrived"):
        s.draft_sign_from_ticket(draft=d, acting_user=office.director)
    _ticket, served = ticket_download(token=ticket.token)
    ticket = ticket_upload(token=ticket.token, content=sign_pdf(served, pki.person))
    assert ticket.status == "accepted", ticket.rejection
    d = s.draft_sign_from_ticket(draft=d, acting_user=office.director)
    assert d.state == DraftState.SIGNED and d.signing_method == "vgca"
    d = s.draft_issue(draft=d, acting_user=office.clerk)
    from signatures.services import verification_run

    v = verification_run(content=d.document.attachments.get(kind="main").file.open("rb").read(), etsi_report=False)
    assert v.verdict == Verdict.VALID and len(v.signatures) == 2
