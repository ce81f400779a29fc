"""
Cross-unit access suite: every URL pattern of the portal — UI, REST API, admin, federation —
taken from the URLconf (so a new view is probed without anyone remembering to), filled with the
ids of another unit's objects and with an id that does not exist, requested (GET and POST) by
every role of an unrelated unit, staff and not staff, by session and by API token.

Pass criteria: nothing of the other units is shown (their marker strings never appear in a
response), nothing of theirs changes, and "not yours" is answered exactly like "does not
exist" (no id oracle: 404 for both, or whatever the missing id gets).
"""
from __future__ import annotations

import re
import uuid

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from tests.api.conftest import deliver_pending, draft_payload, upload
from tests.factories import MembershipFactory, UnitFactory, UserFactory
from units.choices import Role

pytestmark = pytest.mark.django_db

MARKER = "BIMAT-DONVI-A-7Q2"  # in the subject, file names and notes of the other units' objects
MISSING = 987654321
ACTIONS = ["accept", "reject", "assign", "answer", "submit", "approve", "sign", "extend"]
WATCHED = ["documents.Document", "documents.IncomingRecord", "documents.Dispatch", "documents.Attachment",
           "documents.Draft", "documents.IncomingAssignment", "egov.Webhook", "egov.ApiClient", "units.Membership"]


def patterns(resolver=None, prefix=""):
    """(path template, pattern name) of every URL pattern, resolvers flattened."""
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.name


PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>(?P<rx>[^)]*)\)")


def fill(template: str, values: dict[str, str]) -> str:
    def sub(m):
        return values[m.group("name") or m.group("rname")]

    path = PARAM.sub(sub, template)
    return "/" + path.replace("^", "").replace("$", "").replace("\\", "")


def params(template: str) -> list[tuple[str, str, str]]:
    return [(m.group("name") or m.group("rname"), m.group("conv") or "", m.group("rx") or "")
            for m in PARAM.finditer(template)]


@pytest.fixture
def world(province, make_api):
    """Units A (SNV sends, STC receives) with marked objects; unit B (a commune) with one user per role."""
    from documents.services import incoming_accept
    from documents.services.drafts import draft_create
    from egov.core.api.webhooks import webhook_create
    from documents.models import IncomingRecord
    from tests.documents.conftest import PDF

    snv, stc = make_api(province.snv), make_api(province.stc)
    for i in range(3):
        r = snv.post("/api/v1/documents/", {**draft_payload(subject=f"{MARKER} văn bản {i}"),
                                            "main_file": upload(name=f"{MARKER}-{i}.pdf")}, format="multipart")
        doc = r.json()["id"]
        if i < 2:
            assert snv.post(f"/api/v1/documents/{doc}/issue/", {}, format="json").status_code == 200
            assert snv.post(f"/api/v1/documents/{doc}/send/", {"units": [province.stc.code]},
                            format="json").status_code == 201
    deliver_pending()
    incoming_accept(incoming=IncomingRecord.objects.first(), acting_user=province.clerk(province.stc))
    draft_create(owner_unit=province.snv, acting_user=province.specialist(province.snv),
                 subject=f"{MARKER} dự thảo", upload=PDF, file_name=f"{MARKER}.pdf", note=MARKER)
    webhook_create(client=stc.client, url="http://127.0.0.1:9/hook")
    b = UnitFactory(code="000.07.31.H99", name="Ủy ban nhân dân xã Bên Ngoài", parent=province.district)
    users = {}
    for role in (Role.CLERK, Role.LEADER, Role.SPECIALIST, Role.UNIT_ADMIN):
        for staff in (False, True):
            user = UserFactory(username=f"b-{role}-{'staff' if staff else 'user'}", is_staff=staff)
            if staff:
                user.user_permissions.set(Permission.objects.all())  # worst case for the admin
            MembershipFactory(user=user, unit=b, role=role)
            users[f"{role}{'+staff' if staff else ''}"] = user
    api_b = make_api(b)
    return province, b, users, api_b


def snapshot():
    out = {}
    for label in WATCHED:
        model = apps.get_model(label)
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("last_used_at", "last_used_ip")]
        out[label] = sorted(map(repr, model.objects.values_list(*fields)))
    return out


def candidate_ids(b) -> list[int]:
    """The primary keys of the other units' documents, files, dispatches, records and drafts (ids overlap across tables)."""
    ids = set()
    for label in WATCHED[:6] + ["documents.CommentRequest", "documents.Register", "egov.Webhook"]:
        ids.update(apps.get_model(label).objects.exclude(pk__gt=10_000).values_list("pk", flat=True)[:6])
    return sorted(ids)[:12]


def values_for(name, conv, rx, ids, b):
    if name in ("code",):
        return ["000.00.05.H99"]
    if conv == "uuid":
        return [str(uuid.uuid4())]
    if name in ("action",):
        return ACTIONS
    if name in ("fmt",):
        return ["csv", "xlsx", "pdf"]
    if name == "app_label":
        return ["documents"]
    if name == "token":
        return ["x" * 40]
    if conv in ("int", "path", "str", "") and name in ("pk", "object_id", "attachment_id", "assignment_id",
                                                      "number", "id", "content_type_id"):
        return [str(i) for i in ids]
    return ["1"]


