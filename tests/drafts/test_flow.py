"""
The draft's road from the drafter to issue, every transition and every refusal, against the
real database: versions never overwritten, comment requests to people and to another unit
through the exchange, content → form → signer approval, change after approval back to the
signer, the director's PKCS#11 signature (SoftHSM2) then the clerk's number and the
organisation signature, both valid with the portal's verifier and with pyHanko.
"""
import hashlib
import io

import pytest

from documents import services as s
from documents.choices import DraftEventKind, DraftState, IncomingStatus, StatusCode
from documents.models import CommentTarget, DraftEvent, IncomingRecord
from egov.core.errors import InvalidInput, PermissionDeniedError, StateError
from signatures.services.personal import SigningRefused

pytestmark = pytest.mark.django_db

CHECKS = {key: True for key in s.FORM_CHECKLIST}


def _draft(office, **kw):
    kw.setdefault("subject", "Về việc tuyển dụng công chức năm 2026")
    return s.draft_create(owner_unit=office.unit, acting_user=office.drafter, upload=office.pdf(), doc_type="CV",
                          file_name="du-thao.pdf", **kw)


def _through_approval(office, draft, signer=None, **kw):
    s.draft_submit(draft=draft, acting_user=office.drafter, signer=signer or office.director, **kw)
    s.draft_approve(draft=draft, acting_user=office.head, note="Nội dung đạt")
    s.draft_approve(draft=draft, acting_user=office.office, checklist=CHECKS)
    return s.draft_approve(draft=draft, acting_user=signer or office.director)


def test_versions_are_kept_and_the_division_is_the_drafters(office):
    d = _draft(office)
    assert d.division == office.tccb and d.document.notation_suffix == "TCCB" and d.state == DraftState.DRAFTING
    v2 = s.draft_version_add(draft=d, acting_user=office.drafter, upload=office.pdf(body="Lần 2"), note="sửa")
    assert [v.number for v in d.versions.all()] == [1, 2] and v2.sha256 != d.versions.get(number=1).sha256
    v1 = d.versions.get(number=1)
    assert "Lần 2" in v2.text and hashlib.sha256(s.draft_read_version(v1)).hexdigest() == v1.sha256
    with pytest.raises(PermissionDeniedError):  # a colleague who is not the drafter
        s.draft_version_add(draft=d, acting_user=office.colleague1, upload=office.pdf())
    with pytest.raises(InvalidInput):  # not a PDF
        s.draft_version_add(draft=d, acting_user=office.drafter, upload=b"hello", file_name="x.pdf")
    with pytest.raises(PermissionDeniedError):  # wrong division
        s.draft_create(owner_unit=office.unit, acting_user=office.drafter, upload=office.pdf(), subject="x",
                       division=office.kh)


