"""
The errors services raise on purpose. ``message`` is already translated for the user; the API
maps them to HTTP (InvalidInput 400, PermissionDeniedError 403, NotFoundError 404,
StateError 409) and the UI shows the message.
"""
from __future__ import annotations

__all__ = ["ServiceError", "PermissionDeniedError", "NotFoundError", "StateError", "InvalidInput"]


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


class NotFoundError(ServiceError):
    """The object does not exist, or is not the caller's to see (both answer alike)."""

    code = "not_found"


class StateError(ServiceError):
    code = "invalid_state"


class InvalidInput(ServiceError):
    code = "invalid"
