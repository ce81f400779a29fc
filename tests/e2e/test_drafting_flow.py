"""
Issue 12 in a real browser (Chromium, Playwright): a specialist of Sở Nội vụ drafts with two
versions; two colleagues (on a phone) and one other unit (Sở Tài chính, through the exchange)
answer a comment request; the division head and the office approve; the director approves and
signs with the PKCS#11 method (SoftHSM2, PIN typed in the page); the clerk numbers, seals and
sends; the recipient sees two valid signatures (person, then organisation) and, rendered with
pdftoppm, the blue signature image and the red seal; the sender's document page shows the
whole trail. Only units, staff, keys and images are set up with fixtures.
"""
import datetime
import io
import re
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from documents.models import Draft, IncomingRecord
from signatures.choices import Verdict
from tests.drafts.conftest import Office  # noqa: F401 (the fixtures below come from tests/drafts/conftest.py)
from tests.drafts.conftest import office, signing_ready  # noqa: F401
from tests.signatures.conftest import _fresh_trust_cache, admin_user, require_tool, trust_store  # noqa: F401

from .conftest import SCREENSHOTS, login

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SUBJECT = "Về việc tuyển dụng công chức năm 2026"


def _draft_pdf(path: Path, office, body: str) -> Path:
    path.write_bytes(office.pdf(body=body, subject=SUBJECT, notation="SNV-TCCB"))
    return path


def _colour_pixels(png: Path, rect, page_height: float, scale: float, test) -> int:
    from PIL import Image

    img = Image.open(png).convert("RGB")
    x0, y0, x1, y1 = (v * scale for v in rect)
    crop = img.crop((int(x0), int(page_height * scale - y1), int(x1), int(page_height * scale - y0)))
    pixels = crop.get_flattened_data() if hasattr(crop, "get_flattened_data") else crop.getdata()
    return sum(1 for px in pixels if test(*px))


