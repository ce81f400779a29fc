"""
Issue 15 in Chromium: the working day of a clerk, a leader and a sender, on a desktop and on a
phone (390×844). Deliveries are made in-process (the worker path is the exchange flow's); every
user step is a click or a form fill. Each page is checked with axe-core (vendored, 0 violations)
and for duplicate ids; screenshots of every new page go to test-artifacts/screenshots/h15-*.
"""
from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from documents.models import Dispatch, IncomingRecord
from tests.documents.conftest import Province, make_issued
from tests.factories import UnitFactory, UserFactory
from units.choices import UnitKind

from .conftest import login

pytestmark = [pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.10.3" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


def _deliver(doc, units, clerk):
    from documents.services import deliver_local_batch, document_send

    from egov.devtools.workers import wait_until

    document_send(document=doc, acting_user=clerk, units=units)
    ids = list(Dispatch.objects.filter(document=doc).values_list("pk", flat=True))
    for i in range(0, len(ids), 200):
        deliver_local_batch(dispatch_ids=ids[i:i + 200])
    # a live worker started by an earlier test may hold some of them: wait for every delivery
    assert wait_until(lambda: IncomingRecord.objects.filter(document=doc).count() == len(ids), timeout=60,
                      interval=0.2)


def early_morning_yesterday() -> datetime.datetime:
    """01:42 in Hà Nội yesterday: still the day before in UTC (18:42), whatever today is."""
    day = timezone.localdate() - datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(1, 42)))


def check_page(page):
    """axe-core finds no violation, and no id is used twice."""
    # Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not govern;
    # a <script> tag with the same content would be refused, as it should.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))""")
    assert violations == []
    dupes = page.evaluate("""() => { const c = {}; document.querySelectorAll('[id]').forEach(e => c[e.id] = (c[e.id] || 0) + 1);
        return Object.keys(c).filter(k => c[k] > 1); }""")
    assert dupes == []


def no_sideways_scroll(page):
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width


@pytest.fixture
def day(db):
    p = Province()
    c1 = p.communes[0]
    for unit in (p.snv, c1):
        p.clerk(unit)
        p.leader(unit)
        p.specialist(unit)
    sender = p.clerk(p.snv)
    for i in range(20):
        doc = make_issued(p.snv, sender, subject=f"Công văn đề nghị báo cáo số {i + 1:02d}", signer_name="=1+2",
                          urgency=2 if i == 0 else 0)
        _deliver(doc, [c1], sender)
    # one arrived at 01:42 in Hà Nội yesterday (18:42 UTC the day before)
    first = IncomingRecord.objects.filter(unit=c1).order_by("pk").first()
    IncomingRecord.objects.filter(pk=first.pk).update(arrived_at=early_morning_yesterday())
    return p


def test_clerk_filters_bulk_accepts_and_reads_the_register(day, new_page, screenshot):
    c1 = day.communes[0]
    page = new_page()
    login(page, day.clerk(c1).username)
    page.click("[data-nav=incoming]")
    # bug 1: "Lọc" with status "Tất cả" shows no error
    page.select_option("#f-status", "")
    page.click("form.filters button[type=submit]")
    assert page.locator("form.filters [role=alert]").count() == 0
    expect(page.locator("[data-tab=register] .qcount")).to_have_attribute("data-count", "20")
    expect(page.locator("tr[data-unread]")).to_have_count(20)
    check_page(page)
    screenshot(page, "h15-inbox-desktop")
    # bulk accept of 20
    page.check("[data-bulk-all]")
    expect(page.locator("[data-bulk-count]")).to_have_text("(20)")
    page.select_option("#id_bulk_action", "accept")
    page.click("[data-action=bulk]")
    expect(page.locator(".messages")).to_contain_text("20 văn bản đã được vào sổ")
    assert IncomingRecord.objects.filter(unit=c1, status="accepted").count() == 20
    expect(page.locator("[data-tab=register] .qcount")).to_have_attribute("data-count", "0")
    screenshot(page, "h15-inbox-after-bulk-accept")
    # the register's dates match the inbox (local time)
    inbox_days = sorted(page.locator("td[data-label='Ngày đến']").all_inner_texts())
    page.goto("/registers/?kind=incoming")
    register_days = sorted(page.locator("table.register-table tbody tr td:nth-child(1)").all_inner_texts())
    assert [d[:10] for d in inbox_days] == register_days
    assert early_morning_yesterday().strftime("%d/%m/%Y") in register_days
    check_page(page)
    # the record: the ĐẾN stamp and the handling slip
    rec = IncomingRecord.objects.get(unit=c1, incoming_number=1)
    page.goto(f"/incoming/{rec.pk}/")
    expect(page.locator("[data-testid=stamp]")).to_be_visible()
    check_page(page)
    screenshot(page, "h15-record-stamp-desktop")
    # (the stamped copy itself is checked in tests/ui/test_h15_work.py with a real PDF; here the
    # fixture's minimal PDF has no page: the portal answers with its 404 page, not a 500)
    assert page.request.get(f"/incoming/{rec.pk}/stamped.pdf").status == 404
    page.click("[data-action=slip]")
    screenshot(page, "h15-handling-slip")


