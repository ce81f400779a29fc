"""
One error body for every API failure:
``{"error": {"code": "...", "message": "...", "lang": "vi", "fields": {"subject": ["..."]}}}``.
``message`` is in the language negotiated from Accept-Language (Vietnamese by default).
Service errors map to HTTP: InvalidInput 400, PermissionDeniedError 403, NotFoundError 404, StateError 409.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import InvalidInput, NotFoundError, PermissionDeniedError, ServiceError, StateError


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


SERVICE_STATUS = {InvalidInput: 400, PermissionDeniedError: 403, NotFoundError: 404, StateError: 409}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "lang": get_language() or "vi",
                      "fields": fields or {}}}


def _flatten(detail) -> dict:
    """DRF's nested ValidationError detail → {"field": ["message", ...]} with dotted paths."""
    out: dict[str, list[str]] = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list):
            if all(not isinstance(v, (dict, list)) for v in value):
                out.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in value)
            else:
                for i, v in enumerate(value):
                    walk(f"{prefix}.{i}" if prefix else str(i), v)
        else:
            out.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", detail)
    return out


def api_exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        http = next((s for cls, s in SERVICE_STATUS.items() if isinstance(exc, cls)), 400)
        fields = {exc.field: [exc.message]} if exc.field else {}
        return Response(error_body(exc.code, exc.message, fields), status=http)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(_("The request is too large."))
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 handling (logged)
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", _("The request is not valid; see the field errors."),
                                   _flatten(exc.detail))
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if not isinstance(code, str):
            code = getattr(exc, "default_code", "error")
        if isinstance(detail, (list, dict)):
            response.data = error_body(code, _("The request is not valid."), _flatten(detail))
        else:
            response.data = error_body(code, str(detail))
    return response
