"""
The user's active unit for the browser UI. A user may hold roles in several units; the UI
works for one at a time (the unit switcher stores its pk in the session). Everything is
computed once per request and cached on the request object.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from units.choices import Role, UnitKind
from units.models import Membership, Unit

SESSION_KEY = "egov_active_unit"

__all__ = ["SESSION_KEY", "PortalContext", "portal_context", "set_active_unit"]


@dataclass
class PortalContext:
    units: list[Unit] = field(default_factory=list)
    roles_by_unit: dict[int, set[str]] = field(default_factory=dict)
    unit: Unit | None = None
    is_province_admin: bool = False

    @property
    def roles(self) -> set[str]:
        return self.roles_by_unit.get(self.unit.pk, set()) if self.unit else set()

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_clerk(self) -> bool:
        return Role.CLERK in self.roles

    @property
    def is_leader(self) -> bool:
        return Role.LEADER in self.roles


def portal_context(request) -> PortalContext:
    """The user's units and roles and the active unit (one query, cached on the request)."""
    cached = getattr(request, "_egov_portal", None)
    if cached is not None:
        return cached
    ctx = PortalContext()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        units: dict[int, Unit] = {}
        for m in (Membership.objects.filter(user=user, is_active=True).select_related("unit")
                  .order_by("unit__name", "role")):
            units.setdefault(m.unit_id, m.unit)
            ctx.roles_by_unit.setdefault(m.unit_id, set()).add(m.role)
        ctx.units = list(units.values())
        wanted = request.session.get(SESSION_KEY)
        ctx.unit = units.get(wanted) or (ctx.units[0] if ctx.units else None)
        ctx.is_province_admin = user.is_superuser or any(
            u.kind == UnitKind.PROVINCE_COMMITTEE and ctx.roles_by_unit[u.pk] & {Role.UNIT_ADMIN, Role.LEADER}
            for u in ctx.units)
    request._egov_portal = ctx
    return ctx


def set_active_unit(request, unit_id: int) -> bool:
    """Make ``unit_id`` the active unit if the user holds a role in it."""
    ctx = portal_context(request)
    if unit_id not in ctx.roles_by_unit:
        return False
    request.session[SESSION_KEY] = unit_id
    request._egov_portal = None
    return True
