"""Errors, permission checks, audit and status helpers shared by the document services."""
from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from units.choices import Role
from units.models import Membership, Unit

from ..models import AuditEvent

__all__ = [
    "ServiceError",
    "PermissionDeniedError",
    "StateError",
    "InvalidInput",
    "require_role",
    "audit_record",
    "user_roles_in",
    "actor_display",
]


class ServiceError(Exception):
    """Base of the errors a service raises on purpose; ``message`` is translated for the user."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class PermissionDeniedError(ServiceError):
    code = "permission_denied"


class StateError(ServiceError):
    code = "invalid_state"


class InvalidInput(ServiceError):
    code = "invalid"


def user_roles_in(*, user, unit: Unit) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(Membership.objects.filter(user=user, unit=unit, is_active=True).values_list("role", flat=True))


def require_role(*, user, unit: Unit, roles: Iterable[str]) -> set[str]:
    """Raise PermissionDeniedError unless the user holds one of ``roles`` in ``unit``."""
    held = user_roles_in(user=user, unit=unit)
    wanted = set(roles)
    if not held & wanted:
        labels = ", ".join(str(Role(r).label) for r in sorted(wanted))
        raise PermissionDeniedError(
            _("You need the role %(roles)s in %(unit)s for this action.") % {"roles": labels, "unit": unit.name}
        )
    return held


def audit_record(*, actor, unit: Unit | None, verb: str, obj, details: dict | None = None) -> AuditEvent:
    """Write one audit row; call inside the service's transaction."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        unit=unit,
        verb=verb,
        object_type=obj._meta.label_lower if hasattr(obj, "_meta") else str(type(obj).__name__),
        object_id=str(getattr(obj, "pk", obj)),
        details=details or {},
    )


def actor_display(user) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username()).strip()
