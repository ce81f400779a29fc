"""
Scope checks. A view declares ``required_scopes = {"list": "documents:read", "send": ...}``
(by action, ``"*"`` as fallback). API clients must hold the scope; browser sessions are not
scoped (their unit roles decide, in the services, as in the UI).
"""
from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import permissions

from .models import ApiClient


def required_scope(view) -> str | None:
    scopes = getattr(view, "required_scopes", {}) or {}
    action = getattr(view, "action", None) or (view.request.method.lower() if getattr(view, "request", None) else None)
    return scopes.get(action, scopes.get("*"))


class HasScope(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        client = request.auth
        if not isinstance(client, ApiClient):
            return True
        scope = required_scope(view)
        if scope is None:
            return False  # an endpoint without a declared scope is closed to API clients
        if client.has_scope(scope):
            return True
        self.message = _("This API client lacks the scope %(scope)s.") % {"scope": scope}
        return False
