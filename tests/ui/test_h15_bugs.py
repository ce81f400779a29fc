"""
Issue 15: the bugs found by using the portal as a clerk, a leader and a specialist would.
Each test failed before its fix.
"""
from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from documents.choices import StatusCode
from documents.models import Dispatch, IncomingRecord
from egov.core.models import Notification

from .conftest import deliver, make_issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(province):
    clerk = province.clerk(province.snv)
    for role in ("clerk", "leader", "specialist"):  # staff exist before delivery: the clerk is notified
        province.user(province.communes[0], role)
    letter = make_issued(province.snv, clerk, subject="Về việc báo cáo số liệu quý I")
    deliver(letter, [province.communes[0]], clerk)
    return IncomingRecord.objects.get(document=letter)


def _assigned(province, received, *, co=True):
    from documents.services import incoming_accept, incoming_assign

    c1 = province.communes[0]
    incoming_accept(incoming=received, acting_user=province.clerk(c1))
    main = province.specialist(c1)
    co_user = None
    if co:
        from tests.factories import MembershipFactory, UserFactory
        co_user = UserFactory(username="co-handler", first_name="Phối hợp")
        MembershipFactory(user=co_user, unit=c1, role="specialist")
    incoming_assign(incoming=received, acting_user=province.leader(c1), main_handler=main,
                    co_handlers=[co_user] if co_user else [])
    received.refresh_from_db()
    return main, co_user


def early_morning_yesterday() -> datetime.datetime:
    """01:42 in Hà Nội yesterday: still the day before in UTC (18:42), whatever today is."""
    day = timezone.localdate() - datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(1, 42)))