def test_draft_comment_approve_sign_issue_send(signing_ready, live_worker, new_page, screenshot, tmp_path):
    office = signing_ready
    p = office.p
    stc = p.stc
    stc_clerk, stc_leader = p.clerk(stc), p.leader(stc)
    deadline = (timezone.localdate() + datetime.timedelta(days=5)).strftime("%d/%m/%Y")  # as typed (issue 15)

    # --- the specialist drafts: version 1, then version 2 --------------------------------
    drafter = new_page()
    login(drafter, office.drafter.username)
    drafter.click("nav.mainnav [data-nav=drafts]")
    drafter.click("[data-action=new-draft]")
    drafter.select_option("#id_doc_type", "CV")
    drafter.fill("#id_subject", SUBJECT)
    drafter.set_input_files("#id_file", str(_draft_pdf(tmp_path / "v1.pdf", office, "Dự thảo lần thứ nhất.")))
    drafter.click("[data-action=create-draft]")
    expect(drafter.locator("[data-testid=draft-state]")).to_have_attribute("data-state", "drafting")
    drafter.set_input_files("#id_file", str(_draft_pdf(tmp_path / "v2.pdf", office,
                                                      "Dự thảo lần thứ hai, bổ sung căn cứ pháp lý.")))
    drafter.fill("#id_note", "Bổ sung căn cứ")
    drafter.click("[data-action=add-version]")
    expect(drafter.locator("tr[data-version]")).to_have_count(2)
    drafter.click("[data-action=compare]")
    expect(drafter.locator("[data-testid=diff] ins")).to_contain_text("bổ sung căn cứ pháp lý")
    screenshot(drafter, "d01-compare-versions")
    drafter.go_back()
    # --- comment request: two colleagues and Sở Tài chính ---------------------------------
    drafter.click("[data-action=open-comments]")
    drafter.check(f"input[name=users][value='{office.colleague1.pk}']")
    drafter.check(f"input[name=users][value='{office.colleague2.pk}']")
    drafter.select_option("#id_units", str(stc.pk))
    drafter.fill("#id_deadline", deadline)
    drafter.fill("#id_message", "Đề nghị góp ý dự thảo")
    drafter.click("[data-action=request-comments]")
    expect(drafter.locator("[data-testid=request-unsent]")).to_be_visible()
    screenshot(drafter, "d02-draft-with-request")

    # the clerk numbers and sends the request to the other unit through the exchange
    clerk = new_page()
    login(clerk, office.clerk.username)
    clerk.goto("/drafts/?q=issue")
    clerk.click("[data-action=send-request]")
    rec_request = lambda: IncomingRecord.objects.filter(unit=stc).first()  # noqa: E731
    _wait(lambda: rec_request() is not None)

    # two colleagues answer on a phone
    for user, verdict, comment in ((office.colleague1, "agree", ""),
                                   (office.colleague2, "other", "Đề nghị làm rõ tiêu chuẩn dự tuyển")):
        phone = new_page(viewport={"width": 390, "height": 844})
        login(phone, user.username)
        phone.goto("/drafts/?q=comments")
        expect(phone.locator("[data-queue=comments] .count")).to_have_text("1")
        phone.click("ul.queue li a")
        phone.check(f"input[name=verdict][value={verdict}]")
        if comment:
            phone.fill("#id_comment", comment)
        screenshot(phone, f"d03-comment-phone-{user.username}")
        phone.click("[data-action=answer]")
        expect(phone.locator(".messages")).to_be_visible()

    # Sở Tài chính: the clerk registers the request, the leader gives the unit's opinion
    c_stc = new_page()
    login(c_stc, stc_clerk.username)
    c_stc.goto(f"/incoming/{rec_request().pk}/")
    c_stc.click("[data-action=accept]")
    expect(c_stc.locator("[data-testid=incoming-status]")).to_have_attribute("data-status", "accepted")
    l_stc = new_page()
    login(l_stc, stc_leader.username)
    l_stc.goto(f"/incoming/{rec_request().pk}/")
    l_stc.check("[data-testid=unit-comment] input[name=verdict][value=agree]")
    l_stc.click("[data-action=unit-comment]")
    expect(l_stc.locator("[data-testid=incoming-status]")).to_have_attribute("data-status", "done")

    draft = Draft.objects.get(document__subject=SUBJECT)
    drafter.goto(f"/drafts/{draft.pk}/")
    expect(drafter.locator("[data-testid=comment-table] tr[data-answer]")).to_have_count(3)
    expect(drafter.locator("[data-testid=comment-table] tr[data-answer=none]")).to_have_count(0)
    screenshot(drafter, "d04-comment-table")

    # --- submit → division head (content) → office (form) → director -----------------------
    drafter.select_option("#id_signer", str(office.director.pk))
    drafter.click("[data-action=submit]")
    expect(drafter.locator("[data-testid=draft-state]")).to_have_attribute("data-state", "content_review")
    head = new_page()
    login(head, office.head.username)
    head.goto("/drafts/?q=review")
    head.click(f"tr[data-draft='{draft.pk}'] a")
    head.click("[data-action=approve]")
    expect(head.locator("[data-testid=draft-state]")).to_have_attribute("data-state", "form_review")
    off = new_page()
    login(off, office.office.username)
    off.goto(f"/drafts/{draft.pk}/")
    off.click("[data-action=approve]")  # without the checklist: refused with the items missing
    expect(off.locator("[data-testid=action-error]")).to_contain_text("Phụ lục I")
    for box in off.locator("[data-testid=form-checklist] input[type=checkbox]").all():
        box.check()
    screenshot(off, "d05-form-checklist")
    off.click("[data-action=approve]")
    expect(off.locator("[data-testid=draft-state]")).to_have_attribute("data-state", "signer_review")

    director = new_page()
    login(director, office.director.username)
    director.goto("/drafts/?q=review")
    director.click(f"tr[data-draft='{draft.pk}'] a")
    director.click("[data-action=approve]")
    expect(director.locator("[data-testid=draft-state]")).to_have_attribute("data-state", "approved")
    director.fill("#id_pin", "999999")  # a wrong PIN is refused
    director.click("[data-action=sign]")
    expect(director.locator("[data-testid=action-error]")).to_be_visible()
    director.fill("#id_pin", "112233")
    screenshot(director, "d06-sign")
    director.click("[data-action=sign]")
    expect(director.locator("[data-testid=draft-state]")).to_have_attribute("data-state", "signed")

    # --- the clerk numbers, seals and sends --------------------------------------------------
    clerk.goto("/drafts/?q=issue")
    clerk.click(f"tr[data-draft='{draft.pk}'] a")
    clerk.click("[data-action=issue-draft]")
    expect(clerk.locator("[data-testid=doc-number]")).to_have_text(re.compile(r"^\d\d/SNV-TCCB$"))
    clerk.fill("#unit-term", "so tai chinh")
    clerk.locator(f"#unit-results input[data-code='{stc.code}']").check()
    clerk.click("[data-action=send]")
    expect(clerk.locator("[data-testid=delivery-progress]")).to_have_attribute("data-delivered", "1", timeout=60_000)
    trail = clerk.locator("[data-testid=draft-trail]")
    for kind in ("created", "version", "comments_requested", "comments_sent", "comment", "submitted",
                 "content_approved", "form_approved", "signer_approved", "signed", "issued"):
        expect(trail.locator(f"[data-event={kind}]").first).to_be_visible()
    expect(trail.locator("[data-version]")).to_have_count(2)
    expect(trail.locator("[data-comment]")).to_have_count(3)
    screenshot(clerk, "d07-sender-document-trail")

    # --- the recipient: two valid signatures, person then organisation ---------------------
    doc = draft.document
    doc.refresh_from_db()
    rec = IncomingRecord.objects.get(unit=stc, document=doc)
    recv = new_page()
    login(recv, stc_clerk.username)
    recv.goto(f"/incoming/{rec.pk}/")
    _wait_verified(recv, rec)
    sigs = recv.locator("[data-testid=receipt-signatures] li")
    expect(sigs).to_have_count(2)
    expect(sigs.nth(0)).to_contain_text("Nguyễn Văn An")
    expect(sigs.nth(1)).to_contain_text("Ủy ban nhân dân xã Thử")
    expect(recv.locator("[data-testid=receipt-signatures] li[data-signature-status=valid]")).to_have_count(2)
    screenshot(recv, "d08-recipient-signatures")
    # the file as the recipient downloads it, rendered: blue image in the signer block, red seal over it
    att = doc.attachments.get(kind="main")
    response = recv.request.get(f"/files/{att.pk}/")
    assert response.status == 200
    content = response.body()
    _check_rendered(content)
    from signatures.services import verification_run

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # Playwright runs an event loop in this thread; pyHanko wants its own
        v = pool.submit(verification_run, content=content, filename="received.pdf", store=False,
                        etsi_report=False).result()
    assert v.verdict == Verdict.VALID and [s["signer"] for s in v.signatures] == ["Nguyễn Văn An",
                                                                                   "Ủy ban nhân dân xã Thử"]


