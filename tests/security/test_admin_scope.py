"""
Finding 1 (admin): being staff grants nothing across units. A unit administrator holding every
Django permission sees, on every admin changelist and change page, only objects of the unit it
administers; everything else is "not found" (or the whole admin is closed to it).
"""
import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import models
from django.urls import NoReverseMatch, reverse

from tests.api.conftest import deliver_pending, send_via_api
from tests.factories import MembershipFactory, UnitFactory, UserFactory
from units.choices import Role
from units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(province, make_api):
    """Two departments exchanging documents, an API client with a webhook, a peer; and a unit admin elsewhere."""
    from documents.federation.models import Peer
    from egov.core.api.webhooks import webhook_create

    snv, stc = make_api(province.snv), make_api(province.stc)
    send_via_api(snv, [province.stc, province.communes[0]])
    deliver_pending()
    webhook_create(client=stc.client, url="http://127.0.0.1:9/hook")
    Peer.objects.create(code="peer-h42", name="Tỉnh Bên", base_url="http://127.0.0.1:9", outbound_secret="s")
    other = UnitFactory(code="000.09.31.H99", name="Ủy ban nhân dân xã Khác", parent=province.district)
    unit_admin = UserFactory(username="qtv-khac", is_staff=True)
    unit_admin.user_permissions.set(Permission.objects.all())  # the worst case: every model permission
    MembershipFactory(user=unit_admin, unit=other, role=Role.UNIT_ADMIN)
    return other, unit_admin


def belongs_to(obj, unit) -> bool:
    """An object is the unit's when it is the unit, names it in a foreign key, or is one of its members."""
    if isinstance(obj, Unit):
        return obj.pk == unit.pk
    for field in obj._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.related_model is Unit and getattr(obj, field.attname) == unit.pk:
            return True
    return hasattr(obj, "memberships") and obj.memberships.filter(unit=unit).exists()


def test_every_admin_page_is_scoped_to_the_administered_unit(world, client):
    other, unit_admin = world
    client.force_login(unit_admin)
    checked = leaks = 0
    problems = []
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        try:
            changelist = reverse("admin:%s_%s_changelist" % info)
        except NoReverseMatch:
            continue
        listing = client.get(changelist)
        assert listing.status_code in (200, 403), (changelist, listing.status_code)
        html = listing.content.decode() if listing.status_code == 200 else ""
        for obj in model._default_manager.all()[:50]:
            if belongs_to(obj, other):
                continue
            checked += 1
            url = reverse("admin:%s_%s_change" % info, args=[obj.pk])
            page = client.get(url)
            if page.status_code == 200 or f'href="{url}"' in html:
                leaks += 1
                problems.append(url)
    assert checked > 20
    assert leaks == 0, problems


def test_admin_index_lists_only_scoped_models(world, client):
    other, unit_admin = world
    client.force_login(unit_admin)
    html = client.get("/admin/").content.decode()
    assert "/admin/units/membership/" in html
    for closed in ("/admin/federation/peer/", "/admin/signatures/trustanchor/", "/admin/axes/"):
        assert closed not in html


def test_unit_admin_cannot_hand_out_powers(world, client):
    other, unit_admin = world
    member = UserFactory(username="vt-khac")
    MembershipFactory(user=member, unit=other, role=Role.CLERK)
    client.force_login(unit_admin)
    html = client.get(reverse("admin:auth_user_change", args=[member.pk])).content.decode()
    assert 'name="is_superuser"' not in html and 'name="user_permissions"' not in html


def test_membership_form_offers_only_the_administered_unit(world, client, province):
    other, unit_admin = world
    client.force_login(unit_admin)
    member = UserFactory(username="cv-khac")
    r = client.post(reverse("admin:units_membership_add"), {"user": member.pk, "unit": province.snv.pk,
                                                            "role": Role.UNIT_ADMIN, "is_active": "on"})
    assert r.status_code == 200 and "unit" in r.context["adminform"].form.errors
    assert not member.memberships.exists()