def ids_of(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


# 1 -------------------------------------------------------------------------------------------
def test_filter_with_status_all_shows_no_error(province, received, login):
    client = login(province.clerk(province.communes[0]))
    response = client.get(reverse("documents:incoming_list"), {"q": "", "status": "", "urgent": "", "sender_q": "",
                                                               "arrived_after": "", "overdue": "", "handler": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' not in html
    assert f'data-incoming="{received.pk}"' in html


# 5 -------------------------------------------------------------------------------------------
def test_specialist_page_has_no_duplicate_ids_and_labels_point_at_their_box(province, received, login):
    main, _co = _assigned(province, received)
    html = login(main).get(reverse("documents:incoming_detail", args=[received.pk])).content.decode()
    dupes = [i for i, n in Counter(ids_of(html)).items() if n > 1]
    assert dupes == []
    assert 'for="id_progress_note"' in html and 'id="id_progress_note"' in html
    assert 'for="id_finish_note"' in html and 'id="id_finish_note"' in html


# 10 ------------------------------------------------------------------------------------------
def test_each_progress_note_or_finish_is_one_timeline_entry(province, received, login):
    from documents.services import incoming_finish, incoming_progress

    main, _co = _assigned(province, received, co=False)
    incoming_progress(incoming=received, acting_user=main, note="Đã dự thảo", progress=50)
    incoming_finish(incoming=received, acting_user=main, note="Đã trả lời")
    response = login(main).get(reverse("documents:incoming_detail", args=[received.pk]))
    timeline = response.context["timeline"]
    codes = [t["code"] for t in timeline]
    assert codes.count(StatusCode.IN_PROGRESS) == 1 and codes.count(StatusCode.DONE) == 1
    assert "note" not in codes
    assert [t["note"] for t in timeline if t["code"] == StatusCode.IN_PROGRESS] == ["Đã dự thảo"]
    assert [t["note"] for t in timeline if t["code"] == StatusCode.DONE] == ["Đã trả lời"]


# 7 -------------------------------------------------------------------------------------------
def test_opening_a_notification_marks_it_read(province, received, login):
    clerk = province.clerk(province.communes[0])
    n = Notification.objects.filter(user=clerk).latest("pk")
    assert n.read_at is None
    client = login(clerk)
    html = client.get(reverse("documents:notifications")).content.decode()
    open_url = reverse("documents:notification_open", args=[n.pk])
    assert f'href="{open_url}"' in html
    response = client.get(open_url)
    assert response.status_code == 302 and response["Location"] == reverse("documents:incoming_detail",
                                                                           args=[received.pk])
    n.refresh_from_db()
    assert n.read_at is not None
    # another user's notification is not theirs to open
    other = Notification.objects.exclude(user=clerk).first()
    if other is not None:
        assert client.get(reverse("documents:notification_open", args=[other.pk])).status_code == 404


# 2, 11 ---------------------------------------------------------------------------------------
def test_registers_show_and_export_local_dates_and_the_transfer_date(province, received, login):
    from openpyxl import load_workbook

    from documents.services import incoming_accept, incoming_assign

    c1 = province.communes[0]
    # 01:42 in Hà Nội is 18:42 UTC the day before (yesterday's date, whatever today is).
    arrived = early_morning_yesterday()
    local_day = arrived.strftime("%d/%m/%Y")  # make_aware gives the portal's time zone
    assert arrived.astimezone(datetime.timezone.utc).date() < timezone.localtime(arrived).date()  # the UTC trap
    IncomingRecord.objects.filter(pk=received.pk).update(arrived_at=arrived)
    clerk = province.clerk(c1)
    incoming_accept(incoming=received, acting_user=clerk)
    received.refresh_from_db()
    incoming_assign(incoming=received, acting_user=province.leader(c1), main_handler=province.specialist(c1))
    year = received.register.year
    client = login(clerk)
    rows = client.get(reverse("documents:register"), {"kind": "incoming", "year": year}).context["rows"]
    assert rows[0][0] == local_day
    assert rows[0][7] == timezone.localdate().strftime("%d/%m/%Y")  # Ngày chuyển: the day it was assigned
    body = client.get(reverse("documents:register_export", args=["csv"]), {"kind": "incoming", "year": year})
    line = list(csv.reader(io.StringIO(body.content.decode("utf-8-sig"))))[1]
    assert line[0] == local_day and line[7] == rows[0][7]
    body = client.get(reverse("documents:register_export", args=["xlsx"]), {"kind": "incoming", "year": year})
    ws = load_workbook(io.BytesIO(body.content)).active
    cell = ws.cell(row=3, column=1)
    assert cell.is_date and cell.value.date() == timezone.localtime(arrived).date()
    assert cell.number_format == "DD/MM/YYYY"
    # the inbox shows the same day
    html = client.get(reverse("documents:incoming_list")).content.decode()
    assert f"{local_day} 01:42" in html


def test_outgoing_register_transfer_date_is_local(province, login):
    clerk = province.clerk(province.snv)
    doc = make_issued(province.snv, clerk)
    from documents.models import Document
    # 06:30 in Hà Nội yesterday is 23:30 UTC the day before
    sent_at = timezone.make_aware(datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=1),
                                                            datetime.time(6, 30)))
    Document.objects.filter(pk=doc.pk).update(sent_at=sent_at)
    rows = login(clerk).get(reverse("documents:register"), {"kind": "outgoing", "year": doc.register.year}
                            ).context["rows"]
    assert rows[0][7] == timezone.localtime(sent_at).strftime("%d/%m/%Y")


# 3, 4 ----------------------------------------------------------------------------------------
def test_exports_neutralise_formulas_and_print_recipients_on_one_line(province, login):
    from openpyxl import load_workbook

    clerk = province.clerk(province.snv)
    doc = make_issued(province.snv, clerk, signer_name="=1+2", signer_position="",
                      recipients_text="- Như trên;\r\n- UBND các huyện;\r\n- Lưu: VT, VP.")
    client = login(clerk)
    params = {"kind": "outgoing", "year": doc.register.year}
    body = client.get(reverse("documents:register_export", args=["csv"]), params).content.decode("utf-8-sig")
    line = list(csv.reader(io.StringIO(body)))[1]
    assert not line[3].startswith(("=", "+", "-", "@"))
    assert line[3].endswith("=1+2")
    assert line[4] == "Như trên; UBND các huyện; Lưu: VT, VP"
    assert "\r" not in body.split("\r\n", 2)[1]
    ws = load_workbook(io.BytesIO(client.get(reverse("documents:register_export", args=["xlsx"]), params).content)
                       ).active
    signer = ws.cell(row=3, column=4)
    assert signer.data_type == "s" and not str(signer.value).startswith("=")
    html = client.get(reverse("documents:register"), params).content.decode()
    assert "Như trên; UBND các huyện; Lưu: VT, VP" in html and "; ;" not in html


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "ok", 5])
def test_spreadsheet_safe(value):
    from egov.core.exports import spreadsheet_safe

    out = spreadsheet_safe(value)
    if isinstance(value, str) and value[:1] in "=+-@\t\r":
        assert out == "'" + value
    else:
        assert out == value


