"""Units API: search, by code, tree, successors."""
import datetime

import pytest

from units.services import unit_merge

pytestmark = pytest.mark.django_db


def test_search_by_code_and_tree(province, make_api):
    api = make_api(province.snv, ["units:read"])
    r = api.get("/api/v1/units/", {"q": "so noi vu"})
    assert [u["code"] for u in r.json()["results"]] == [province.snv.code]
    r = api.get(f"/api/v1/units/{province.snv.code}/")
    assert r.status_code == 200 and r.json()["short_name"] == "SNV" and r["ETag"]
    assert api.get("/api/v1/units/000.99.99.H00/").status_code == 404
    kids = api.get(f"/api/v1/units/{province.district.code}/children/").json()["results"]
    assert sorted(u["code"] for u in kids) == sorted(c.code for c in province.communes)
    anc = api.get(f"/api/v1/units/{province.communes[0].code}/ancestors/").json()
    assert [u["code"] for u in anc] == [province.ubnd.code, province.district.code]
    r = api.get("/api/v1/units/", {"kind": "department"})
    assert {u["code"] for u in r.json()["results"]} == {province.snv.code, province.stc.code}
    r = api.get("/api/v1/units/", {"kind": "nonsense"})
    assert r.status_code == 400 and "kind" in r.json()["error"]["fields"]


def test_successors_after_a_merger(province, make_api):
    api = make_api(province.snv, ["units:read"])
    a, b = province.communes[0], province.communes[1]
    unit_merge(sources=[a], target=b, effective_date=datetime.date(2025, 7, 1))
    r = api.get(f"/api/v1/units/{a.code}/successors/")
    assert r.status_code == 200, r.json()
    assert [u["code"] for u in r.json()] == [b.code]
    codes = [u["code"] for u in api.get("/api/v1/units/").json()["results"]]
    assert a.code not in codes
    codes = [u["code"] for u in api.get("/api/v1/units/", {"include_inactive": "true"}).json()["results"]]
    assert a.code in codes


def test_every_api_call_is_audited(province, make_api):
    from egov.core.models import AuditEvent

    api = make_api(province.snv, ["units:read"])
    api.get(f"/api/v1/units/{province.snv.code}/")
    api.get("/api/v1/units/000.99.99.H00/")
    rows = list(AuditEvent.objects.filter(verb="api.call").order_by("pk"))
    assert [(r.details["method"], r.details["status"]) for r in rows] == [("GET", 200), ("GET", 404)]
    assert rows[0].unit_id == province.snv.pk and rows[0].details["client"] == api.client.pk
    assert rows[0].actor_id == api.client.service_user_id
