"""API clients: hashed tokens shown once, rotation, revocation, last use, scopes, service users, audit."""
import pytest
from rest_framework.test import APIClient

from egov.core.models import AuditEvent
from egov.core.api.models import ApiClient
from egov.core.api.services import token_hash
from units.api_clients import api_client_revoke, api_client_rotate, api_client_update
from units.models import Membership

from .conftest import draft_payload

pytestmark = pytest.mark.django_db


def test_token_is_stored_hashed_and_last_use_recorded(province, make_api):
    api = make_api(province.snv, ["units:read"])
    row = ApiClient.objects.get(pk=api.client.pk)
    assert api.token not in (row.token_hash, row.token_prefix)
    assert row.token_hash == token_hash(api.token)
    assert row.last_used_at is None
    assert api.get("/api/v1/units/").status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None and row.last_used_ip == "127.0.0.1"


def test_bad_missing_and_revoked_tokens_get_401(province, make_api):
    api = make_api(province.snv, ["units:read"])
    anon = APIClient()
    r = anon.get("/api/v1/units/")
    assert r.status_code in (401, 403) and r.json()["error"]["code"] == "not_authenticated"
    anon.credentials(HTTP_AUTHORIZATION="Bearer " + api.token[:-2] + "xx")
    assert anon.get("/api/v1/units/").json()["error"]["code"] == "authentication_failed"
    api_client_revoke(client=api.client)
    r = api.get("/api/v1/units/")
    assert r.status_code == 401
    assert not Membership.objects.filter(user=api.user).exists()


def test_rotation_replaces_the_token(province, make_api):
    api = make_api(province.snv, ["units:read"])
    _client, new = api_client_rotate(client=api.client)
    assert api.get("/api/v1/units/").status_code == 401
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {new}")
    assert fresh.get("/api/v1/units/").status_code == 200
    assert AuditEvent.objects.filter(verb="api_client.rotated", object_id=str(api.client.pk)).exists()


def test_service_user_roles_follow_scopes(province, make_api):
    api = make_api(province.snv, ["documents:send"])
    user = api.user
    assert not user.has_usable_password()
    assert set(Membership.objects.filter(user=user).values_list("unit__code", "role")) == {(province.snv.code, "clerk")}
    api_client_update(client=api.client, scopes=["documents:read", "inbox:act"])
    assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {"clerk", "leader"}


def test_scopes_are_enforced(province, make_api):
    reader = make_api(province.snv, ["documents:read"])
    r = reader.post("/api/v1/documents/", draft_payload(), format="json")
    assert r.status_code == 403
    assert "documents:send" in r.json()["error"]["message"]
    assert reader.get("/api/v1/units/").status_code == 403
    assert reader.get("/api/v1/documents/").status_code == 200


def test_api_actions_are_audited_with_the_service_user(province, make_api):
    api = make_api(province.snv, ["documents:send"])
    r = api.post("/api/v1/documents/", draft_payload(), format="json")
    assert r.status_code == 201
    event = AuditEvent.objects.get(verb="document.created", object_id=str(r.json()["id"]))
    assert event.actor_id == api.user.pk and event.unit_id == province.snv.pk


def test_admin_shows_the_token_once(province, admin_client):
    r = admin_client.post("/admin/egov/apiclient/add/", {
        "name": "LGSP", "unit": province.snv.pk, "scopes": ["units:read"], "rate_limit_per_minute": 0})
    assert r.status_code == 200, r.content[:500]
    body = r.content.decode()
    client = ApiClient.objects.get(name="LGSP")
    token = body.split("user-select:all\">")[1].split("<")[0]
    assert token.startswith("egov_") and client.token_hash == token_hash(token)
    assert "no-store" in r["Cache-Control"]
    r = admin_client.get(f"/admin/egov/apiclient/{client.pk}/change/")
    assert token not in r.content.decode()


def test_browser_session_works(province, client):
    clerk = province.clerk(province.snv)
    client.force_login(clerk)
    r = client.get("/api/v1/documents/")
    assert r.status_code == 200
