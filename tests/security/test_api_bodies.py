"""Finding 7 (API bodies): JSON nested too deep is a 400 and JSON over the size limit a 413, both the API's error body."""
import pytest

pytestmark = pytest.mark.django_db


def test_deeply_nested_json_is_a_400_error_body(province, make_api):
    api = make_api(province.snv)
    body = "[" * 5000 + "]" * 5000
    r = api.post("/api/v1/documents/", data=body, content_type="application/json")
    assert r.status_code == 400 and r["Content-Type"].startswith("application/json")
    assert r.json()["error"]["code"]


def test_json_over_the_limit_is_a_413_error_body(province, make_api, settings):
    api = make_api(province.snv)
    body = '{"subject": "' + "x" * (11 * 2**20) + '"}'
    r = api.post("/api/v1/documents/", data=body, content_type="application/json")
    assert r.status_code == 413 and r["Content-Type"].startswith("application/json")
    assert r.json()["error"]["code"] == "request_too_large"
