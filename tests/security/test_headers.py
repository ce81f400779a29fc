"""Finding 8: production settings and response headers (CSP, frames, caching, HTTPS, secret key)."""
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)


def test_pages_carry_a_strict_policy(client):
    r = client.get(reverse("login"))
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"


def test_authenticated_pages_are_not_stored(client, user_factory):
    client.force_login(user_factory(username="nv1"))
    r = client.get(reverse("home"))
    assert "no-store" in r["Cache-Control"]


def test_the_pdf_viewer_frame_may_be_framed_by_the_portal_only(province, client):
    from documents.models import Attachment
    from tests.documents.conftest import make_issued

    clerk = province.clerk(province.snv)
    doc = make_issued(province.snv, clerk)
    att = Attachment.objects.get(document=doc)
    client.force_login(clerk)
    r = client.get(reverse("documents:attachment_file", args=[att.pk]))
    assert r.status_code == 200 and r["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in r["Content-Security-Policy"]


def test_templates_have_no_inline_script():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        if re.search(r"\son[a-z]+\s*=", text) or re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(str(path))
    assert offenders == []


def manage(*args, key):
    # A clean environment: only what the production settings read from this machine, never what
    # earlier tests of the run may have left in os.environ.
    keep = ("PATH", "HOME", "LANG", "DATABASE_URL", "CELERY_BROKER_URL")
    env = {**{k: os.environ[k] for k in keep if k in os.environ},
           "DJANGO_SETTINGS_MODULE": "egov.settings.production", "DJANGO_SECRET_KEY": key}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_check_deploy_is_clean_with_the_production_settings():
    done = manage("check", "--deploy", "--fail-level", "WARNING", key=secrets.token_urlsafe(64))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("key", ["", "short", "dev-only-insecure-secret-key-change-me", "a" * 80,
                                 "django-insecure-" + "x1y2z3" * 10])
def test_production_refuses_a_weak_secret_key(key):
    done = manage("check", key=key)
    assert done.returncode != 0 and "DJANGO_SECRET_KEY" in done.stderr


def test_production_redirects_to_https_and_sends_hsts_behind_the_proxy():
    probe = ("from django.test import Client\n"
             "c = Client(HTTP_HOST='localhost', raise_request_exception=False)\n"
             "plain = c.get('/accounts/login/')\n"
             "tls = c.get('/accounts/login/', HTTP_X_FORWARDED_PROTO='https')\n"
             "print(plain.status_code, plain.get('Location'), tls.status_code, tls.get('Strict-Transport-Security'),"
             " c.get('/healthz').status_code != 301, sep='|')")
    done = manage("shell", "-c", probe, key=secrets.token_urlsafe(64))
    assert done.returncode == 0, done.stderr
    plain, location, tls, hsts, probe_not_redirected = done.stdout.strip().splitlines()[-1].split("|")
    assert plain == "301" and location.startswith("https://localhost/")
    assert tls == "200" and "max-age=31536000" in hsts
    assert probe_not_redirected.strip() == "True"


def test_federation_and_axis_answers_are_not_stored(client, province):
    """Peers and axis systems authenticate by signed headers, not Authorization: their answers
    (and the refusals) are no-store too, like any authenticated response (issue 16 point 8)."""
    r = client.get("/federation/v1/", HTTP_X_EGOV_PEER="x", HTTP_X_EGOV_SIGNATURE="bad")
    assert "no-store" in r.get("Cache-Control", ""), r.status_code
    r = client.post("/vxp/getReceivedEdocList", data=b"{}", content_type="application/json",
                    HTTP_XROADVNPT_SYSTEMID="x", HTTP_XROADVNPT_SIGN_HEADER="{}")
    assert "no-store" in r.get("Cache-Control", ""), r.status_code