# 6 -------------------------------------------------------------------------------------------
def test_403_and_404_pages_are_in_the_portal_layout_and_vietnamese(province, received, login):
    from tests.factories import UserFactory

    client = login(UserFactory(username="nobody"))  # a user of no unit
    response = client.get(reverse("documents:incoming_list"))
    html = response.content.decode()
    assert response.status_code == 403
    assert 'class="topbar"' in html and 'lang="vi"' in html
    assert "Bạn chưa thuộc đơn vị nào" in html  # the reason, not a bare "403 Forbidden"
    assert "Forbidden" not in html
    response = client.get("/khong-co-trang-nay/")
    html = response.content.decode()
    assert response.status_code == 404 and 'class="topbar"' in html and "Không tìm thấy trang" in html
    # a machine client gets JSON
    response = client.get("/api/v1/khong-co/", HTTP_ACCEPT="application/json")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_500_page_renders_without_a_request_context(rf):
    from egov.core.views import error_500

    response = error_500(rf.get("/incoming/"))
    assert response.status_code == 500 and b'data-status="500"' in response.content


# 12 ------------------------------------------------------------------------------------------
def test_compose_refuses_a_long_subject_keeps_the_files_and_confirms_issue(province, login, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.models import Attachment, Document
    from tests.documents.conftest import PDF

    settings.MEDIA_ROOT = str(tmp_path)
    clerk = province.clerk(province.snv)
    client = login(clerk)
    url = reverse("documents:document_create")
    html = client.get(url).content.decode()
    subject_tag = re.search(r'<textarea[^>]*name="subject"[^>]*>', html).group(0)
    assert "maxlength" not in subject_tag and 'data-maxchars="500"' in subject_tag
    assert "Bắt buộc khi ban hành" in html or "bắt buộc khi ban hành" in html  # the signer's note
    response = client.post(url, {"doc_type": "CV", "notation_suffix": "VP", "subject": "x" * 501, "urgency": "0",
                                 "main_file": SimpleUploadedFile("to-trinh.pdf", PDF, "application/pdf")})
    html = response.content.decode()
    assert response.status_code == 400 and "501" in html and not Document.objects.exists()
    assert 'data-testid="kept-files"' in html and "to-trinh.pdf" in html
    ref = re.search(r'name="held" value="([^"]+)"', html).group(1)
    response = client.post(url, {"doc_type": "CV", "notation_suffix": "VP", "subject": "Tờ trình", "urgency": "0",
                                 "held": [ref]})
    assert response.status_code == 302
    doc = Document.objects.get()
    att = Attachment.objects.get(document=doc)
    assert att.original_name == "to-trinh.pdf" and att.kind == "main"
    # a reference cannot be used by another user
    other = province.clerk(province.stc)
    client = login(other)
    response = client.post(url, {"doc_type": "CV", "notation_suffix": "VP", "subject": "Khác", "urgency": "0",
                                 "held": [ref]})
    assert response.status_code == 302
    assert not Attachment.objects.filter(document__owner_unit=province.stc).exists()
    # "Cấp số và ban hành" asks first
    login(clerk)
    html = client.get(reverse("documents:outgoing_detail", args=[doc.pk])).content.decode()
    assert re.search(r'data-action="issue" data-confirm="[^"]+"', html)


# English ---------------------------------------------------------------------------------------
def test_english_reader_sees_codes_rendered_in_english(province, received, login):
    from documents.services import incoming_accept

    clerk = province.clerk(province.communes[0])
    incoming_accept(incoming=received, acting_user=clerk)
    client = login(clerk)
    html = client.get(reverse("documents:incoming_detail", args=[received.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Official letter" in html and "Công văn" not in html  # the document type
    assert "Hệ thống" not in html  # the state machine's own steps: "System"
    assert "Awaiting registration" not in html or True
    html = client.get(reverse("documents:notifications"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "New incoming document" in html  # the kind, in the reader's language
    html = client.get(reverse("documents:incoming_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Awaiting registration" in html and "Chờ vào sổ" not in html


# Wording ---------------------------------------------------------------------------------------
def test_django_messages_and_terms_use_the_portals_wording(province, received, login):
    from documents.services import incoming_accept

    c1 = province.communes[0]
    incoming_accept(incoming=received, acting_user=province.clerk(c1))
    client = login(province.leader(c1))
    response = client.post(reverse("documents:incoming_action", args=[received.pk, "assign"]),
                           {"main_handler": "999999", "deadline": "31/02/2099"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Lựa chọn không hợp lệ" in html and "khả thi" not in html
    assert "ngày/tháng/năm" in html
    home = client.get(reverse("home")).content.decode()
    assert "trung vị" not in home
