"""
Issue 16, schemathesis' data checks: values the schema calls invalid are refused with the error
body, not silently taken as "no filter" or "the default": a boolean filter is ``true`` or
``false``, given once; ``file_format`` is one of its enum.
"""
from __future__ import annotations

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path, name", [
    ("/api/v1/incoming/", "urgent"),
    ("/api/v1/incoming/", "overdue"),
    ("/api/v1/documents/", "pending_recipients"),
    ("/api/v1/units/", "include_inactive"),
])
def test_a_boolean_filter_is_true_or_false_once(province, make_api, path, name):
    api = make_api(province.snv)
    for good in ("true", "false"):
        r = api.get(path, {name: good})
        assert r.status_code == 200, (good, r.content[:300])
    for bad in (["null"], ["abc"], [""], ["true", "true"], ["1"]):
        r = api.get(path, {name: bad})
        assert r.status_code == 400, (bad, r.content[:300])
        error = r.json()["error"]
        assert error["code"] == "invalid" and name in error["fields"], error


def test_an_empty_file_format_is_refused(province, make_api):
    api = make_api(province.snv)
    year = timezone.localdate().year
    assert api.get("/api/v1/registers/export/", {"kind": "incoming", "year": year}).status_code == 200
    r = api.get("/api/v1/registers/export/", {"kind": "incoming", "year": year, "file_format": ""})
    assert r.status_code == 400 and "file_format" in r.json()["error"]["fields"]


@pytest.mark.parametrize("path, name", [
    ("/api/v1/incoming/", "arrived_after"),
    ("/api/v1/incoming/", "arrived_before"),
    ("/api/v1/incoming/", "deadline_before"),
    ("/api/v1/documents/", "issued_after"),
    ("/api/v1/documents/", "issued_before"),
    ("/api/v1/units/", "active_on"),
])
def test_a_date_filter_is_one_iso_date(province, make_api, path, name):
    """The schema says ``format: date`` (RFC 3339 full-date): the UI's dd/mm/yyyy, an empty value,
    padding or a repeated value are a 400 naming the filter, not "no filter" or another reading."""
    api = make_api(province.snv)
    r = api.get(path, {name: "2026-01-05"})
    assert r.status_code == 200, r.content[:300]
    for bad in (["05/01/2026"], [""], [" 2026-01-05"], ["2026-01-05 "], ["2026-1-5"], ["2026-01-05", "2026-01-06"],
                ["null"], ["2026-02-30"]):
        r = api.get(path, {name: bad})
        assert r.status_code == 400, (bad, r.content[:300])
        error = r.json()["error"]
        assert error["code"] == "invalid" and name in error["fields"], (bad, error)
