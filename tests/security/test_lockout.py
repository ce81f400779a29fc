"""Finding 2: one lockout for every login door (portal and admin), by username and address, audited."""
import pytest
from django.urls import reverse

from egov.core.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PORTAL, ADMIN = "/accounts/login/", "/admin/login/"


def fail(client, url, username="chanhvp", n=1, ip="10.0.0.1"):
    return [client.post(url, {"username": username, "password": "wrong"}, REMOTE_ADDR=ip).status_code
            for _ in range(n)]


@pytest.fixture
def staff():
    return UserFactory(username="chanhvp", password="pw-right-123", is_staff=True)


def test_admin_login_is_throttled_and_recorded(client, staff):
    from axes.models import AccessFailureLog

    codes = fail(client, ADMIN, n=30)
    assert codes[:4] == [200] * 4 and set(codes[4:]) == {429}
    assert AccessFailureLog.objects.filter(username="chanhvp").count() >= 5
    r = client.post(ADMIN, {"username": "chanhvp", "password": "pw-right-123"}, REMOTE_ADDR="10.0.0.1")
    assert r.status_code == 429 and "_auth_user_id" not in client.session


def test_portal_lockout_also_closes_the_admin_door(client, staff):
    fail(client, PORTAL, n=5)
    r = client.post(ADMIN, {"username": "chanhvp", "password": "pw-right-123"}, REMOTE_ADDR="10.0.0.1")
    assert r.status_code == 429 and "_auth_user_id" not in client.session


def test_a_stranger_elsewhere_cannot_lock_the_account(client, staff):
    fail(client, PORTAL, n=10, ip="203.0.113.9")  # someone else, from another address
    r = client.post(PORTAL, {"username": "chanhvp", "password": "pw-right-123"}, REMOTE_ADDR="10.0.0.1")
    assert r.status_code == 302 and "_auth_user_id" in client.session


def test_logins_failures_lockouts_and_logouts_are_audited(client, staff):
    fail(client, PORTAL, n=5)
    assert AuditEvent.objects.filter(verb="auth.login_failed", details__username="chanhvp").count() == 5
    assert AuditEvent.objects.filter(verb="auth.locked", details__username="chanhvp").exists()
    client.post(PORTAL, {"username": "chanhvp", "password": "pw-right-123"}, REMOTE_ADDR="10.0.0.2")
    assert AuditEvent.objects.filter(verb="auth.login", actor=staff, details__ip="10.0.0.2").exists()
    client.post(reverse("logout"), REMOTE_ADDR="10.0.0.2")
    assert AuditEvent.objects.filter(verb="auth.logout", actor=staff).exists()


def test_lockout_answers_json_to_a_machine_client(client, staff):
    fail(client, PORTAL, n=5)
    r = client.post(PORTAL, {"username": "chanhvp", "password": "x"}, REMOTE_ADDR="10.0.0.1",
                    HTTP_ACCEPT="application/json")
    assert r.status_code == 429 and r.json()["code"] == "locked"
