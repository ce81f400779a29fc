"""
Base of every API view: authentication (API token, browser session), scope permission,
per-client throttle, cursor pagination, the error body and a request size limit.
Also the ETag/If-Match helpers the resource views use for state changes.
"""
from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, mixins, permissions
from rest_framework.response import Response

from ..audit import AuditVerb, audit_build
from ..db import service_atomic
from .authentication import ApiTokenAuthentication
from .errors import PayloadTooLarge, api_exception_handler
from .etags import check_if_match, etag_of
from .models import ApiClient
from .pagination import ApiCursorPagination
from .permissions import HasScope
from .throttling import ClientRateThrottle


def max_request_bytes() -> int:
    return int(settings.API_MAX_REQUEST_BYTES)


class ApiViewMixin:
    authentication_classes = [ApiTokenAuthentication, authentication.SessionAuthentication]
    permission_classes = [permissions.IsAuthenticated, HasScope]
    throttle_classes = [ClientRateThrottle]
    pagination_class = ApiCursorPagination
    required_scopes: dict[str, str] = {}

    def get_exception_handler(self):
        return api_exception_handler

    def initial(self, request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # A body that is not a file upload is read into memory: Django's DATA_UPLOAD_MAX_MEMORY_SIZE bounds it.
        in_memory = not request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = min(max_request_bytes(), settings.DATA_UPLOAD_MAX_MEMORY_SIZE) if in_memory else max_request_bytes()
        if length > limit:
            raise PayloadTooLarge(_("The request is too large (%(size)d MB; the limit is %(limit)d MB).")
                                  % {"size": length // 2**20, "limit": limit // 2**20})
        if length > max_request_bytes():
            raise PayloadTooLarge(_("The request is too large (%(size)d MB; the limit is %(limit)d MB).")
                                  % {"size": length // 2**20, "limit": max_request_bytes() // 2**20})
        try:
            super().initial(request, *args, **kwargs)
        except (exceptions.NotAuthenticated, exceptions.AuthenticationFailed):
            # Refused before DRF's throttles run: count it per client address, so that guessing tokens
            # or hammering without one is throttled too (issue 16).
            request._egov_unauthenticated = True
            throttle = ClientRateThrottle()
            if not throttle.allow_request(request, self):
                raise exceptions.Throttled(throttle.wait()) from None
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        """Every API call leaves an audit row (who, for which unit, what, with which result)."""
        response = super().finalize_response(request, response, *args, **kwargs)
        # Who DRF authenticated, or (when the request was refused before authentication ran, e.g.
        # too large) the browser session's user. Never authenticate here: a session's CSRF check
        # would parse the refused body and raise again, past the API's error handling.
        user = vars(request).get("_user") or getattr(request._request, "user", None)
        if user is not None and user.is_authenticated:
            auth = vars(request).get("_auth")
            client = auth if isinstance(auth, ApiClient) else None
            audit_build(actor=user, unit_id=client.unit_id if client else None, verb=AuditVerb.API_CALL,
                        object_type="api", object_id=request.path[:64],
                        details={"method": request.method, "path": request.get_full_path()[:500],
                                 "status": response.status_code, "client": client.pk if client else None}).save()
        return response

    # --- ETag helpers -------------------------------------------------------------------
    def represent(self, obj, serializer_class=None) -> dict:
        serializer_class = serializer_class or self.get_serializer_class()
        return serializer_class(obj, context=self.get_serializer_context()).data

    def respond(self, obj, *, status=200, serializer_class=None) -> Response:
        data = self.represent(obj, serializer_class)
        return Response(data, status=status, headers={"ETag": etag_of(data)})

    def guarded_change(self, obj, change, *, serializer_class=None, status=200):
        """
        Lock ``obj``'s row, check If-Match against its current representation, run
        ``change(locked_obj)`` (a service call) and answer with the new representation + ETag.
        """
        model = type(obj)
        with service_atomic():  # the precondition and the service's change: one unit of work
            locked = model.objects.select_for_update(no_key=True).get(pk=obj.pk)
            check_if_match(self.request, etag_of(self.represent(locked, serializer_class)))
            change(locked)
        # Services write some fields with .update(): answer with the row as stored.
        return self.respond(model.objects.get(pk=obj.pk), status=status, serializer_class=serializer_class)

    def get_object(self):
        try:
            return super().get_object()
        except (OverflowError, ValueError):  # an id beyond the database's integer range
            raise Http404 from None


class ETagRetrieveMixin(mixins.RetrieveModelMixin):
    """GET of one object with its ETag (for If-Match on the state changes)."""

    def retrieve(self, request, *args, **kwargs):
        return self.respond(self.get_object())
