"""factory_boy factories shared by the tests."""
import factory
from django.contrib.auth import get_user_model

from units.choices import Role, UnitKind
from units.models import Membership, Unit


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    password = factory.django.Password("pw-test-12345")


class UnitFactory(factory.django.DjangoModelFactory):
    """A unit created through the service so that its tree path is right."""

    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"000.{n // 99 % 99 + 1:02d}.{n % 99 + 1:02d}.H99")
    name = factory.Sequence(lambda n: f"Ủy ban nhân dân xã Thử {n}")
    short_name = "UBND"
    kind = UnitKind.COMMUNE_COMMITTEE
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from units.services import unit_create

        return unit_create(**kwargs)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Role.CLERK


def allow_issue_on_another_day(user):
    """Give ``user`` the permission to issue documents dated another day (tests date their documents)."""
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="issue_on_another_day", content_type__app_label="documents"))
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
    return user