def test_sender_export_neutralises_formulas(day, new_page):
    page = new_page()
    login(page, day.clerk(day.snv).username)
    page.goto("/registers/?kind=outgoing")
    with page.expect_download() as download:
        page.click("a[href*='export.csv']")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    signers = {r[3] for r in rows[1:]}
    assert signers and all(not s.startswith("=") for s in signers) and any(s.endswith("=1+2") for s in signers)


def test_leader_dashboard_counter_and_menu(day, new_page, screenshot):
    from documents.services import incoming_accept

    c1 = day.communes[0]
    for rec in IncomingRecord.objects.filter(unit=c1)[:3]:
        incoming_accept(incoming=rec, acting_user=day.clerk(c1))
    page = new_page()
    login(page, day.leader(c1).username)
    expect(page.locator("[data-tile=assign] .big")).to_have_text("3")
    expect(page.locator("[data-nav=incoming] [data-queue=assign]")).to_contain_text("3")
    check_page(page)
    screenshot(page, "h15-dashboard-leader")
    phone = new_page(viewport=PHONE)
    login(phone, day.leader(c1).username)
    no_sideways_scroll(phone)
    screenshot(phone, "h15-dashboard-leader-phone")


def test_tracking_board_at_450_recipients(day, new_page, screenshot):
    from documents.services import incoming_reject

    sender = day.clerk(day.snv)
    units = [UnitFactory(code=f"{i:03d}.{i % 100:02d}.50.H99", name=f"Ủy ban nhân dân xã Thử Lớn {i}",
                         kind=UnitKind.COMMUNE_COMMITTEE, parent=day.district) for i in range(450)]
    doc = make_issued(day.snv, sender, subject="Gửi mọi xã của tỉnh")
    _deliver(doc, units, sender)
    for u in units[10:13]:
        rec = IncomingRecord.objects.get(document=doc, unit=u)
        clerk = day.clerk(u)
        incoming_reject(incoming=rec, acting_user=clerk, reason=f"Không thuộc thẩm quyền {u.name}")
    page = new_page()
    login(page, sender.username)
    page.goto(f"/outgoing/{doc.pk}/")
    expect(page.locator("[data-testid=delivery-progress]")).to_have_attribute("data-total", "450")
    assert page.locator("#dispatch-status tbody tr").count() == 20  # no 13,000 px table on the document page
    page.click("[data-action=tracking]")
    counters = page.locator("[data-testid=board-counters]")
    expect(counters.locator("[data-stage='']")).to_have_attribute("data-count", "450")
    expect(counters.locator("[data-stage=rejected]")).to_have_attribute("data-count", "3")
    expect(counters.locator("[data-stage=arrived]")).to_have_attribute("data-count", "447")
    rows = page.locator("table.board tbody tr")
    expect(rows).to_have_count(50)
    for i in range(3):  # rejections first, with their reasons
        expect(rows.nth(i)).to_have_attribute("data-stage", "rejected")
        expect(rows.nth(i)).to_contain_text("Không thuộc thẩm quyền")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 6000, height
    rows.nth(0).locator("summary").click()
    expect(rows.nth(0).locator("[data-testid=history] li[data-code='02']")).to_be_visible()
    check_page(page)
    screenshot(page, "h15-tracking-board-desktop")
    page.click("[data-stage=rejected]")
    expect(page.locator("table.board tbody tr")).to_have_count(3)
    phone = new_page(viewport=PHONE)
    login(phone, sender.username)
    phone.goto(f"/outgoing/{doc.pk}/tracking")
    no_sideways_scroll(phone)
    check_page(phone)
    screenshot(phone, "h15-tracking-board-phone")


