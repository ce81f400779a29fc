"""
The national directory beside the province (issue 11): the sync's tree when parents come after their
children, cycles, moves and clipping; the type-ahead's order (local units first, remote ones from 3
characters, higher levels first); the recipient tree of local units only.
"""
from __future__ import annotations

import pytest
from django.urls import reverse

from tests.documents.conftest import Province
from units.models import Unit, UnitChange
from units.sync import RemoteDirectorySync

pytestmark = pytest.mark.django_db


@pytest.fixture
def province(db):
    return Province()


def sync(entries, *, batch_size=2, complete=True):
    run = RemoteDirectorySync(peer_ref="truc", note="test", batch_size=batch_size)
    for entry in entries:
        run.add(entry)
    return run.finish(complete=complete)


def tree_is_consistent():
    for unit in Unit.objects.filter(peer_ref="truc"):
        parent = Unit.objects.get(pk=unit.parent_id) if unit.parent_id else None
        expected = (parent.path if parent else "") + f"{unit.pk:010d}/"
        assert unit.path == expected and unit.depth == expected.count("/") - 1, unit.code


def test_children_before_their_parents_get_the_right_tree(province):
    entries = [  # grandchildren first, their parent in a later batch, the root last
        {"code": "000.01.01.G05", "name": "Phòng Một", "parent_code": "000.00.01.G05"},
        {"code": "000.02.01.G05", "name": "Phòng Hai", "parent_code": "000.00.01.G05"},
        {"code": "000.00.01.G05", "name": "Cục Một", "parent_code": "000.00.00.G05"},
        {"code": "000.00.02.G05", "name": "Cục Hai", "parent_code": "000.00.00.G05"},
        {"code": "000.00.00.G05", "name": "Bộ Năm"},
        {"code": "000.00.03.G05", "name": "Cục Ba", "parent_code": "000.00.00.G05"},
    ]
    counts = sync(entries)
    assert counts["created"] == 6 and counts["moved"] == 0
    tree_is_consistent()
    root = Unit.objects.get(code="000.00.00.G05")
    leaf = Unit.objects.get(code="000.02.01.G05")
    assert leaf.parent.code == "000.00.01.G05" and leaf.path.startswith(root.path) and leaf.depth == 2
    assert UnitChange.objects.filter(unit__peer_ref="truc", action="create").count() == 6
    again = sync(entries)
    assert again["unchanged"] == 6 and again["created"] == again["moved"] == 0


def test_a_move_and_a_cycle_in_the_list(province):
    sync([{"code": "000.00.00.G06", "name": "Bộ Sáu"}, {"code": "000.00.00.G07", "name": "Bộ Bảy"},
          {"code": "000.00.01.G06", "name": "Cục", "parent_code": "000.00.00.G06"}])
    moved = sync([{"code": "000.00.00.G06", "name": "Bộ Sáu"}, {"code": "000.00.00.G07", "name": "Bộ Bảy"},
                  {"code": "000.00.01.G06", "name": "Cục", "parent_code": "000.00.00.G07"}])
    assert moved["moved"] == 1
    assert UnitChange.objects.filter(unit__code="000.00.01.G06", action="move").exists()
    tree_is_consistent()
    # two new agencies naming each other as parent: one of them stays a root, nothing loops
    sync([{"code": "000.00.01.G08", "name": "A", "parent_code": "000.00.02.G08"},
          {"code": "000.00.02.G08", "name": "B", "parent_code": "000.00.01.G08"}], batch_size=1, complete=False)
    a, b = Unit.objects.get(code="000.00.01.G08"), Unit.objects.get(code="000.00.02.G08")
    assert (a.parent_id is None) != (b.parent_id is None)
    tree_is_consistent()


def test_over_long_fields_are_clipped_to_the_columns(province):
    counts = sync([{"code": "000.00.00.G11", "name": "Bộ " + "x" * 400, "short_name": "S" * 60,
                    "phone": "0" * 80, "fax": "1" * 80, "email": "a" * 300}])
    assert counts["created"] == 1
    unit = Unit.objects.get(code="000.00.00.G11")
    assert len(unit.short_name) == 30 and len(unit.phone) == 50 and len(unit.name) == 255


def test_type_ahead_local_first_remote_from_three_characters(province, client):
    sync([{"code": f"000.00.{i:02d}.G09", "name": f"Sở Thử cấp {i}", "parent_code": "000.00.00.G09"}
          for i in range(1, 30)] + [{"code": "000.00.00.G09", "name": "Bộ Thử"}])
    client.force_login(province.clerk(province.snv))
    html = client.get(reverse("documents:unit_search"), {"term": "thu"}).content.decode()
    local = [province.ubnd, province.district, *province.communes]
    positions = [html.index(f'value="{u.pk}"') for u in local if f'value="{u.pk}"' in html]
    assert len(positions) == len(local)  # every local match ("Thử") is listed …
    root = Unit.objects.get(code="000.00.00.G09")
    assert html.index(f'value="{root.pk}"') > max(positions)  # … before the remote ones, the ministry first
    assert html.count('name="units"') == 20
    short = client.get(reverse("documents:unit_search"), {"term": "so"}).content.decode()
    assert f'value="{root.pk}"' not in short and "G09" not in short  # 2 characters: the province only
    found = client.get(reverse("documents:unit_search"), {"term": "so thu cap 17"}).content.decode()
    assert 'data-code="000.00.17.G09"' in found and found.count('name="units"') == 1


def test_the_recipient_tree_holds_local_units_only(province, client):
    from tests.documents.conftest import make_issued

    sync([{"code": "000.00.00.G10", "name": "Bộ Mười"}])
    Unit.objects.filter(code="000.00.00.G10").update(kind="department")  # even a remote unit of a level kind
    clerk = province.clerk(province.snv)
    doc = make_issued(province.snv, clerk)
    client.force_login(clerk)
    html = client.get(reverse("documents:outgoing_detail", args=[doc.pk])).content.decode()
    assert f'data-code="{province.stc.code}"' in html
    assert "000.00.00.G10" not in html and f'data-code="{province.remote.code}"' not in html
