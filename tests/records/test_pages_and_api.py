"""The pages under /records/ and the API under /api/v1/records/ call the services."""
import io

import pytest
from pypdf import PdfReader
from rest_framework.test import APIClient

from records.choices import FileState
from records.models import CaseFile, FileItem

pytestmark = pytest.mark.django_db


def _client(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def test_document_page_shows_the_files_and_a_one_click_suggestion(office):
    office.plan()
    c = _client(office.keeper)
    r = c.post(f"/records/entries/{office.entry.pk}/open/", {"title": ""})
    f = CaseFile.objects.get(person_in_charge=office.keeper)
    assert r.status_code == 302 and r["Location"] == f"/records/files/{f.pk}/"
    rec = office.receive()
    from django.urls import reverse

    url = reverse("documents:incoming_detail", args=[rec.pk])
    body = c.get(url).content.decode()
    assert 'data-testid="document-files"' in body and 'data-action="file-suggestion"' in body
    r = c.post(f"/records/files/{f.pk}/add/", {"incoming": rec.pk, "next": url})
    assert r.status_code == 302 and r["Location"] == url
    assert FileItem.objects.filter(case_file=f, incoming=rec).exists()
    body = c.get(url).content.decode()
    assert f"/records/files/{f.pk}/" in body  # the page now names the file holding it


def test_file_page_close_export_and_transfer(office):
    f = office.closed_file(docs=2)
    c = _client(office.keeper)
    body = c.get(f"/records/files/{f.pk}/").content.decode()
    assert 'data-state="closed"' in body and 'data-action="transfer"' in body
    pdf = c.get(f"/records/files/{f.pk}/?format=pdf")
    assert pdf.status_code == 200 and len(PdfReader(io.BytesIO(pdf.content)).pages) == 3
    assert c.get(f"/records/files/{f.pk}/?format=xml").content.startswith(b"<?xml")
    c.post(f"/records/files/{f.pk}/transfer/")
    assert CaseFile.objects.get(pk=f.pk).state == FileState.SUBMITTED
    # a second transfer is refused with a message, not an error page
    r = c.post(f"/records/files/{f.pk}/transfer/", follow=True)
    assert r.status_code == 200 and "Chỉ nộp lưu được hồ sơ đã kết thúc" in r.content.decode()  # the UI speaks Vietnamese
    a = _client(office.archivist)
    queue = a.get("/records/archive/").content.decode()
    assert f.code in queue
    assert "Gói tin toàn vẹn và khớp với danh mục hồ sơ." in a.get(f"/records/files/{f.pk}/").content.decode()
    a.post(f"/records/files/{f.pk}/accept/")
    assert CaseFile.objects.get(pk=f.pk).state == FileState.ARCHIVED
    assert _client(office.stranger).get(f"/records/files/{f.pk}/").status_code == 404


def test_plan_and_copies_pages(office):
    plan = office.plan()
    c = _client(office.clerk)
    body = c.get(f"/records/plan/?year={plan.year}").content.decode()
    assert "DANH MỤC HỒ SƠ" in body and "01.TCCB" in body
    assert c.get(f"/records/plan/?year={plan.year}&format=pdf")["Content-Type"] == "application/pdf"
    assert c.get("/records/copies/").status_code == 403  # not allowed by the head yet
    assert _client(office.leader).get("/records/copies/").status_code == 200
    assert _client(office.keeper).get("/records/").status_code == 200


def test_api_plans_files_contents_and_packages(office):
    from units.api_clients import api_client_create

    office.plan()
    client, token = api_client_create(name="Hệ thống lưu trữ", unit=office.unit,
                                      scopes=["records:read", "records:act"], rate_limit_per_minute=0)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    plans = api.get("/api/v1/records/plans/").json()
    assert plans["results"][0]["entries"][0]["code"] == "01.TCCB"
    r = api.post("/api/v1/records/files/", {"entry": office.free_entry.pk}, format="json")
    assert r.status_code == 201, r.content
    fid = r.json()["id"]
    doc = office.issue()
    r = api.post(f"/api/v1/records/files/{fid}/documents/", {"document": doc.pk}, format="json")
    assert r.status_code == 201 and r.json()["ordinal"] == 1
    r = api.post(f"/api/v1/records/files/{fid}/documents/", {"document": doc.pk}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_state"
    assert api.post(f"/api/v1/records/files/{fid}/transfer/").status_code == 409  # still open
    assert api.post(f"/api/v1/records/files/{fid}/close/").json()["state"] == "closed"
    meta = api.get(f"/api/v1/records/files/{fid}/metadata/").json()
    assert meta["DocTotal"] == 1 and meta["FileCode"]["FileNotation"] == "03.KH"
    xml = api.get(f"/api/v1/records/files/{fid}/export/?as=xml")
    assert xml.status_code == 200 and b"<DocOrdinal>1</DocOrdinal>" in xml.content
    assert api.post(f"/api/v1/records/files/{fid}/transfer/").json()["state"] == "submitted"
    accepted = api.post(f"/api/v1/records/files/{fid}/accept/").json()
    assert accepted["state"] == "archived"
    aip = next(p for p in accepted["packages"] if p["kind"] == "AIP")
    z = api.get(aip["download_url"])
    assert z.status_code == 200 and z["Content-Type"] == "application/zip" and z.content[:2] == b"PK"
    # read-only scope: no action
    _c, ro = api_client_create(name="Chỉ đọc", unit=office.unit, scopes=["records:read"], rate_limit_per_minute=0)
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Bearer {ro}")
    got = reader.get(f"/api/v1/records/files/{fid}/")
    assert got.status_code == 200, got.content
    assert reader.post(f"/api/v1/records/files/{fid}/dip/").status_code == 403
    # another unit's client sees nothing
    _c, other = api_client_create(name="Khác", unit=office.p.stc, scopes=["records:read"], rate_limit_per_minute=0)
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION=f"Bearer {other}")
    assert stranger.get(f"/api/v1/records/files/{fid}/").status_code == 404


def test_archived_files_are_used_by_request_and_grant_even_by_their_keeper(office):
    from records.models import ArchiveAccess
    from records.services import access_decide, archive_accept, transfer_submit

    f = office.closed_file(docs=1)
    keeper = _client(office.keeper)
    assert keeper.get(f"/records/files/{f.pk}/").status_code == 200  # before the archive accepts it
    transfer_submit(case_file=f, acting_user=office.keeper)
    archive_accept(case_file=f, acting_user=office.archivist)
    assert keeper.get(f"/records/files/{f.pk}/").status_code == 404
    assert _client(office.other).get(f"/records/files/{f.pk}/").status_code == 404
    assert _client(office.leader).get(f"/records/files/{f.pk}/").status_code == 200
    home = keeper.get("/records/").content.decode()
    assert 'data-testid="archive-catalogue"' in home and 'data-action="request-access"' in home
    assert f'href="/records/files/{f.pk}/"' not in home  # listed, not readable
    r = keeper.post(f"/records/files/{f.pk}/request_access/", {"reason": "Phục vụ thanh tra công vụ"})
    assert r.status_code == 302 and r["Location"] == "/records/"
    req = ArchiveAccess.objects.get(case_file=f, user=office.keeper)
    home = keeper.get("/records/").content.decode()
    assert 'data-testid="access-state"' in home and 'data-action="request-access"' not in home
    access_decide(access=req, acting_user=office.archivist, grant=True)
    page = keeper.get(f"/records/files/{f.pk}/")
    assert page.status_code == 200 and b'data-action="dip"' in page.content
    assert f'href="/records/files/{f.pk}/"' in keeper.get("/records/").content.decode()


def test_the_file_page_lists_only_the_packages_the_user_may_download(office):
    from records.services import access_decide, access_request, archive_accept, dip_create, transfer_submit

    f = office.closed_file(docs=1)
    transfer_submit(case_file=f, acting_user=office.keeper)
    assert _client(office.keeper).get(f"/records/files/{f.pk}/").content.count(b'href="/records/packages/') == 1
    archive_accept(case_file=f, acting_user=office.archivist)
    access_decide(access=access_request(case_file=f, acting_user=office.other, reason="Tra cứu"),
                  acting_user=office.archivist, grant=True)
    page = _client(office.other).get(f"/records/files/{f.pk}/").content
    assert b'href="/records/packages/' not in page  # neither the SIP nor the AIP
    dip = dip_create(case_file=f, acting_user=office.other)
    page = _client(office.other).get(f"/records/files/{f.pk}/").content
    assert page.count(b'href="/records/packages/') == 1 and f'href="/records/packages/{dip.pk}/"'.encode() in page
    assert _client(office.archivist).get(f"/records/files/{f.pk}/").content.count(b'href="/records/packages/') == 3


def test_leader_places_and_releases_a_legal_hold_from_the_file_page(office):
    from records.models import LegalHold

    f = office.closed_file(docs=1)
    keeper = _client(office.keeper)
    assert b'data-action="hold-place"' not in keeper.get(f"/records/files/{f.pk}/").content
    assert keeper.post(f"/records/files/{f.pk}/hold/", {"reason": "x"}).status_code == 302
    assert not LegalHold.objects.exists()  # refused: the keeper may not
    leader = _client(office.leader)
    leader.post(f"/records/files/{f.pk}/hold/", {"reason": "Thanh tra đang xem xét"})
    hold = LegalHold.objects.get(files=f)
    page = leader.get(f"/records/files/{f.pk}/").content.decode()
    assert 'data-testid="legal-hold"' in page and "Thanh tra đang xem xét" in page
    keeper.post(f"/records/files/{f.pk}/transfer/")
    f.refresh_from_db()
    assert f.state == FileState.CLOSED  # a held file is not transferred
    leader.post(f"/records/files/{f.pk}/release/", {"hold": hold.pk})
    hold.refresh_from_db()
    assert hold.released_at is not None and hold.released_by == office.leader
    keeper.post(f"/records/files/{f.pk}/transfer/")
    f.refresh_from_db()
    assert f.state == FileState.SUBMITTED