def test_phone_inbox_record_and_compose(day, new_page, screenshot, tmp_path):
    c1 = day.communes[0]
    page = new_page(viewport=PHONE)
    login(page, day.clerk(c1).username)
    # the header takes little room; the menu folds
    header = page.evaluate("() => document.querySelector('.topbar').getBoundingClientRect().height")
    assert header < 844 / 6, header
    expect(page.locator("#topmenu")).to_be_hidden()
    page.click(".menu-toggle")
    expect(page.locator("#topmenu")).to_be_visible()
    page.click("[data-nav=incoming]")
    expect(page.locator("details.filters-box")).not_to_have_attribute("open", "")
    no_sideways_scroll(page)
    first = page.locator("table.cards tbody tr").first
    for text in ("Công văn đề nghị", "Sở Nội vụ", "Đã đến"):
        expect(first).to_contain_text(text)
    check_page(page)
    screenshot(page, "h15-inbox-phone")
    first.locator("td.subject a").click()
    page.wait_for_url("**/incoming/*/")
    no_sideways_scroll(page)
    # The inline PDF viewer is folded on a phone: open, it is a frame of its own process right above
    # the actions, and right after a scroll the tap on "Tiếp nhận vào sổ" went to it (nothing was sent).
    expect(page.locator("details.pdf").first).not_to_have_attribute("open", "")
    check_page(page)
    screenshot(page, "h15-record-phone")
    page.click("[data-action=accept]")
    expect(page.locator("[data-testid=incoming-status]")).to_have_attribute("data-status", "accepted")
    expect(page.locator("[data-testid=stamp]")).to_be_visible()
    screenshot(page, "h15-record-stamp-phone")
    # compose: counter, the date picker (dd/mm/yyyy), files kept after an error
    page.goto("/outgoing/new/")
    no_sideways_scroll(page)
    page.fill("#id_subject", "x" * 520)
    expect(page.locator(".counter")).to_have_text("520/500")
    page.click("#id_due_date")
    page.locator(".dp button[data-day]").nth(14).click()
    value = page.input_value("#id_due_date")
    assert value.startswith("15/") and len(value) == 10
    pdf = tmp_path / "to-trinh.pdf"
    from egov.devtools.pki import make_pdf
    pdf.write_bytes(make_pdf(pages=1, text="To trinh"))
    page.set_input_files("#id_main_file", str(pdf))
    page.click("[data-action=save-draft]")
    expect(page.locator("[data-testid=kept-files]")).to_contain_text("to-trinh.pdf")
    expect(page.locator("[data-field=subject] .field-error")).to_contain_text("520")
    check_page(page)
    screenshot(page, "h15-compose-kept-files-phone")
    page.fill("#id_subject", "Tờ trình về việc thử nghiệm")
    page.fill("#id_notation_suffix", "VP")
    page.click("[data-action=save-draft]")
    expect(page.locator("[data-testid=doc-status]")).to_have_attribute("data-status", "draft")
    expect(page.locator("[data-attachment]")).to_contain_text("to-trinh.pdf")
    no_sideways_scroll(page)
    screenshot(page, "h15-outgoing-draft-phone")


def test_error_pages_in_vietnamese(day, new_page, screenshot):
    UserFactory(username="khong.don.vi")
    page = new_page()
    login(page, "khong.don.vi")
    response = page.goto("/incoming/")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Bạn không có quyền thực hiện việc này")
    expect(page.locator("[data-testid=error-reason]")).to_contain_text("Bạn chưa thuộc đơn vị nào")
    check_page(page)
    screenshot(page, "h15-error-403")
    response = page.goto("/khong-co-trang-nay/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Không tìm thấy trang")
    screenshot(page, "h15-error-404")
    phone = new_page(viewport=PHONE)
    login(phone, "khong.don.vi")
    phone.goto("/khong-co-trang-nay/")
    no_sideways_scroll(phone)
    screenshot(phone, "h15-error-404-phone")
