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


def test_json_over_the_limit_is_a_413_for_a_browser_session_too(province):
    """The portal's own pages call the API with the session and the CSRF header: the same 413 body."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(province.clerk(province.snv))
    client.get("/")  # the CSRF cookie
    token = client.cookies["csrftoken"].value
    body = '{"subject": "' + "x" * (11 * 2**20) + '"}'
    r = client.post("/api/v1/documents/", data=body, content_type="application/json", headers={"X-CSRFToken": token})
    assert r.status_code == 413 and r["Content-Type"].startswith("application/json"), r.content[:200]
    assert r.json()["error"]["code"] == "request_too_large"


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_api_path_is_the_apis_json_404(province, make_api, settings, debug):
    """Never Django's HTML page to a machine client, with DEBUG on (make run) too."""
    settings.DEBUG = debug
    api = make_api(province.snv)
    for path in ("/api/v1/nothing-here/", "/api/v1/documents/1/no-such-action/", "/api/"):
        r = api.get(path)
        assert r.status_code == 404 and r["Content-Type"].startswith("application/json"), (path, r.content[:100])
        assert r.json()["error"]["code"] == "not_found"


def test_a_post_to_an_unknown_api_path_with_a_session_cookie_is_the_json_404(province):
    """schemathesis: POST /api/v1/chases/0.5/acknowledge/ (no such pattern) with a cookie got Django's CSRF page."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(province.clerk(province.snv))
    r = client.post("/api/v1/chases/0.5/acknowledge/", data='{"answer": ""}', content_type="application/json")
    assert r.status_code == 404 and r["Content-Type"].startswith("application/json")


def test_a_csrf_failure_is_the_portals_page_or_the_apis_body(province):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(province.clerk(province.snv))
    r = client.post("/accounts/logout/", HTTP_ACCEPT_LANGUAGE="vi")
    assert r.status_code == 403 and r["Content-Type"].startswith("text/html")
    assert "Không thể nhận biểu mẫu" in r.content.decode()  # the portal's page, in Vietnamese
    r = client.post("/accounts/logout/", HTTP_ACCEPT="application/json")
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
