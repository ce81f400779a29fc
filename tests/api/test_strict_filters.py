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
