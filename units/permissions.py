"""Role checks of the services of every app: a user acts only where a membership says so."""
from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from egov.core.errors import PermissionDeniedError

from .choices import Role
from .models import Membership, Unit

__all__ = ["user_roles_in", "require_role"]


def user_roles_in(*, user, unit: Unit) -> set[str]:
    """The roles the user holds in ``unit`` (empty for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(Membership.objects.filter(user=user, unit=unit, is_active=True).values_list("role", flat=True))


def require_role(*, user, unit: Unit, roles: Iterable[str]) -> set[str]:
    """Raise PermissionDeniedError unless the user holds one of ``roles`` in ``unit``; returns the roles held."""
    held = user_roles_in(user=user, unit=unit)
    wanted = set(roles)
    if not held & wanted:
        labels = ", ".join(str(Role(r).label) for r in sorted(wanted))
        raise PermissionDeniedError(
            _("You need the role %(roles)s in %(unit)s for this action.") % {"roles": labels, "unit": unit.name}
        )
    return held
