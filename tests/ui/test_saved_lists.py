"""Saved recipient lists: created and deleted by clerks, then offered when sending."""
import pytest
from django.urls import reverse

from units.models import UnitGroup

pytestmark = pytest.mark.django_db


def test_clerk_saves_a_list_and_it_is_offered_when_sending(province, login, client):
    from .conftest import make_issued

    clerk = province.clerk(province.snv)
    login(clerk)
    page = client.get(reverse("documents:saved_lists"))
    assert page.status_code == 200
    response = client.post(reverse("documents:saved_lists"),
                           {"name": "Các xã huyện Thử", "units": [c.pk for c in province.communes[:2]]})
    assert response.status_code == 302
    group = UnitGroup.objects.get(owner=province.snv)
    assert set(group.members.all()) == set(province.communes[:2])
    doc = make_issued(province.snv, clerk)
    html = client.get(reverse("documents:outgoing_detail", args=[doc.pk])).content.decode()
    assert f'value="saved:{group.pk}"' in html
    client.post(reverse("documents:saved_list_delete", args=[group.pk]))
    assert not UnitGroup.objects.exists()


def test_bad_input_is_shown_and_nothing_saved(province, login, client):
    login(province.clerk(province.snv))
    response = client.post(reverse("documents:saved_lists"), {"name": "Trống", "units": []},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "Choose at least one unit." in response.content.decode()
    UnitGroup.objects.create(owner=province.snv, name="Đã có")
    response = client.post(reverse("documents:saved_lists"), {"name": "Đã có", "units": [province.stc.pk]},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "already has a list named" in response.content.decode()
    assert UnitGroup.objects.count() == 1


def test_specialist_cannot_manage_lists_and_other_units_lists_are_hidden(province, login, client):
    other = UnitGroup.objects.create(owner=province.stc, name="Của STC")
    login(province.specialist(province.snv))
    response = client.post(reverse("documents:saved_lists"), {"name": "Thử", "units": [province.stc.pk]})
    assert response.status_code == 400 and not UnitGroup.objects.filter(owner=province.snv).exists()
    assert client.post(reverse("documents:saved_list_delete", args=[other.pk])).status_code == 404
    assert UnitGroup.objects.filter(pk=other.pk).exists()
