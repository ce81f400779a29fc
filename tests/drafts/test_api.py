"""The drafts API: the same services and refusals as the pages, scopes for API clients, JSON errors."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from documents.models import CommentTarget, Draft
from tests.api.conftest import Api
from units.api_clients import api_client_create

from .test_flow import CHECKS

pytestmark = pytest.mark.django_db


def _as(user):
    c = APIClient()
    c.force_login(user)
    return c


def test_draft_api_round_trip(office):
    d = _as(office.drafter)
    r = d.post("/api/v1/drafts/", {"subject": "Về việc thử API dự thảo", "doc_type": "CV",
                                   "file": SimpleUploadedFile("a.pdf", office.pdf())}, format="multipart")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["state"] == "drafting" and r.json()["division"] == "TCCB" and len(r.json()["versions"]) == 1
    r = d.post(f"/api/v1/drafts/{pk}/versions/", {"file": SimpleUploadedFile("b.pdf", office.pdf(body="v2"))},
               format="multipart")
    assert r.status_code == 201 and r.json()["number"] == 2
    r = d.post(f"/api/v1/drafts/{pk}/versions/", {"file": SimpleUploadedFile("b.txt", b"x")}, format="multipart")
    assert r.status_code == 400 and r["Content-Type"].startswith("application/json")
    r = d.post(f"/api/v1/drafts/{pk}/comment-requests/", {"deadline": office.deadline().isoformat(),
                                                          "users": [office.colleague1.pk]}, format="json")
    assert r.status_code == 201
    target = CommentTarget.objects.get(user=office.colleague1)
    c1 = _as(office.colleague1)
    r = c1.post(f"/api/v1/comment-targets/{target.pk}/answer/", {"verdict": "disagree"}, format="json")
    assert r.status_code == 400 and "comment" in r.content.decode().lower()
    assert c1.post(f"/api/v1/comment-targets/{target.pk}/answer/", {"verdict": "agree"},
                   format="json").status_code == 201
    assert d.get(f"/api/v1/drafts/{pk}/comments/").json()[0]["verdict"] == "agree"
    assert d.post(f"/api/v1/drafts/{pk}/submit/", {"signer": office.director.pk}, format="json").status_code == 200
    r = _as(office.office).post(f"/api/v1/drafts/{pk}/approve/", {}, format="json")
    assert r.status_code == 403  # not the content step's reviewer
    assert _as(office.head).post(f"/api/v1/drafts/{pk}/approve/", {}, format="json").status_code == 200
    r = _as(office.office).post(f"/api/v1/drafts/{pk}/approve/", {"checklist": list(CHECKS)}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "signer_review"
    r = _as(office.director).post(f"/api/v1/drafts/{pk}/return/", {"note": "Sửa lại"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "drafting"
    trail = d.get(f"/api/v1/drafts/{pk}/trail/").json()
    assert [e["kind"] for e in trail][-3:] == ["content_approved", "form_approved", "returned"]
    # another unit's member sees no such draft
    assert _as(office.p.clerk(office.p.stc)).get(f"/api/v1/drafts/{pk}/").status_code == 404


def test_api_client_scopes(office):
    client, token = api_client_create(name="Phần mềm soạn thảo", unit=office.unit, scopes=["drafts:act",
                                                                                             "drafts:read"])
    api = Api(client, token)
    r = api.post("/api/v1/drafts/", {"subject": "Tạo từ hệ thống khác", "file": SimpleUploadedFile(
        "a.pdf", office.pdf())}, format="multipart")
    assert r.status_code == 201, r.content
    reader, token2 = api_client_create(name="Chỉ đọc văn bản", unit=office.unit, scopes=["documents:read"])
    r = Api(reader, token2).get("/api/v1/drafts/")
    assert r.status_code == 403
    assert Draft.objects.count() == 1