def test_approval_path_and_refusals(office):
    d = _draft(office)
    with pytest.raises(StateError):
        s.draft_approve(draft=d, acting_user=office.head)
    with pytest.raises(SigningRefused):  # a specialist cannot sign in their own name
        s.draft_submit(draft=d, acting_user=office.drafter, signer=office.colleague1)
    with pytest.raises(SigningRefused, match="no KT. delegation"):
        s.draft_submit(draft=d, acting_user=office.drafter, signer=office.colleague1, competence="KT",
                       on_behalf_of=office.director)
    s.draft_submit(draft=d, acting_user=office.drafter, signer=office.director)
    d.refresh_from_db()
    assert d.state == DraftState.CONTENT_REVIEW
    with pytest.raises(PermissionDeniedError, match="Phòng Tổ chức cán bộ"):  # the office is not the content step
        s.draft_approve(draft=d, acting_user=office.office)
    with pytest.raises(InvalidInput):  # returning needs a note
        s.draft_return(draft=d, acting_user=office.head, note=" ")
    s.draft_return(draft=d, acting_user=office.head, note="Bổ sung căn cứ pháp lý")
    d.refresh_from_db()
    assert d.state == DraftState.DRAFTING and d.last_note == "Bổ sung căn cứ pháp lý"
    s.draft_version_add(draft=d, acting_user=office.drafter, upload=office.pdf(body="Có căn cứ"))
    s.draft_submit(draft=d, acting_user=office.drafter, signer=office.director)
    s.draft_approve(draft=d, acting_user=office.head)
    with pytest.raises(InvalidInput, match="Nơi nhận"):  # the form checklist must be complete
        s.draft_approve(draft=d, acting_user=office.office, checklist={**CHECKS, "recipients": False})
    with pytest.raises(PermissionDeniedError):
        s.draft_approve(draft=d, acting_user=office.head, checklist=CHECKS)
    # the office edits (a new version) at its own step: still its step
    s.draft_version_add(draft=d, acting_user=office.office, upload=office.pdf(body="Sửa thể thức"))
    d.refresh_from_db()
    assert d.state == DraftState.FORM_REVIEW
    s.draft_approve(draft=d, acting_user=office.office, checklist=CHECKS)
    d.refresh_from_db()
    assert d.state == DraftState.SIGNER_REVIEW
    with pytest.raises(PermissionDeniedError):
        s.draft_approve(draft=d, acting_user=office.deputy)
    s.draft_approve(draft=d, acting_user=office.director)
    d.refresh_from_db()
    assert d.state == DraftState.APPROVED and d.approved_version.number == 3
    assert d.document.signer_name == "Nguyễn Văn An" and d.document.signer_position == "Giám đốc"
    # a change after approval goes back to the signer
    s.draft_update(draft=d, acting_user=office.director, subject="Về việc tuyển dụng công chức năm 2026 (đợt 1)")
    d.refresh_from_db()
    assert d.state == DraftState.SIGNER_REVIEW and d.approved_version is None
    kinds = list(DraftEvent.objects.filter(draft=d).values_list("kind", flat=True))
    assert kinds == [DraftEventKind.CREATED, DraftEventKind.SUBMITTED, DraftEventKind.RETURNED, DraftEventKind.VERSION,
                     DraftEventKind.SUBMITTED, DraftEventKind.CONTENT_APPROVED, DraftEventKind.VERSION,
                     DraftEventKind.FORM_APPROVED, DraftEventKind.SIGNER_APPROVED, DraftEventKind.UPDATED,
                     DraftEventKind.BACK_TO_SIGNER]
    # the plain document services refuse a draft under approval
    with pytest.raises(StateError, match="draft page"):
        s.document_update(document=d.document, acting_user=office.drafter, subject="x")


def test_signing_without_approval_is_refused(signing_ready):
    office = signing_ready
    d = _draft(office)
    s.draft_submit(draft=d, acting_user=office.drafter, signer=office.director)
    with pytest.raises(StateError, match="after the signer has approved"):
        s.draft_sign(draft=d, acting_user=office.director, pin="112233")


