"""
Property-based fuzzing of the whole /api/v1/ schema with schemathesis (in-process WSGI), as a
real API client holding every scope, on a small province with documents in every state.
Checks: every schemathesis check but the two heuristic ones (see docs/api.md): no 5xx, status
codes, content types, headers and bodies as documented, required headers, unsupported methods,
Allow headers, authentication not ignored, deleted resources gone, object-level authorization.
Bounded: a few examples per operation (SCHEMATHESIS_MAX_EXAMPLES, default 8).
"""
import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from .conftest import ALL_SCOPES, deliver_pending, send_via_api

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
load_all_checks()
# positive_data_acceptance / negative_data_rejection: the rejections that remain are the domain's,
# not the schema's (docs/api.md, "Schema checks"); max_response_time: no timing on a loaded machine.
HEURISTIC = {"positive_data_acceptance", "negative_data_rejection", "max_response_time"}
CHECKS_RUN = [check for check in CHECKS.get_all() if check.__name__ not in HEURISTIC]
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))


@pytest.fixture
def fuzz_token(province, make_api):
    from django.core.cache import cache
    cache.clear()
    snv = make_api(province.snv, ALL_SCOPES, name="fuzz-snv", rate=1_000_000)
    stc = make_api(province.stc, ALL_SCOPES, name="fuzz-stc", rate=1_000_000)
    send_via_api(snv, [province.stc, province.district])
    send_via_api(stc, [province.snv])
    deliver_pending()
    return stc.token


# Committed data: the WSGI handler closes connections between requests, as in production.
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_conforms_to_its_schema(case, fuzz_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_token}"},
                           checks=CHECKS_RUN)
