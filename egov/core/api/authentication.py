"""Bearer-token authentication of API clients; the request runs as the client's service user."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .services import api_client_authenticate


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer egov_<prefix>_<secret>``. ``request.auth`` is the ApiClient."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header: give one token after Bearer."))
        try:
            token = header[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        client = api_client_authenticate(token=token, ip=request.META.get("REMOTE_ADDR"))
        if client is None:
            raise exceptions.AuthenticationFailed(_("Invalid, revoked or expired token."))
        return client.service_user, client

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "egov.core.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "egov_<prefix>_<secret>",
                "description": "Token of an API client, shown once when an administrator registers or rotates it."}
