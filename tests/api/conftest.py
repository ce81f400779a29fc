"""Fixtures of the API tests: the documents tests' province, API clients with tokens, a client helper."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.documents.conftest import PDF, Province, make_issued  # noqa: F401 - re-exported for the tests

ALL_SCOPES = ["documents:read", "documents:send", "inbox:act", "units:read", "signatures:verify", "webhooks:manage"]


@pytest.fixture
def province(db):
    return Province()


class Api:
    """An HTTP client authenticated with a real API token."""

    def __init__(self, client, token):
        self.client, self.token = client, token
        self.http = APIClient()
        self.http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    @property
    def user(self):
        return self.client.service_user

    def __getattr__(self, name):
        return getattr(self.http, name)


@pytest.fixture
def make_api(db):
    from units.api_clients import api_client_create

    def make(unit, scopes=ALL_SCOPES, name=None, rate=0):
        client, token = api_client_create(name=name or f"Integration {unit.code} {len(scopes)}", unit=unit,
                                          scopes=scopes, rate_limit_per_minute=rate)
        return Api(client, token)

    return make


def upload(name="van-ban.pdf", content=PDF):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def draft_payload(**extra):
    return {"subject": "Về việc thử nghiệm API", "doc_type": "CV", "notation_suffix": "VP",
            "signer_name": "Nguyễn Văn A", "signer_position": "Giám đốc", **extra}


def deliver_pending() -> int:
    """Run the real local delivery service on every pending dispatch (what the worker does)."""
    from documents.models import Dispatch
    from documents.services.delivery import deliver_local_batch

    ids = list(Dispatch.objects.filter(state="pending", is_remote=False).values_list("pk", flat=True))
    return deliver_local_batch(dispatch_ids=ids) if ids else 0


def send_via_api(api, recipients, **fields):
    """Draft with a PDF, issue and send through the API; returns the document id."""
    r = api.post("/api/v1/documents/", {**draft_payload(**fields), "main_file": upload()}, format="multipart")
    assert r.status_code == 201, r.json()
    doc = r.json()["id"]
    r = api.post(f"/api/v1/documents/{doc}/issue/", {}, format="json")
    assert r.status_code == 200, r.json()
    r = api.post(f"/api/v1/documents/{doc}/send/", {"units": [u.code for u in recipients]}, format="json")
    assert r.status_code == 201, r.json()
    return doc
