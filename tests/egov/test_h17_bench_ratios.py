"""
Issue 17, "Benchmarks as ratios": bench_inbox prints the page's own SQL replayed directly as the
reference of the same run (``*_raw_sql_ms``, ``*_view_over_sql``, overall ``raw_sql_ms`` /
``view_over_sql``), at a tiny size here; bench_api's reference view is routed only with
EGOV_BENCH_URLS and answers behind the API's token authentication.
"""
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import clear_url_caches, resolve

pytestmark = pytest.mark.django_db

SCENARIOS = ("first_page", "deep_page", "filtered", "search")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="bench_inbox refuses SQLite")
def test_bench_inbox_json_has_the_raw_sql_reference():
    out = StringIO()
    call_command("bench_inbox", records=60, dispatches=600, iterations=4, json=True, stdout=out)
    result = json.loads(out.getvalue())  # --json: JSON only
    assert result["unit_records"] == 60
    for name in SCENARIOS:
        for key in ("p50_ms", "p95_ms", "queries", "raw_sql_ms", "raw_sql_p95_ms", "view_over_sql"):
            assert f"{name}_{key}" in result
        assert result[f"{name}_raw_sql_ms"] > 0 and result[f"{name}_view_over_sql"] > 0
    assert result["raw_sql_ms"] == pytest.approx(sum(result[f"{n}_raw_sql_ms"] for n in SCENARIOS), abs=0.05)
    assert result["view_over_sql"] == pytest.approx(result["view_ms"] / result["raw_sql_ms"], abs=0.01)


def _reload_urls():
    import importlib

    import egov.urls

    importlib.reload(egov.urls)
    clear_url_caches()


@pytest.fixture
def bench_urls():
    with override_settings(EGOV_BENCH_URLS=True):
        _reload_urls()
        yield
    _reload_urls()


def test_bare_view_is_not_routed_by_default():
    assert resolve("/api/v1/_bench/bare/").url_name == "api-not-found"  # the API's JSON 404


def test_bare_view_needs_the_api_token(bench_urls, client):
    from tests.factories import UnitFactory
    from units.api_clients import api_client_create

    assert resolve("/api/v1/_bench/bare/").url_name == "bench-bare"
    assert client.get("/api/v1/_bench/bare/").status_code in (401, 403)
    api_client, token = api_client_create(name="bench", unit=UnitFactory(), scopes=["documents:read"])
    response = client.get("/api/v1/_bench/bare/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json() == {"client": api_client.pk}


def test_production_never_routes_the_bare_view():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "egov" / "settings" / "production.py").read_text()
    assert "EGOV_BENCH_URLS = False" in text
