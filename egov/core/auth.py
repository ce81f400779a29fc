"""
Login with lockout. After ``LOGIN_LOCKOUT_THRESHOLD`` failed attempts for one username within
``LOGIN_LOCKOUT_MINUTES`` the username is refused (even with the right password) until the
window has passed; the message says how long to wait. Failures are rows in the database so
every web process sees them. Counting is per username (not per IP) because clerks of one
office share a NAT address; the IP is kept for the audit.
"""
from __future__ import annotations

import math
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import LoginFailure

__all__ = ["LockoutAuthenticationForm", "PortalLoginView", "login_locked_until"]


def _threshold() -> int:
    return settings.LOGIN_LOCKOUT_THRESHOLD


def _window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def login_locked_until(username: str, *, now=None):
    """The time the username's lockout ends, or None when it may try to log in."""
    now = now or timezone.now()
    times = list(LoginFailure.objects.filter(username=_key(username), at__gte=now - _window())
                 .order_by("-at").values_list("at", flat=True)[: _threshold()])
    if len(times) < _threshold():
        return None
    return times[-1] + _window()


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


class LockoutAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed attempts for this account. Try again in %(minutes)d minutes."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username:
            until = login_locked_until(username)
            if until is not None:
                minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
                raise forms.ValidationError(self.error_messages["locked"], code="locked",
                                            params={"minutes": minutes})
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                LoginFailure.objects.create(username=_key(username), ip_address=_client_ip(self.request))
            raise
        with transaction.atomic():
            LoginFailure.objects.filter(username=_key(username)).delete()
        return cleaned


class PortalLoginView(LoginView):
    authentication_form = LockoutAuthenticationForm
    redirect_authenticated_user = True
