"""
Property-based fuzzing of the whole /api/v1/ schema with schemathesis (in-process WSGI), as a
real API client holding every scope, on a small province with documents in every state.
Checks: every schemathesis check but ``max_response_time`` (no timing on a loaded machine): no
5xx, status codes, content types, headers and bodies as documented, required headers,
unsupported methods, Allow headers, authentication not ignored, deleted resources gone,
object-level authorization, and the two data checks (valid data accepted, invalid data refused).
A data-check failure passes only when it is on the explicit allow-list ``DOMAIN_REFUSALS`` below:
the documented business refusals of docs/api.md ("Schema checks"), each by operation, status and
the error's field. Everything else fails the test.
Bounded: a few examples per operation (SCHEMATHESIS_MAX_EXAMPLES, default 8).
SCHEMATHESIS_SURVEY=FILE: record every failure (check, operation, status, error fields) as JSON
lines in FILE instead of failing, to count them.
"""
import functools
import json
import os
import re

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from .conftest import ALL_SCOPES, deliver_pending, send_via_api

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
load_all_checks()
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))
SURVEY = os.environ.get("SCHEMATHESIS_SURVEY")
DATA_CHECKS = {"positive_data_acceptance", "negative_data_rejection"}

# (check, operation, status, error field): a refusal the domain makes of input the schema allows,
# documented in docs/api.md ("Schema checks"). A field of None: the refusal names no field.
_P = "positive_data_acceptance"
DOMAIN_REFUSALS: set[tuple[str, str, int, str | None]] = {
    # Another unit's code: an API client acts for its own unit only.
    (_P, "GET /api/v1/reports/incoming/", 400, "unit"),
    (_P, "GET /api/v1/reports/outgoing/", 400, "unit"),
    (_P, "GET /api/v1/search/", 400, "unit"),
    (_P, "POST /api/v1/saved-searches/", 400, "unit"),
    (_P, "POST /api/v1/records/plans/", 400, "unit"),
    (_P, "POST /api/v1/documents/", 400, "owner_unit"),
    # Cross-field rules: the period starts after it ends; a search with neither words nor a filter.
    (_P, "GET /api/v1/reports/incoming/", 400, "start"),
    (_P, "GET /api/v1/reports/outgoing/", 400, "start"),
    (_P, "GET /api/v1/search/", 400, "q"),
    # Well-formed values naming nothing usable: unknown unit codes, a handler outside the unit,
    # a document that is not the caller's.
    (_P, "POST /api/v1/documents/{id}/send/", 400, "units"),
    (_P, "POST /api/v1/documents/{id}/send/", 400, "groups"),  # communes_of:/saved: an id that is not one
    (_P, "POST /api/v1/incoming/{id}/assign/", 400, "main_handler"),
    (_P, "POST /api/v1/incoming/{id}/finish/", 400, "reply_document"),
    (_P, "POST /api/v1/documents/", 400, "related_document"),
    (_P, "PATCH /api/v1/documents/{id}/", 400, "related_document"),
    # Files: the type is judged by content (a PDF main file), and a JSON body carries no file.
    (_P, "POST /api/v1/documents/", 400, "main_file"),
    (_P, "POST /api/v1/documents/", 400, "appendices"),
    (_P, "POST /api/v1/documents/", 400, "file"),  # the service names a refused appendix "file"
    (_P, "POST /api/v1/documents/{id}/attachments/", 400, "file"),
    # Form-encoded null for nullable numbers and dates (only related_document takes null from a form).
    (_P, "POST /api/v1/documents/", 400, "page_amount"),
    (_P, "POST /api/v1/documents/", 400, "due_date"),
    (_P, "PATCH /api/v1/documents/{id}/", 400, "page_amount"),
    (_P, "PATCH /api/v1/documents/{id}/", 400, "due_date"),
    (_P, "POST /api/v1/incoming/{id}/progress/", 400, "progress"),
    (_P, "POST /api/v1/incoming/{id}/assign/", 400, "deadline"),
    # A NUL character in a string (the database cannot store it).
    (_P, "GET /api/v1/registers/export/", 400, "unit"),
    (_P, "POST /api/v1/documents/{id}/attachments/", 400, "description"),
    (_P, "POST /api/v1/incoming/{id}/reject/", 400, "reason"),
    (_P, "POST /api/v1/incoming/{id}/answer-request/", 400, "note"),
}


def _error_fields(response) -> list:
    """The error's fields, list positions dropped (``appendices.0`` → ``appendices``)."""
    try:
        fields = json.loads(response.content)["error"]["fields"]
        return sorted({re.sub(r"\.[0-9]+(?=\.|$)", "", f) for f in fields}) or [None]
    except (ValueError, KeyError, TypeError):
        return ["<no error body>"]


def _guarded(check):
    @functools.wraps(check)
    def run(ctx, response, case):
        try:
            return check(ctx, response, case)
        except Exception as exc:  # Failure, FailureGroup, AssertionError: what schemathesis reports
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            name, label, status = check.__name__, case.operation.label, response.status_code
            fields = _error_fields(response)
            if SURVEY:
                with open(SURVEY, "a") as out:
                    out.write(json.dumps({"check": name, "operation": label, "status": status,
                                          "fields": fields, "message": str(exc)[:300],
                                          "query": repr(case.query)[:300], "body": repr(case.body)[:300],
                                          "response": response.content[:300].decode(errors="replace")}) + "\n")
                return None
            if name in DATA_CHECKS and all((name, label, status, f) in DOMAIN_REFUSALS for f in fields):
                return None
            raise

    return run


CHECKS_RUN = [_guarded(check) for check in CHECKS.get_all() if check.__name__ != "max_response_time"]


@pytest.fixture
def fuzz_token(province, make_api):
    from django.core.cache import cache
    cache.clear()
    scopes = [*ALL_SCOPES, "records:read", "records:act"]  # every scope: the records endpoints too
    snv = make_api(province.snv, scopes, name="fuzz-snv", rate=1_000_000)
    stc = make_api(province.stc, scopes, name="fuzz-stc", rate=1_000_000)
    send_via_api(snv, [province.stc, province.district])
    send_via_api(stc, [province.snv])
    deliver_pending()
    return stc.token


# Committed data: the WSGI handler closes connections between requests, as in production.
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
# derandomize: the same inputs on every run of the same code (CI does not fail on a new draw).
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_conforms_to_its_schema(case, fuzz_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_token}"},
                           checks=CHECKS_RUN)
