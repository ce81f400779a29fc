import datetime

import pytest

from tests.factories import UnitFactory
from units.choices import UnitKind
from units.selectors import (
    unit_ancestors,
    unit_children,
    unit_communes_of,
    unit_departments,
    unit_descendants,
)
from units.services import unit_move

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    province = UnitFactory(code="000.00.00.H99", kind=UnitKind.PROVINCE_COMMITTEE, name="UBND tỉnh")
    deps = [UnitFactory(code=f"000.00.{i:02d}.H99", kind=UnitKind.DEPARTMENT, parent=province, short_name=f"S{i}")
            for i in range(1, 4)]
    districts = [UnitFactory(code=f"000.00.{30 + i:02d}.H99", kind=UnitKind.DISTRICT_COMMITTEE, parent=province)
                 for i in range(1, 3)]
    communes = {d.pk: [UnitFactory(code=f"000.{j:02d}.{d.code[7:9]}.H99", parent=d) for j in range(1, 6)]
                for d in districts}
    return province, deps, districts, communes


def test_children_descendants_ancestors(tree):
    province, deps, districts, communes = tree
    assert set(unit_children(unit=province)) == set(deps + districts)
    everything = set(deps + districts + [c for cs in communes.values() for c in cs])
    assert set(unit_descendants(unit=province)) == everything
    commune = communes[districts[1].pk][2]
    assert unit_ancestors(unit=commune) == [province, districts[1]]


def test_tree_queries_use_a_bounded_number_of_queries(tree, django_assert_num_queries):
    province, deps, districts, communes = tree
    commune = communes[districts[0].pk][0]
    with django_assert_num_queries(1):
        assert len(list(unit_communes_of(district=districts[0]))) == 5
    with django_assert_num_queries(1):
        assert len(list(unit_departments())) == 3
    with django_assert_num_queries(1):
        assert len(list(unit_descendants(unit=province))) == 15
    with django_assert_num_queries(1):
        assert len(unit_ancestors(unit=commune)) == 2


def test_query_count_does_not_grow_with_the_tree(tree, django_assert_num_queries):
    province, deps, districts, communes = tree
    for j in range(6, 40):
        UnitFactory(code=f"000.{j:02d}.31.H99", parent=districts[0])
    with django_assert_num_queries(1):
        assert len(list(unit_communes_of(district=districts[0]))) == 39


def test_move_rewrites_the_subtree_paths(tree):
    province, deps, districts, communes = tree
    unit_move(unit=districts[1], new_parent=deps[0])
    moved = communes[districts[1].pk][0]
    moved.refresh_from_db()
    assert [u.pk for u in unit_ancestors(unit=moved)] == [province.pk, deps[0].pk, districts[1].pk]
    assert moved.depth == 3
    assert set(unit_descendants(unit=deps[0])) == {districts[1], *communes[districts[1].pk]}


def test_active_on_a_date(tree):
    province, deps, districts, communes = tree
    from units.services import unit_dissolve

    day = datetime.date(2025, 7, 1)
    for c in communes[districts[0].pk]:
        unit_dissolve(unit=c, effective_date=day)
    assert unit_communes_of(district=districts[0], on=day).count() == 0
    assert unit_communes_of(district=districts[0], on=day - datetime.timedelta(days=1)).count() == 5
