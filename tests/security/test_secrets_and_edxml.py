"""Findings 1 and 6: staff grants nothing on the edXML endpoints; peer secrets are never shown back."""
import pytest
from django.urls import reverse

from documents.federation.models import Peer
from tests.api.conftest import send_via_api
from tests.factories import MembershipFactory, UserFactory
from units.choices import Role

pytestmark = pytest.mark.django_db


def test_a_staff_unit_admin_cannot_export_or_forge_another_units_documents(province, make_api, client):
    doc = send_via_api(make_api(province.snv), [province.communes[0]])
    admin_stc = UserFactory(username="qtv-stc", is_staff=True)
    MembershipFactory(user=admin_stc, unit=province.stc, role=Role.UNIT_ADMIN)
    client.force_login(admin_stc)
    assert client.get(f"/api/v1/documents/{doc}/edxml").status_code == 404
    assert client.get("/api/v1/documents/987654/edxml").status_code == 404
    Peer.objects.create(code="peer-h42", name="Tỉnh Bên", base_url="https://peer.example", inbound_secret="s")
    r = client.post("/api/v1/edxml/packages/?peer=peer-h42", data=b"<x/>", content_type="application/xml")
    assert r.status_code == 403


def test_peer_secrets_are_write_only_in_the_admin(admin_client):
    peer = Peer.objects.create(code="peer-h42", name="Tỉnh Bên", base_url="https://peer.example",
                               inbound_secret="in-secret-7f3a", outbound_secret="out-secret-9c1b")
    url = reverse("admin:federation_peer_change", args=[peer.pk])
    html = admin_client.get(url).content.decode()
    assert "in-secret-7f3a" not in html and "out-secret-9c1b" not in html
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("inbound_secret", "outbound_secret")}
    data.update({"inbound_secret": "", "outbound_secret": "new-out-secret", "mode": peer.mode, "enabled": "on"})
    r = admin_client.post(url, data)
    assert r.status_code == 302, r.context["adminform"].form.errors if r.context else r
    peer.refresh_from_db()
    assert peer.inbound_secret == "in-secret-7f3a" and peer.outbound_secret == "new-out-secret"