def _check_rendered(content: bytes) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    pdftoppm = require_tool("pdftoppm")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    src = SCREENSHOTS / "d09-received.pdf"
    src.write_bytes(content)
    subprocess.run([pdftoppm, "-png", "-r", "72", "-singlefile", str(src), str(SCREENSHOTS / "d09-received")],
                   check=True)
    png = SCREENSHOTS / "d09-received.png"
    person, org = PdfFileReader(io.BytesIO(content)).embedded_signatures
    rect = lambda emb: [float(x) for x in (emb.sig_field.get("/Rect") or emb.sig_field["/Kids"][0]["/Rect"])]  # noqa
    blue = _colour_pixels(png, rect(person), 842, 1.0, lambda r, g, b: b > 120 and r < 90 and g < 110)
    red = _colour_pixels(png, rect(org), 842, 1.0, lambda r, g, b: r > 150 and g < 110 and b < 110)
    assert blue > 150, f"no blue signature image in {rect(person)}"
    assert red > 150, f"no red seal in {rect(org)}"
    pr, orr = rect(person), rect(org)
    assert orr[0] < pr[0] < orr[2], "the seal overlaps the left part of the signature image"


def _wait(predicate, timeout=60.0):
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError("timed out")


def _wait_verified(page, rec):
    from signatures.choices import VerificationStatus

    def done():
        rec.refresh_from_db()
        return rec.verification is not None and rec.verification.status == VerificationStatus.DONE

    _wait(done)
    page.reload()