SLOW = []


def probe(client, method, path, **extra):
    import time

    started = time.monotonic()
    response = getattr(client, method)(path, **extra)
    if time.monotonic() - started > 1:
        SLOW.append((method, path, round(time.monotonic() - started, 1)))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


def test_no_url_leaks_another_units_objects(world, client, caplog, settings):
    import logging

    # Thousands of probes in a few minutes: the per-client rate limit (test_throttling.py) would
    # answer 429 to some probes and 404 to their missing twins, which is no oracle.
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000

    from rest_framework.test import APIClient

    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # thousands of expected 403/404 lines

    province, b, users, api_b = world
    ids = candidate_ids(b)
    before = snapshot()
    sessions = {}
    for key, user in users.items():
        c = client.__class__()
        c.force_login(user)
        sessions[key] = c
    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Bearer {api_b.token}")
    leaks, oracles, probed, urls = [], [], 0, 0
    for template, name in patterns():
        if name in ("logout", "set_language", "switch_unit") or template.startswith(("static/", "media/")):
            continue
        ps = params(template)
        if not ps:
            continue
        urls += 1
        is_admin, is_api = template.startswith("admin/"), template.startswith("api/")
        callers = {k: s for k, s in sessions.items() if k.endswith("+staff") or not is_admin}
        if is_admin:  # the admin closes to non-staff at once; test_admin_scope.py opens every admin page too
            callers = {k: s for k, s in callers.items() if k in ("unit_admin+staff", "clerk+staff")}
        if not is_admin:  # four roles, staff and not: each role once each way, and the unit admin both ways
            callers = {k: s for k, s in callers.items()
                       if k in ("clerk", "leader+staff", "specialist", "unit_admin", "unit_admin+staff")}
        if is_api:
            callers = {"token": token, "clerk": sessions["clerk"]}
        combos = [{}]
        for pname, conv, rx in ps:
            combos = [dict(c, **{pname: v}) for c in combos for v in values_for(pname, conv, rx, ids, b)]
        for combo in combos[:200]:
            path = fill(template, combo)
            missing_path = fill(template, {k: (str(MISSING) if v in map(str, ids) else v) for k, v in combo.items()})
            try:
                resolve(path)
            except Resolver404:
                continue
            for who, c in callers.items():
                for method in ("get", "post"):
                    if method == "post" and (is_admin or who not in ("clerk", "unit_admin+staff", "token")):
                        continue
                    status, body = probe(c, method, path)
                    probed += 1
                    if MARKER.encode() in body:
                        leaks.append((who, method, path, status))
                    elif status not in (200, 201, 204) and missing_path != path:
                        missing_status, _ = probe(c, method, missing_path)
                        if missing_status != status and not (status in (301, 302) and missing_status in (301, 302)):
                            oracles.append((who, method, path, status, missing_status))
    print(f"cross-unit probe: {urls} URL patterns with parameters, {probed} requests, slow: {SLOW[:10]}")
    assert urls > 50 and probed > 1000
    assert leaks == [], leaks[:20]
    assert oracles == [], oracles[:20]
    assert snapshot() == before  # nothing of the other units changed


def test_no_parameterless_url_leaks_another_units_objects(world, client, caplog, settings):
    """The suite above probes URL patterns with parameters; lists, search, reports and exports
    (no parameter) were skipped by it. Each is requested here, plainly and with the other unit's
    marker's prefix as a search term, by every role of the unrelated unit and by its API token."""
    import logging

    from rest_framework.test import APIClient

    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    province, b, users, api_b = world
    before = snapshot()
    sessions = {}
    for key, user in users.items():
        c = client.__class__()
        c.force_login(user)
        sessions[key] = c
    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Bearer {api_b.token}")
    leaks, probed, urls = [], 0, 0
    for template, name in patterns():
        if name in ("logout", "set_language", "switch_unit") or template.startswith(("static/", "media/")):
            continue
        if params(template):
            continue
        path = fill(template, {})
        try:
            resolve(path)
        except Resolver404:
            continue
        urls += 1
        callers = {"token": token, "clerk": sessions["clerk"]} if template.startswith("api/") else sessions
        for who, c in callers.items():
            term = MARKER[:9]  # a prefix: a page that echoes the query must not count as a leak
            for query in ("", f"?q={term}&search={term}&subject={term}"):
                status, body = probe(c, "get", path + query)
                probed += 1
                if MARKER.encode() in body:
                    leaks.append((who, path + query, status))
    print(f"cross-unit probe: {urls} URL patterns without parameters, {probed} requests")
    assert urls > 20 and probed > 100
    assert leaks == [], leaks[:20]
    assert snapshot() == before
