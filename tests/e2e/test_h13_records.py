"""
Issue 13 in Chromium: the file plan drafted by the clerk and approved by the director, a case
file opened by its person in charge, documents added (an outgoing document from the file page,
an incoming record with the one-click suggestion on the record's page), the file closed and
handed to the archive, and the archive's check and acceptance. Every step is a click or a form
fill; each page is checked with axe-core (0 violations) and for duplicate ids; screenshots go to
test-artifacts/screenshots/h13-*.
"""
from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from records.choices import FileState, PackageKind
from records.models import CaseFile, FilePlan
from tests.records.conftest import Office

from .conftest import login
from .test_h15_day import check_page, no_sideways_scroll

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def office(db):
    o = Office()
    o.outgoing = o.issue(subject="Quyết định tuyển dụng công chức đợt 1", pages=2,
                         issued_on=datetime.date(2026, 3, 5))
    o.incoming = o.receive(subject="Về việc báo cáo kết quả tuyển dụng")
    return o


def test_plan_file_transfer_and_archive_accept(office, new_page, screenshot):
    year = timezone.localdate().year

    # --- the clerk drafts the plan and adds an entry ---------------------------------------
    clerk = new_page()
    login(clerk, office.clerk.username)
    clerk.click("[data-nav=records]")
    clerk.click("text=Danh mục hồ sơ")
    clerk.click("[data-action=plan-create]")
    expect(clerk.locator("[data-testid=plan-state]")).to_have_class(re.compile(r"\bstatus-draft\b"))
    clerk.fill("#e-heading", "I. Tổ chức cán bộ")
    clerk.fill("#e-number", "01")
    clerk.fill("#e-notation", "TCCB")
    clerk.fill("#e-title", "Hồ sơ tuyển dụng công chức năm %d" % year)
    clerk.select_option("#e-retention", "04")
    clerk.select_option("#e-person", str(office.keeper.pk))
    clerk.click("[data-action=entry-add]")
    table = clerk.locator("[data-testid=plan-table]")
    expect(table).to_contain_text("01.TCCB")
    expect(table).to_contain_text("I. TỔ CHỨC CÁN BỘ")  # headings in capitals, as in Phụ lục V
    expect(table).to_contain_text("30 năm")
    check_page(clerk)
    screenshot(clerk, "h13-plan-draft")

    # --- the director approves it; it prints (the Phụ lục V layout as PDF) ------------------
    leader = new_page()
    login(leader, office.leader.username)
    leader.goto("/records/plan/")
    leader.click("[data-action=plan-approve]")
    expect(leader.locator("[data-testid=plan-state]")).to_have_class(re.compile(r"\bstatus-approved\b"))
    assert FilePlan.objects.get(unit=office.unit, year=year).state == "approved"
    expect(leader.locator("[data-action=entry-add]")).to_have_count(0)  # frozen
    pdf = leader.request.get(f"/records/plan/?year={year}&format=pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"
    check_page(leader)
    screenshot(leader, "h13-plan-approved")
    leader.click("[data-nav=records]")
    leader.click("text=Bản sao")
    expect(leader.locator("[data-testid=copies-register]")).to_be_visible()
    check_page(leader)
    screenshot(leader, "h13-copies-register")

    # --- the person in charge opens a file and adds an outgoing document ---------------------
    keeper = new_page()
    login(keeper, office.keeper.username)
    keeper.click("[data-nav=records]")
    keeper.click("[data-action=open-file][data-entry='01.TCCB']")
    expect(keeper.locator("[data-testid=file-state]")).to_have_attribute("data-state", "open")
    f = CaseFile.objects.get(unit=office.unit, code="01.TCCB")
    keeper.select_option("#add-doc", str(office.outgoing.pk))
    keeper.click("[data-action=add-document]")
    expect(keeper.locator(".messages")).to_contain_text("01.TCCB")
    expect(keeper.locator("[data-testid=file-index] tbody tr[data-ordinal]")).to_have_count(1)

    # --- the incoming record's page proposes the file: one click --------------------------
    keeper.goto(f"/incoming/{office.incoming.pk}/")
    panel = keeper.locator("[data-testid=document-files]")
    expect(panel).to_contain_text("Văn bản chưa thuộc hồ sơ nào.")
    keeper.click("[data-action=file-suggestion][data-file='01.TCCB']")
    expect(keeper.locator(".messages")).to_contain_text("01.TCCB")
    assert "/incoming/" in keeper.url  # back where the clerk was
    expect(keeper.locator("[data-testid=document-files] a[href='/records/files/%d/']" % f.pk)).to_have_count(1)
    check_page(keeper)
    screenshot(keeper, "h13-incoming-filed")

    keeper.goto(f"/records/files/{f.pk}/")
    rows = keeper.locator("[data-testid=file-index] tbody tr[data-ordinal]")
    expect(rows).to_have_count(2)
    # the ordinals are given as the documents are added
    expect(rows.nth(0)).to_contain_text("Quyết định tuyển dụng")
    expect(rows.nth(1)).to_contain_text("báo cáo kết quả tuyển dụng")
    check_page(keeper)
    no_sideways_scroll(keeper)
    screenshot(keeper, "h13-file-open")

    # --- close, then hand it to the archive ------------------------------------------------
    keeper.fill("#close-desc", "Hồ sơ gồm quyết định tuyển dụng và báo cáo kết quả.")
    keeper.click("[data-action=close-file]")
    expect(keeper.locator("[data-testid=file-state]")).to_have_attribute("data-state", "closed")
    expect(keeper.locator("[data-action=add-document]")).to_have_count(0)  # frozen
    expect(keeper.locator(".timeline")).to_contain_text("2 văn bản")
    keeper.click("[data-action=transfer]")
    expect(keeper.locator("[data-testid=file-state]")).to_have_attribute("data-state", "submitted")
    expect(keeper.locator(".messages")).to_contain_text("Đã nộp hồ sơ vào lưu trữ cơ quan.")
    check_page(keeper)
    screenshot(keeper, "h13-file-submitted")

    # --- the archive checks and accepts ---------------------------------------------------
    archive = new_page()
    login(archive, office.archivist.username)
    archive.click("[data-nav=records]")
    archive.click("[data-nav=archive]")
    intake = archive.locator("[data-testid=intake] tbody tr")
    expect(intake).to_have_count(1)
    expect(intake).to_contain_text("01.TCCB")
    check_page(archive)
    screenshot(archive, "h13-archive-intake")
    intake.locator("a").click()
    expect(archive.locator("[data-testid=archive-check]")).to_have_text("Gói tin toàn vẹn và khớp với danh mục hồ sơ.")
    check_page(archive)
    archive.click("[data-action=accept]")
    expect(archive.locator("[data-testid=file-state]")).to_have_attribute("data-state", "archived")
    f.refresh_from_db()
    assert f.state == FileState.ARCHIVED and f.archived_by == office.archivist
    assert set(f.packages.values_list("kind", flat=True)) == {PackageKind.SIP, PackageKind.AIP}
    # the archive downloads the AIP: a ZIP, served after the portal's own check
    link = archive.locator("a[href^='/records/packages/']").last
    with archive.expect_download() as dl:
        link.click()
    assert dl.value.suggested_filename.endswith(".zip")
    check_page(archive)
    screenshot(archive, "h13-file-archived")
    archive.goto("/records/archive/")
    expect(archive.locator("[data-testid=intake] tbody tr td.muted")).to_have_count(1)  # queue empty

    # --- the person in charge now uses it only by the archive's grant -----------------------
    keeper.goto(f"/records/files/{f.pk}/")
    assert "/records/files/" in keeper.url and keeper.locator("[data-testid=file-state]").count() == 0  # 404
    keeper.goto("/records/")
    row = keeper.locator("[data-testid=archive-catalogue] tr[data-file='01.TCCB']")
    row.locator("input[name=reason]").fill("Phục vụ thanh tra công vụ")
    row.locator("[data-action=request-access]").click()
    expect(keeper.locator(".messages")).to_be_visible()
    expect(row.locator("[data-testid=access-state]")).to_be_visible()
    check_page(keeper)
    screenshot(keeper, "h13-access-requested")
    archive.goto("/records/archive/")
    archive.locator("form[action*='/records/access/'] button[name=grant][value='1']").click()
    keeper.goto("/records/")
    row.locator("a").click()
    expect(keeper.locator("[data-testid=file-state]")).to_have_attribute("data-state", "archived")
    expect(keeper.locator("[data-action=remove]")).to_have_count(0)
    keeper.click("[data-action=dip]")
    expect(keeper.locator("a[href^='/records/packages/']")).to_have_count(1)  # the DIP, for them only
    check_page(keeper)
    screenshot(keeper, "h13-dip")
