"""
One lockout for every login door: django-axes.

Every password check of the portal goes through ``django.contrib.auth.authenticate`` with the
request — the portal login (``/accounts/login/``), the admin login (``/admin/login/``) and any
future door — and ``axes.backends.AxesStandaloneBackend`` sits first in
``AUTHENTICATION_BACKENDS``, so the same counter guards them all.

- **What is locked**: the pair (username, client address). After ``LOGIN_LOCKOUT_THRESHOLD``
  failures of one username from one address within ``LOGIN_LOCKOUT_MINUTES``, that pair is
  refused — even with the right password — until the window has passed. Locking by the pair
  means a stranger cannot lock a clerk out of her account from elsewhere with five bad
  passwords, while clerks behind one office NAT do not lock each other either.
- **History**: every failure is a row of ``axes.AccessFailureLog`` (kept, not deleted on a
  successful login; only the counter of the pair starts again), every login and logout a row of
  ``axes.AccessLog``; and each login, failed login, lockout and logout writes an audit row.
- The former ``egov.LoginFailure`` rows were moved into ``AccessFailureLog`` by migration
  ``egov 0007_h16_login_failures_to_axes``.
"""
from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.forms.utils import ErrorDict, ErrorList
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

__all__ = ["PortalLoginView", "failure_limit", "cool_off", "client_ip", "username_key", "lockout_response",
           "connect_login_audit"]


def failure_limit(request=None, credentials=None) -> int:
    """AXES_FAILURE_LIMIT: read at each check, so the one setting LOGIN_LOCKOUT_THRESHOLD rules."""
    return settings.LOGIN_LOCKOUT_THRESHOLD


def cool_off(request=None) -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def client_ip(request) -> str | None:
    """The client address: REMOTE_ADDR (the TLS proxy in front of gunicorn sets it; see docs/security.md)."""
    return request.META.get("REMOTE_ADDR") if request is not None else None


def username_key(request, credentials) -> str:
    """``VanThu`` and ``vanthu `` are one account for the counter."""
    value = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD) or (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username") if hasattr(request, "POST") else None
    return (value or "").strip().lower()[:150]


def _minutes_left(request, credentials) -> int:
    from axes.models import AccessAttempt

    last = (AccessAttempt.objects.filter(username=username_key(request, credentials), ip_address=client_ip(request))
            .order_by("-attempt_time").values_list("attempt_time", flat=True).first())
    if last is None:
        return settings.LOGIN_LOCKOUT_MINUTES
    left = (last + cool_off() - timezone.now()).total_seconds()
    return max(1, math.ceil(left / 60))


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page again with the message (429), JSON for machine clients."""
    message = _("Too many failed attempts for this account. Try again in %(minutes)d minutes.") % {
        "minutes": _minutes_left(request, credentials)}
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"code": "locked", "detail": message}, status=429)
    form = AuthenticationForm(request, initial={"username": username_key(request, credentials)})
    form._errors = ErrorDict({"__all__": ErrorList([message])})
    if request.path.startswith("/admin/"):
        from django.contrib import admin

        context = {**admin.site.each_context(request), "form": form, "title": _("Log in"),
                   "app_path": request.get_full_path(), "username": request.user.get_username()}
        return render(request, "admin/login.html", context, status=429)
    return render(request, "registration/login.html", {"form": form, "next": request.POST.get("next", "")},
                  status=429)


class PortalLoginView(LoginView):
    """The portal's login page; the lockout is axes' (it answers before the form is checked)."""

    redirect_authenticated_user = True


# --- Audit of logins, failures, lockouts and logouts ----------------------------------------
def _audit(verb, *, user=None, username: str = "", request=None) -> None:
    from .audit import audit_record
    from .db import service_atomic

    details = {"username": username or (user.get_username() if user is not None else ""),
               "ip": client_ip(request), "path": getattr(request, "path", "")}
    with service_atomic():
        audit_record(actor=user, unit=None, verb=verb, obj=user if user is not None else None, details=details)


def _on_login(sender, request, user, **kwargs):
    from .audit import AuditVerb

    _audit(AuditVerb.LOGIN_SUCCEEDED, user=user, request=request)


def _on_logout(sender, request, user, **kwargs):
    from .audit import AuditVerb

    if user is not None:
        _audit(AuditVerb.LOGOUT, user=user, request=request)


def _on_failed(sender, credentials, request=None, **kwargs):
    from .audit import AuditVerb

    _audit(AuditVerb.LOGIN_FAILED, username=username_key(request, credentials), request=request)


def _on_locked(sender, request, username, ip_address, **kwargs):
    from .audit import AuditVerb

    _audit(AuditVerb.LOGIN_LOCKED, username=(username or "").strip().lower(), request=request)


def connect_login_audit() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth import signals

    signals.user_logged_in.connect(_on_login, dispatch_uid="egov-audit-login")
    signals.user_logged_out.connect(_on_logout, dispatch_uid="egov-audit-logout")
    signals.user_login_failed.connect(_on_failed, dispatch_uid="egov-audit-login-failed")
    user_locked_out.connect(_on_locked, dispatch_uid="egov-audit-locked")
