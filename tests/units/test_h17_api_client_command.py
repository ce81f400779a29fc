"""The operator's API client command (h17): the token printed once works on the API; rotate and revoke."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from egov.core.api.models import ApiClient
from egov.core.models import AuditEvent
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def _call(*args):
    out = StringIO()
    call_command("api_client", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def _status(token):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api.get("/api/v1/units/").status_code


def test_create_rotate_revoke():
    unit = UnitFactory(code="000.00.02.H98", name="Sở Thử")
    created = _call("create", unit.code, "--name", "Hệ thống QLVB", "--scopes", "units:read,documents:read")
    client = ApiClient.objects.get(pk=created["id"])
    assert client.scopes == ["documents:read", "units:read"] and created["token"] not in client.token_hash
    assert _status(created["token"]) == 200
    rotated = _call("rotate", str(client.pk))
    assert _status(created["token"]) == 401 and _status(rotated["token"]) == 200
    _call("revoke", str(client.pk))
    assert _status(rotated["token"]) == 401
    assert [r["active"] for r in _call("list", unit.code)] == [False]
    assert AuditEvent.objects.filter(object_id=str(client.pk)).count() >= 3 or \
        AuditEvent.objects.filter(object_type__icontains="apiclient").count() >= 3
    with pytest.raises(CommandError):
        call_command("api_client", "create", unit.code, "--name", "x", "--scopes", "no:such", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("api_client", "rotate", str(client.pk), stdout=StringIO())
