"""Finding 4: the issue date is the day of issue; another date is a separate, audited permission."""
import datetime

import pytest
from django.utils import timezone

from documents.models import Document
from egov.core.models import AuditEvent
from tests.api.conftest import draft_payload, upload
from tests.factories import allow_issue_on_another_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(province, make_api):
    api = make_api(province.snv)
    r = api.post("/api/v1/documents/", {**draft_payload(), "main_file": upload()}, format="multipart")
    assert r.status_code == 201
    return api, r.json()["id"]


@pytest.mark.parametrize("day", ["2019-05-05", "2099-01-01"])
def test_api_refuses_another_issue_date(draft, day):
    api, pk = draft
    r = api.post(f"/api/v1/documents/{pk}/issue/", {"issued_on": day}, format="json")
    assert r.status_code == 403, r.json()
    assert Document.objects.get(pk=pk).number is None


def test_api_issues_today_in_vietnam(draft):
    api, pk = draft
    r = api.post(f"/api/v1/documents/{pk}/issue/", {}, format="json")
    assert r.status_code == 200
    assert Document.objects.get(pk=pk).issued_on == timezone.localdate()
    assert str(timezone.get_current_timezone()) == "Asia/Ho_Chi_Minh"


def test_the_permission_allows_another_date_and_is_audited(draft):
    api, pk = draft
    allow_issue_on_another_day(api.user)
    r = api.post(f"/api/v1/documents/{pk}/issue/", {"issued_on": "2026-01-02"}, format="json")
    assert r.status_code == 200, r.json()
    assert Document.objects.get(pk=pk).issued_on == datetime.date(2026, 1, 2)
    row = AuditEvent.objects.get(verb="document.issue_date_set", object_id=str(pk))
    assert row.details["issued_on"] == "2026-01-02"
