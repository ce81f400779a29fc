"""Login and lockout, the dashboard, registers, notifications, the unit switcher, languages, query counts."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents.models import IncomingRecord
from documents.services import incoming_accept
from egov.core.models import Notification
from tests.factories import MembershipFactory, UnitFactory, UserFactory
from units.choices import Role

from .conftest import deliver, make_issued

pytestmark = pytest.mark.django_db


def test_login_locks_out_after_repeated_failures(client, settings):
    from axes.models import AccessAttempt

    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    UserFactory(username="vanthu", password="pw-right-123")
    url = reverse("login")
    for _ in range(2):
        response = client.post(url, {"username": "vanthu", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200 and "Please enter a correct username" in response.content.decode()
    response = client.post(url, {"username": "vanthu", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429  # the third failure locks
    response = client.post(url, {"username": "VanThu", "password": "pw-right-123"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "Too many failed attempts for this account. Try again in 15 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session
    AccessAttempt.objects.all().delete()  # the window has passed
    response = client.post(url, {"username": "vanthu", "password": "pw-right-123"})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_successful_login_keeps_the_failure_history(client):
    from axes.models import AccessAttempt, AccessFailureLog

    UserFactory(username="lanhdao", password="pw-right-123")
    client.post(reverse("login"), {"username": "lanhdao", "password": "nope"})
    assert AccessFailureLog.objects.filter(username="lanhdao").count() == 1
    assert client.post(reverse("login"), {"username": "lanhdao", "password": "pw-right-123"}).status_code == 302
    assert AccessFailureLog.objects.filter(username="lanhdao").count() == 1  # history kept
    assert not AccessAttempt.objects.filter(username="lanhdao").exists()  # the counter starts again


def test_pages_need_login(client):
    for name in ("home",):
        assert client.get(reverse(name)).status_code == 302
    for name in ("incoming_list", "outgoing_list", "document_create", "register", "notifications"):
        response = client.get(reverse(f"documents:{name}"))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.fixture
def busy(province):
    clerk = province.clerk(province.snv)
    for i in range(3):
        deliver(make_issued(province.snv, clerk, subject=f"Kế hoạch {i}"), [province.communes[0], province.district],
                clerk)
    return province


def test_dashboard_for_a_clerk_shows_the_work_tiles(busy, login):
    client = login(busy.clerk(busy.communes[0]))
    html = client.get(reverse("home")).content.decode()
    for tile in ("new", "mine", "due", "waiting"):
        assert f'data-tile="{tile}"' in html
    assert 'class="chart"' in html
    assert 'data-level=' not in html  # only province administrators see the province table


def test_dashboard_for_province_admin_shows_the_connection_table(busy, login):
    admin = UserFactory(username="tinh.admin")
    MembershipFactory(user=admin, unit=busy.ubnd, role=Role.UNIT_ADMIN)
    client = login(admin)
    response = client.get(reverse("home"))
    rows = {r["kind"]: r for r in response.context["connections"]}
    assert rows["department"]["connected"] == 1 and rows["department"]["total"] == 2
    assert rows["commune_committee"]["connected"] == 1 and rows["commune_committee"]["total"] == 3
    assert rows["district_committee"]["connected"] == 1 and rows["district_committee"]["month"] == 3
    # 3 documents (to 2 recipients each) sent by Sở Nội vụ today: documents, not hand-overs (issue 15, bug 9)
    assert rows["department"]["today"] == 3
    assert 'data-level="commune_committee"' in response.content.decode()
    assert sum(n for _d, n in response.context["per_day"]) == 3


def test_registers_render_export_and_are_closed_to_specialists(busy, login, client):
    clerk = busy.clerk(busy.communes[0])
    for rec in IncomingRecord.objects.filter(unit=busy.communes[0]):
        incoming_accept(incoming=rec, acting_user=clerk)
    login(clerk)
    html = client.get(reverse("documents:register"), {"kind": "incoming"}).content.decode()
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in html and "Số đến" in html and html.count("Kế hoạch") == 3
    response = client.get(reverse("documents:register_export", args=["xlsx"]), {"kind": "incoming"})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    response = client.get(reverse("documents:register_export", args=["csv"]), {"kind": "followup"})
    assert response.status_code == 200 and "Thời hạn giải quyết" in response.content.decode("utf-8-sig")
    login(busy.specialist(busy.communes[0]))
    assert client.get(reverse("documents:register")).status_code == 403


def test_notifications_unread_count_and_mark_read(busy, login, client):
    clerk = busy.clerk(busy.communes[0])
    leader = busy.leader(busy.communes[0])
    incoming_accept(incoming=IncomingRecord.objects.filter(unit=busy.communes[0]).first(), acting_user=clerk)
    login(leader)
    html = client.get(reverse("documents:notifications")).content.decode()
    assert 'data-unread="1"' in html and 'data-kind="incoming.accepted"' in html
    client.post(reverse("documents:notifications_read"))
    assert not Notification.objects.filter(user=leader, read_at__isnull=True).exists()
    assert "data-unread=" not in client.get(reverse("documents:notifications")).content.decode()


def test_unit_switcher_changes_the_inbox_and_refuses_foreign_units(busy, login, client):
    user = busy.clerk(busy.communes[0])
    MembershipFactory(user=user, unit=busy.district, role=Role.CLERK)
    login(user)
    html = client.get(reverse("documents:incoming_list")).content.decode()
    assert 'id="unit-switch"' in html
    client.post(reverse("documents:switch_unit"), {"unit": busy.district.pk, "next": "/incoming/"})
    assert client.get(reverse("documents:incoming_list")).context["portal"].unit == busy.district
    client.post(reverse("documents:switch_unit"), {"unit": busy.stc.pk, "next": "https://evil.example/"})
    assert client.get(reverse("documents:incoming_list")).context["portal"].unit == busy.district


def test_vietnamese_by_default_english_on_request(busy, login, client):
    login(busy.clerk(busy.communes[0]))
    assert '<html lang="vi">' in client.get(reverse("home")).content.decode()
    html = client.get(reverse("documents:incoming_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html and "Incoming documents" in html
    rec = IncomingRecord.objects.filter(unit=busy.communes[0]).first()
    html = client.get(reverse("documents:incoming_list")).content.decode()
    assert rec.arrived_at.astimezone().strftime("%d/%m/%Y") in html  # dd/mm/yyyy


def _queries(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


# Pinned: session, user, memberships (active unit), unread count, visible units (2), the page, the bounded count,
# the handler list. The same whatever the number of records.
# Issue 15: + the bounded count of each queue tab (5 for a clerk), + which rows are unread (1).
INBOX_QUERIES = 15
# + worklist (8), connection table (3), per day (1), medians (1); + the menu's queue counter (issue 15)
DASHBOARD_QUERIES = 18


def test_inbox_query_count_is_pinned_and_flat(province, login, django_assert_num_queries):
    clerk = province.clerk(province.snv)
    commune = province.communes[0]
    client = login(province.clerk(commune))
    deliver(make_issued(province.snv, clerk, subject="Một"), [commune], clerk)
    with django_assert_num_queries(INBOX_QUERIES):
        client.get(reverse("documents:incoming_list"))
    for i in range(30):
        deliver(make_issued(province.snv, clerk, subject=f"Nhiều {i}"), [commune], clerk)
    with django_assert_num_queries(INBOX_QUERIES):
        client.get(reverse("documents:incoming_list"))
    with django_assert_num_queries(INBOX_QUERIES):
        client.get(reverse("documents:incoming_list"), {"q": "nhieu", "status": "arrived"})


def test_dashboard_and_outgoing_query_counts_are_flat(province, login):
    clerk = province.clerk(province.snv)
    admin = UserFactory(username="tinh.admin")
    MembershipFactory(user=admin, unit=province.ubnd, role=Role.UNIT_ADMIN)
    MembershipFactory(user=admin, unit=province.snv, role=Role.CLERK)
    client = login(admin)
    deliver(make_issued(province.snv, clerk, subject="Một"), [province.communes[0]], clerk)
    client.post(reverse("documents:switch_unit"), {"unit": province.snv.pk})
    first = (_queries(client, reverse("home")), _queries(client, reverse("documents:outgoing_list")))
    for i in range(12):
        deliver(make_issued(province.snv, clerk, subject=f"Nhiều {i}"), [*province.communes, province.district],
                clerk)
    second = (_queries(client, reverse("home")), _queries(client, reverse("documents:outgoing_list")))
    assert first == second
    assert first[0] == DASHBOARD_QUERIES


# Pinned and flat: the same for 2 recipients as for 60 (session, user, active unit, unread count, the
# document, the viewer's roles, files, dispatches, summary counts, the take-back form, the recipient tree).
# The status table alone is what the page polls every 5 s while deliveries run.
# + the drafting trail lookup (issue 12); issue 13: + the records panel (2); issue 14: + access history, file
# and document access counts, and the access row written after the response; issue 15: + the menu counter,
# + the stage counters and the problems-first page of recipients.
OUTGOING_DETAIL_QUERIES = 24
OUTGOING_STATUS_QUERIES = 12  # issue 15: + the ETag (one aggregate), + the stage counters and page


def test_outgoing_detail_and_its_polled_status_table_have_flat_query_counts(province, login):
    clerk = province.clerk(province.snv)
    client = login(clerk)
    few = make_issued(province.snv, clerk, subject="Ít nơi nhận")
    deliver(few, province.communes[:2], clerk)
    many = make_issued(province.snv, clerk, subject="Nhiều nơi nhận")
    extra = [UnitFactory(code=f"000.{i:02d}.41.H99", name=f"Ủy ban nhân dân xã Thêm {i}", parent=province.district)
             for i in range(1, 59)]
    deliver(many, [*province.communes[:2], *extra], clerk)
    detail = [_queries(client, reverse("documents:outgoing_detail", args=[d.pk])) for d in (few, many)]
    status = [_queries(client, reverse("documents:outgoing_status", args=[d.pk])) for d in (few, many)]
    assert detail == [OUTGOING_DETAIL_QUERIES] * 2
    assert status == [OUTGOING_STATUS_QUERIES] * 2
