import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, UnitFactory
from units.choices import UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_with_units(admin_client):
    province = UnitFactory(code="000.00.00.H99", name="Ủy ban nhân dân tỉnh Thử", kind=UnitKind.PROVINCE_COMMITTEE)
    UnitFactory(code="000.00.02.H99", name="Sở Nội vụ", short_name="SNV", kind=UnitKind.DEPARTMENT, parent=province)
    MembershipFactory(unit=province)
    return admin_client


@pytest.mark.parametrize(
    "url",
    [
        "admin:index",
        "admin:units_unit_changelist",
        "admin:units_unit_add",
        "admin:units_membership_changelist",
        "admin:units_unitchange_changelist",
        "admin:units_unitgroup_changelist",
        "admin:auth_user_changelist",
        "admin:auth_user_add",
        "admin:records_casefile_changelist",
        "admin:records_fileplan_changelist",
        "admin:records_informationpackage_changelist",
        "admin:records_copyrecord_changelist",
    ],
)
def test_admin_pages_load(admin_client_with_units, url):
    assert admin_client_with_units.get(reverse(url)).status_code == 200


def test_unit_change_page_loads(admin_client_with_units):
    from units.models import Unit

    unit = Unit.objects.get(code="000.00.02.H99")
    assert admin_client_with_units.get(reverse("admin:units_unit_change", args=[unit.pk])).status_code == 200


@pytest.mark.parametrize("term", ["Sở Nội vụ", "so noi vu", "SO NOI VU", "000.00.02"])
def test_unit_search_with_or_without_diacritics(admin_client_with_units, term):
    html = admin_client_with_units.get(reverse("admin:units_unit_changelist"), {"q": term}).content.decode()
    assert "000.00.02.H99" in html
    assert "000.00.00.H99" not in html


@pytest.mark.parametrize("query", [{"kind": "department"}, {"active": "yes"}, {"active": "no"}])
def test_unit_filters(admin_client_with_units, query):
    assert admin_client_with_units.get(reverse("admin:units_unit_changelist"), query).status_code == 200


@pytest.mark.parametrize("url", [
    "admin:documents_document_changelist", "admin:documents_dispatch_changelist",
    "admin:documents_incomingrecord_changelist", "admin:egov_auditevent_changelist",
    "admin:documents_register_changelist", "admin:federation_peer_changelist", "admin:federation_peer_add",
    "admin:federation_inboundpackage_changelist", "admin:federation_statusoutbox_changelist",
])
def test_document_admin_pages_load(admin_client, url):
    assert admin_client.get(reverse(url)).status_code == 200
