"""
The schema and the code agree on the inputs schemathesis found disagreeing: a unit filter given
an id no unit has, the webhook URL's form, and a form-encoded empty ``related_document``.
"""
import pytest
from urllib.parse import urlencode

from .conftest import deliver_pending, draft_payload, send_via_api, upload

pytestmark = pytest.mark.django_db

NO_SUCH_UNIT = 2**31 - 1


@pytest.mark.parametrize("url", ["/api/v1/dispatches/?recipient=%d", "/api/v1/incoming/?sender=%d"])
def test_unit_filter_with_an_id_no_unit_has_is_an_empty_list(province, make_api, url):
    snv, stc = make_api(province.snv), make_api(province.stc)
    send_via_api(snv, [province.stc])
    deliver_pending()
    r = (snv if "dispatches" in url else stc).get(url % NO_SUCH_UNIT)
    assert r.status_code == 200, r.content
    assert r.json()["results"] == []
    r = (snv if "dispatches" in url else stc).get(url % 0)
    assert r.status_code == 200 and r.json()["results"] == []
    for number in (-5, 2**63, 2**70, -(2**70)):  # beyond the id column's range too
        r = (snv if "dispatches" in url else stc).get(url % number)
        assert r.status_code == 200 and r.json()["results"] == [], (number, r.content)
    # a real unit still filters, and a value that is not a whole number is still a 400 with the error body
    unit = province.stc.pk if "dispatches" in url else province.snv.pk
    r = (snv if "dispatches" in url else stc).get(url % unit)
    assert r.status_code == 200 and len(r.json()["results"]) == 1
    r = (snv if "dispatches" in url else stc).get(url.replace("%d", "abc"))
    assert r.status_code == 400 and "error" in r.json()


def test_register_export_for_another_units_code_is_not_found(province, make_api):
    snv = make_api(province.snv)
    r = snv.get("/api/v1/registers/export/?kind=outgoing&year=2026&unit=NOSUCHCODE")
    assert r.status_code == 404, r.content
    assert r.json()["error"]["code"]
    r = snv.get(f"/api/v1/registers/export/?kind=outgoing&year=2026&unit={province.stc.code}")
    assert r.status_code == 404
    r = snv.get(f"/api/v1/registers/export/?kind=outgoing&year=2026&unit={province.snv.code}")
    assert r.status_code == 200


@pytest.mark.parametrize("empty", ["", "null"])
def test_patch_form_encoded_empty_related_document(province, make_api, empty):
    snv = make_api(province.snv)
    doc = snv.post("/api/v1/documents/", draft_payload(), format="json").json()["id"]
    r = snv.generic("PATCH", f"/api/v1/documents/{doc}/", urlencode({"related_document": empty}),
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 200, r.content  # the schema's null, as a form can carry it
    assert r.json()["related_document"] is None


def test_webhook_url_schema_states_the_form_the_code_checks(province, make_api):
    import json

    from django.test import Client

    schema = json.loads(Client().get("/api/schema/?format=json").content)
    url = schema["components"]["schemas"]["WebhookInputRequest"]["properties"]["url"]
    assert url["pattern"].startswith("^https?://") and url["maxLength"] == 500
    import re

    stc = make_api(province.stc)
    for ok in ["https://tich-hop.example.vn:8443/hook?x=1", "http://127.0.0.1:9/hook"]:  # loopback: test allow-list
        r = stc.post("/api/v1/webhooks/", {"url": ok}, format="json")
        assert r.status_code == 201, (ok, r.content)
    for bad in ["https://abc", "https://a.b1/", "https://a.com:99999/", "http://a b.com/", "https://a.vn/?x=^1"]:
        assert not re.search(url["pattern"], bad)
        r = stc.post("/api/v1/webhooks/", {"url": bad}, format="json")
        assert r.status_code == 400 and "url" in r.json()["error"]["fields"], (bad, r.content)


@pytest.mark.parametrize("url", ["/api/v1/chases/?incoming=%s", "/api/v1/extensions/?incoming=%s"])
def test_incoming_filter_with_an_id_no_record_has_is_an_empty_list(province, make_api, url):
    """The schema says any integer: a negative or huge one matches nothing (schemathesis positive_data_acceptance)."""
    stc = make_api(province.stc)
    for number in ("-70903", "0", str(2**31), str(2**70), "-" + "9" * 5000):
        r = stc.get(url % number)
        assert r.status_code == 200 and r.json()["results"] == [], (number[:20], r.content[:300])
    r = stc.get(url % "abc")
    assert r.status_code == 400 and "incoming" in r.json()["error"]["fields"]


def test_form_encoded_send_carries_as_many_unit_codes_as_the_schema_allows(province, make_api):
    """``units`` has maxItems 5000; Django's default field limit (1000) refused a form carrying more
    with an untranslated bad_request (schemathesis positive_data_acceptance)."""
    snv = make_api(province.snv)
    r = snv.post("/api/v1/documents/", {**draft_payload(), "main_file": upload()}, format="multipart")
    doc = r.json()["id"]
    assert snv.post(f"/api/v1/documents/{doc}/issue/", {}, format="json").status_code == 200
    body = urlencode([("units", province.stc.code)] * 4999)
    r = snv.generic("POST", f"/api/v1/documents/{doc}/send/", body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 201, r.content[:300]
    assert len(r.json()) == 1  # the codes name one unit: one dispatch


def test_a_recipient_group_has_the_format_the_schema_shows(province, make_api):
    """schemathesis sent the group "\\r" (any string of 40 was allowed): the item is now a pattern."""
    snv = make_api(province.snv)
    r = snv.get("/api/schema/?format=json")
    schema = r.json()
    items = schema["components"]["schemas"]["SendInputRequest"]["properties"]["groups"]["items"]
    assert "communes_of" in items["pattern"] and items["maxLength"] == 40
    r = snv.post("/api/v1/documents/", {**draft_payload(), "main_file": upload()}, format="multipart")
    doc = r.json()["id"]
    assert snv.post(f"/api/v1/documents/{doc}/issue/", {}, format="json").status_code == 200
    for bad in ("\r", " departments", "communes_of:", "saved:x", "everyone"):
        r = snv.post(f"/api/v1/documents/{doc}/send/", {"groups": [bad]}, format="json")
        assert r.status_code == 400 and "groups" in str(r.json()["error"]["fields"]), (bad, r.content)
    r = snv.post(f"/api/v1/documents/{doc}/send/", {"groups": ["districts"]}, format="json")
    assert r.status_code == 201, r.content