def test_pkcs11_signature_then_number_and_organisation_signature(signing_ready, pki):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from signatures.choices import Verdict
    from signatures.services import verification_run

    office = signing_ready
    d = _through_approval(office, _draft(office))
    with pytest.raises(PermissionDeniedError):
        s.draft_sign(draft=d, acting_user=office.deputy, pin="112233")
    with pytest.raises(StateError, match="PIN"):
        s.draft_sign(draft=d, acting_user=office.director, pin="000000")
    d = s.draft_sign(draft=d, acting_user=office.director, pin="112233")
    assert d.state == DraftState.SIGNED and d.signing_method == "pkcs11"
    with pytest.raises(PermissionDeniedError):  # the clerk issues, nobody else
        s.draft_issue(draft=d, acting_user=office.director)
    d = s.draft_issue(draft=d, acting_user=office.clerk)
    doc = d.document
    doc.refresh_from_db()
    assert d.state == DraftState.ISSUED and doc.number_notation == "01/SNV-TCCB"
    main = doc.attachments.get(kind="main")
    content = main.file.open("rb").read()
    v = verification_run(content=content, filename="x.pdf", etsi_report=False)
    assert v.verdict == Verdict.VALID
    assert [x["signer"] for x in v.signatures] == ["Nguyễn Văn An", "Ủy ban nhân dân xã Thử"]
    # pyHanko directly: both intact, valid, trusted; the person's covers its revision, untouched after
    vc = None
    reader = PdfFileReader(io.BytesIO(content))
    person, org = reader.embedded_signatures
    for emb in (person, org):
        st = validate_pdf_signature(emb, _fresh(vc, pki))
        assert st.intact and st.valid and st.trusted, st.summary()
    assert validate_pdf_signature(person, _fresh(vc, pki)).modification_level.name in ("NONE", "FORM_FILLING")
    # the signature image sits in the signer block: above the name line, below the title
    rect = [float(x) for x in person.sig_field["/Kids"][0]["/Rect"]] if "/Kids" in person.sig_field else \
        [float(x) for x in person.sig_field["/Rect"]]
    assert 300 < rect[0] < 460 and rect[2] < 560  # centred under the signer block, not at the default
    trail = list(DraftEvent.objects.filter(draft=d).values_list("kind", flat=True))
    assert trail[-2:] == [DraftEventKind.SIGNED, DraftEventKind.ISSUED]


def _der():
    from cryptography.hazmat.primitives import serialization

    return serialization.Encoding.DER


def _fresh(vc, pki):
    from asn1crypto import crl, x509
    from pyhanko_certvalidator import ValidationContext

    load = lambda c: x509.Certificate.load(c.public_bytes(_der()))  # noqa: E731
    return ValidationContext(trust_roots=[load(pki.root.cert)], other_certs=[load(pki.intermediate.cert)],
                             crls=[crl.CertificateList.load(pki.root_crl),
                                   crl.CertificateList.load(pki.intermediate_crl)], allow_fetching=False)


def test_delegation_kt_signs_and_expired_delegation_is_refused(signing_ready):
    import datetime

    from django.utils import timezone

    from signatures.services.personal import delegation_create, signer_block

    office = signing_ready
    today = timezone.localdate()
    with pytest.raises(PermissionDeniedError):  # only a leader records a delegation
        delegation_create(unit=office.unit, acting_user=office.head, delegate=office.deputy, kind="KT",
                          valid_from=today, valid_to=today, delegator_title="Giám đốc")
    delegation = delegation_create(unit=office.unit, acting_user=office.director, delegate=office.deputy,
                                   kind="KT", valid_from=today, valid_to=today + datetime.timedelta(days=30),
                                   delegator_title="Giám đốc", doc_types=["CV"])
    with pytest.raises(SigningRefused, match="cannot be delegated again"):  # no sub-delegation
        delegation_create(unit=office.unit, acting_user=office.deputy, delegate=office.head, kind="KT",
                          valid_from=today, valid_to=today, delegator_title="Giám đốc")
    d = _draft(office)
    s.draft_submit(draft=d, acting_user=office.drafter, signer=office.deputy, competence="KT",
                   on_behalf_of=office.director)
    s.draft_approve(draft=d, acting_user=office.head)
    s.draft_approve(draft=d, acting_user=office.office, checklist=CHECKS)
    d = s.draft_approve(draft=d, acting_user=office.deputy)
    assert d.delegation == delegation and d.document.signer_competence == "KT."
    assert signer_block(competence="KT", delegator_title="Giám đốc", signer_title="Phó Giám đốc",
                        signer_name="Bùi Văn Khoa") == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Bùi Văn Khoa"]
    # the delegation covers official letters only
    q = _draft(office, subject="Quyết định thử")
    s.draft_update(draft=q, acting_user=office.drafter, doc_type="QĐ")
    with pytest.raises(SigningRefused, match="does not cover documents of type Quyết định"):
        s.draft_submit(draft=q, acting_user=office.drafter, signer=office.deputy, competence="KT",
                       on_behalf_of=office.director)
    # once expired, signing is refused with the dates
    type(delegation).objects.filter(pk=delegation.pk).update(valid_from=today - datetime.timedelta(days=20),
                                                             valid_to=today - datetime.timedelta(days=1))
    with pytest.raises(SigningRefused, match="does not cover"):
        s.draft_sign(draft=d, acting_user=office.deputy, pin="112233")


