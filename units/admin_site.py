"""
The admin site of the portal: being staff grants nothing across units.

Every ModelAdmin registered on the site (by any app, now or later) is wrapped so that, for a
user who is not a superuser:

- its objects are only those of the units the user administers (an active ``unit_admin``
  membership): the admin declares how an object reaches its unit with ``unit_scope`` (a
  lookup such as ``"unit"``, ``"document__owner_unit"``, or ``"pk"`` for the unit itself);
  change pages, deletes, history and actions all go through that queryset, so another unit's
  object is "not found";
- an admin without ``unit_scope`` (trust store, peers, packages, failed-login logs…) is for
  superusers only: it is not listed, and its pages answer 403;
- a foreign key to a unit offers only the administered units;
- Django's model permissions still apply on top (a unit administrator holds the permissions
  the province gives the group of unit administrators).

Inlines are wrapped the same way (``unit_scope`` on the inline class).
"""
from __future__ import annotations

from django.contrib import admin

__all__ = ["PortalAdminSite", "administered_unit_ids"]


def administered_unit_ids(request) -> list[int]:
    """Units where the request's user is an active unit administrator (cached on the request)."""
    cached = getattr(request, "_egov_admin_units", None)
    if cached is None:
        from .choices import Role
        from .models import Membership

        cached = list(Membership.objects.filter(user=request.user, is_active=True, role=Role.UNIT_ADMIN)
                      .values_list("unit_id", flat=True))
        request._egov_admin_units = cached
    return cached


def _unrestricted(request) -> bool:
    user = request.user
    return user.is_active and user.is_superuser


def _scoped(queryset, scope: str | None, request):
    if scope is None:
        return queryset.none()
    ids = administered_unit_ids(request)
    lookup = "pk__in" if scope == "pk" else f"{scope}__in"
    queryset = queryset.filter(**{lookup: ids})
    return queryset.distinct() if "__" in scope else queryset


class _ScopedPermissions:
    # ``unit_scope`` is read from the wrapped admin class (a class attribute here would hide it).

    def _denied(self, request) -> bool:
        return not _unrestricted(request) and getattr(self, "unit_scope", None) is None

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if _unrestricted(request) else _scoped(qs, getattr(self, "unit_scope", None), request)

    def has_view_permission(self, request, obj=None):
        return not self._denied(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._denied(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._denied(request) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from .models import Unit

        if db_field.related_model is Unit and not _unrestricted(request):
            kwargs["queryset"] = Unit.objects.filter(pk__in=administered_unit_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UnitScopedModelAdmin(_ScopedPermissions):
    def has_add_permission(self, request):
        return not self._denied(request) and super().has_add_permission(request)

    def has_module_permission(self, request):
        return not self._denied(request) and super().has_module_permission(request)


class UnitScopedInline(_ScopedPermissions):
    def has_add_permission(self, request, obj=None):
        return not self._denied(request) and super().has_add_permission(request, obj)


def _wrap_inline(inline_class):
    if issubclass(inline_class, UnitScopedInline):
        return inline_class
    return type(inline_class.__name__, (UnitScopedInline, inline_class), {"__module__": inline_class.__module__})


class PortalAdminSite(admin.AdminSite):
    """The default admin site: every registered admin (and its inlines) is scoped to the user's units."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, UnitScopedModelAdmin):
            attrs = {"__module__": admin_class.__module__,
                     "inlines": [_wrap_inline(i) for i in getattr(admin_class, "inlines", [])]}
            admin_class = type(admin_class.__name__, (UnitScopedModelAdmin, admin_class), attrs)
        return super().register(model_or_iterable, admin_class, **options)
