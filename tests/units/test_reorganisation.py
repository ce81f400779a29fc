import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.factories import UnitFactory
from units.choices import UnitKind
from units.models import Unit, UnitChange
from units.selectors import UnitNotAddressable, unit_resolve_addressee
from units.services import unit_dissolve, unit_merge, unit_rename

pytestmark = pytest.mark.django_db
D1 = datetime.date(2025, 3, 1)
D2 = datetime.date(2025, 7, 1)


@pytest.fixture
def province():
    return UnitFactory(code="000.00.00.H99", kind=UnitKind.PROVINCE_COMMITTEE)


def test_merge_closes_sources_and_keeps_history(province):
    a, b, c = (UnitFactory(parent=province) for _ in range(3))
    n = UnitFactory(parent=province, valid_from=D2)
    merged = unit_merge(sources=[a, b, c], target=n, effective_date=D2)
    assert {u.pk for u in merged} == {a.pk, b.pk, c.pk}
    for u in (a, b, c):
        u.refresh_from_db()
        assert u.valid_to == datetime.date(2025, 6, 30)
        assert u.successor_id == n.pk
        assert UnitChange.objects.filter(unit=u, action="merge", related_unit=n).exists()
    assert Unit.objects.filter(pk__in=[a.pk, b.pk, c.pk]).count() == 3  # nothing deleted
    # Re-running the same merger changes nothing.
    assert unit_merge(sources=[a, b, c], target=n, effective_date=D2) == []
    assert UnitChange.objects.filter(action="merge").count() == 3


def test_successor_resolution_is_transitive(province):
    a = UnitFactory(parent=province)
    b = UnitFactory(parent=province)
    c = UnitFactory(parent=province)
    unit_merge(sources=[a], target=b, effective_date=D1)
    unit_merge(sources=[b], target=c, effective_date=D2)
    a.refresh_from_db()
    assert unit_resolve_addressee(unit=a, on=datetime.date(2025, 1, 1)) == a
    assert unit_resolve_addressee(unit=a, on=datetime.date(2025, 4, 1)) == b
    assert unit_resolve_addressee(unit=a, on=datetime.date(2025, 8, 1)) == c


def test_dissolved_without_successor_is_not_addressable(province):
    a = UnitFactory(parent=province)
    unit_dissolve(unit=a, effective_date=D2)
    a.refresh_from_db()
    with pytest.raises(UnitNotAddressable):
        unit_resolve_addressee(unit=a, on=D2)


def test_dissolve_refused_while_children_remain(province):
    district = UnitFactory(parent=province, kind=UnitKind.DISTRICT_COMMITTEE)
    UnitFactory(parent=district)
    with pytest.raises(ValidationError):
        unit_dissolve(unit=district, effective_date=D2)
    district.refresh_from_db()
    assert district.valid_to is None


def test_merge_moves_open_children_to_target(province):
    old = UnitFactory(parent=province, kind=UnitKind.DEPARTMENT)
    child = UnitFactory(parent=old, kind=UnitKind.PUBLIC_SERVICE)
    new = UnitFactory(parent=province, kind=UnitKind.DEPARTMENT)
    unit_merge(sources=[old], target=new, effective_date=D1)
    child.refresh_from_db()
    assert child.parent_id == new.pk and child.path.startswith(new.path)


def test_rename_keeps_old_name_in_history(province):
    u = UnitFactory(parent=province, name="Ban Dân tộc", short_name="BDT", kind=UnitKind.DEPARTMENT)
    assert unit_rename(unit=u, name="Sở Dân tộc và Tôn giáo", short_name="SDTTG", effective_date=D1)
    assert not unit_rename(unit=u, name="Sở Dân tộc và Tôn giáo", short_name="SDTTG", effective_date=D1)
    u.refresh_from_db()
    assert (u.name, u.short_name, u.code) == ("Sở Dân tộc và Tôn giáo", "SDTTG", u.code)
    change = UnitChange.objects.get(unit=u, action="rename")
    assert change.old_values == {"name": "Ban Dân tộc", "short_name": "BDT"}


def test_merge_into_a_unit_that_does_not_exist_yet_is_refused(province):
    a = UnitFactory(parent=province)
    n = UnitFactory(parent=province, valid_from=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError):
        unit_merge(sources=[a], target=n, effective_date=D2)