def test_comment_requests_to_people_and_to_another_unit(office):
    from documents.choices import CommentVerdict
    from documents.services.delivery import deliver_local_batch

    p = office.p
    stc = p.stc
    stc_clerk, stc_leader = p.clerk(stc), p.leader(stc)
    d = _draft(office)
    with pytest.raises(InvalidInput):
        s.comment_request_create(draft=d, acting_user=office.drafter, deadline=office.deadline())
    req = s.comment_request_create(draft=d, acting_user=office.drafter, deadline=office.deadline(),
                                   users=[office.colleague1, office.colleague2], units=[stc],
                                   message="Đề nghị góp ý")
    assert req.document is not None and req.document.due_date == req.deadline
    t1 = CommentTarget.objects.get(request=req, user=office.colleague1)
    with pytest.raises(PermissionDeniedError):
        s.comment_answer(target=t1, acting_user=office.colleague2, verdict="agree")
    with pytest.raises(InvalidInput, match="required unless you agree"):
        s.comment_answer(target=t1, acting_user=office.colleague1, verdict=CommentVerdict.DISAGREE)
    s.comment_answer(target=t1, acting_user=office.colleague1, verdict=CommentVerdict.OTHER,
                     comment="Bổ sung điều 3", upload=office.pdf(body="Ý kiến"), file_name="y-kien.pdf")
    with pytest.raises(StateError):  # once
        s.comment_answer(target=t1, acting_user=office.colleague1, verdict=CommentVerdict.AGREE)
    # the other unit: the clerk sends the request through the exchange
    with pytest.raises(PermissionDeniedError):
        s.comment_request_send(request=req, acting_user=office.drafter)
    s.comment_request_send(request=req, acting_user=office.clerk)
    req.document.refresh_from_db()
    assert req.document.status == "issued"
    dispatch = req.document.dispatches.get(recipient=stc)
    deliver_local_batch(dispatch_ids=[dispatch.pk])
    rec = IncomingRecord.objects.get(unit=stc, document=req.document)
    assert rec.document.due_date == req.deadline
    with pytest.raises(StateError):  # not yet in the register
        s.comment_answer_for_unit(incoming=rec, acting_user=stc_leader, verdict="agree")
    s.incoming_accept(incoming=rec, acting_user=stc_clerk)
    with pytest.raises(PermissionDeniedError):
        s.comment_answer_for_unit(incoming=rec, acting_user=stc_clerk, verdict="agree")
    s.comment_answer_for_unit(incoming=rec, acting_user=stc_leader, verdict=CommentVerdict.AGREE)
    rec.refresh_from_db()
    dispatch.refresh_from_db()
    assert rec.status == IncomingStatus.DONE and dispatch.status_code == StatusCode.DONE
    # extension and reminders: colleague 2 has not answered
    with pytest.raises(InvalidInput):
        s.comment_request_extend(request=req, acting_user=office.drafter, deadline=req.deadline)
    s.comment_request_extend(request=req, acting_user=office.drafter, deadline=office.deadline(1 + 5))
    import datetime

    sent = s.comment_requests_remind(today=office.deadline(6) - datetime.timedelta(days=1))
    assert sent == 1 and s.comment_requests_remind(today=office.deadline(6) - datetime.timedelta(days=1)) == 0
    kinds = list(DraftEvent.objects.filter(draft=d).values_list("kind", flat=True))
    assert kinds.count(DraftEventKind.COMMENT) == 2 and DraftEventKind.COMMENTS_SENT in kinds
    assert DraftEventKind.COMMENTS_EXTENDED in kinds
