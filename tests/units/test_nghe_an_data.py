"""The shipped Nghệ An datasets load and give the counts of the source texts."""
import datetime

import pytest
from django.core.management import call_command

from units.choices import UnitKind
from units.models import Membership, Unit
from units.selectors import unit_communes_of, unit_departments, unit_resolve_addressee

BEFORE = datetime.date(2025, 6, 30)
AFTER = datetime.date(2025, 7, 1)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", "--quiet-logins", "--force")
        yield
        Membership.objects.all().delete()
        from units.models import Division

        Division.objects.all().delete()  # the demo units' divisions (issue 12)
        from django.contrib.auth import get_user_model

        get_user_model().objects.all().delete()
        from units.models import UnitChange

        UnitChange.objects.all().delete()
        Unit.objects.update(parent=None, successor=None)
        Unit.objects.all().delete()


@pytest.mark.django_db
def test_counts_match_the_sources(seeded):
    communes = Unit.objects.filter(kind=UnitKind.COMMUNE_COMMITTEE)
    assert communes.active(BEFORE).count() == 412
    assert communes.active(AFTER).count() == 130
    assert unit_departments(on=datetime.date(2025, 2, 28)).count() == 20
    assert unit_departments(on=datetime.date(2025, 3, 1)).count() == 14
    districts = Unit.objects.filter(kind=UnitKind.DISTRICT_COMMITTEE)
    assert districts.active(BEFORE).count() == 20
    assert districts.active(datetime.date(2024, 11, 30)).count() == 21
    assert districts.active(AFTER).count() == 0
    assert Unit.objects.get(code="000.00.00.H41").name == "Ủy ban nhân dân tỉnh Nghệ An"
    assert not Unit.objects.get(code="000.00.00.H41").is_demo_code


@pytest.mark.django_db
def test_history_and_successors(seeded):
    # Every commune of huyện Anh Sơn existed on 30/6/2025 and resolves to a new commune afterwards.
    anh_son = Unit.objects.get(code="000.00.31.H41")
    old = list(unit_communes_of(district=anh_son, on=BEFORE))
    assert len(old) == 19
    for c in old:
        new = unit_resolve_addressee(unit=c, on=AFTER)
        assert new.kind == UnitKind.COMMUNE_COMMITTEE and new.is_active(AFTER)
    # Sở LĐTB&XH merged into Sở Nội vụ on 1/3/2025.
    assert unit_resolve_addressee(unit=Unit.objects.get(short_name="SLĐTBXH"), on=AFTER).short_name == "SNV"
    assert Unit.objects.get(code="000.00.20.H41").short_name == "SDTTG"


@pytest.mark.django_db
def test_seed_is_rerunnable_and_creates_demo_users(seeded):
    before = Unit.objects.count()
    call_command("seed_demo", "--quiet-logins", "--force")
    assert Unit.objects.count() == before
    assert Membership.objects.filter(user__username="snv.vanthu", role="clerk", unit__short_name="SNV").exists()
    assert Membership.objects.values("unit").distinct().count() == 6
    # every demo unit has its three divisions, the office first, and a head of the second (rerunnable)
    from units.models import Division

    assert Division.objects.filter(unit__short_name="SNV").count() == 3
    assert Membership.objects.filter(user__username="snv.truongphong", is_division_head=True,
                                     division__short_name="TCCB").exists()
    assert Membership.objects.filter(user__username="snv.vanthu", division__is_office=True).exists()


def test_seed_refuses_without_debug(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
