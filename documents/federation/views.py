"""
HTTP endpoints of the federation (/federation/v1/…, signed requests, JSON answers) and the two
edXML endpoints of the REST API (/api/v1/edxml/packages/, /api/v1/documents/<pk>/edxml), which
go through the API base class like every other API view: token or session, scopes, throttle,
audit row, error body.
"""
from __future__ import annotations

import hashlib
import tempfile

from django.conf import settings
from django.db.models import Q
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from documents.models import DispatchEvent, Document
from documents.selectors import documents_visible_to, incoming_visible_to
from egov.core.api.models import ApiClient
from egov.core.api.scopes import Scope
from egov.core.api.views import ApiViewMixin
from units.choices import UnitKind
from units.portal import portal_context

from .auth import AuthError, check_request
from .export import document_export, status_export
from .inbound import FAULT_HTTP_STATUS, package_import
from .mapping import MappingError
from .models import Peer
from .pull import PullError, pull_ack, pull_fetch, pull_list

__all__ = ["receive_package", "pull_index", "pull_package", "pull_acknowledge", "EdxmlPackageImportView",
           "DocumentEdxmlView", "documents_exportable_by"]

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _fault(code: str, message: str, status_code: int, consignment: str = "") -> JsonResponse:
    return JsonResponse({"result": "fault", "code": code, "message": message, "consignment_id": consignment},
                        status=status_code)


def _spool_body(request, limit: int):
    """Read the request body in chunks into a temporary file, hashing it; None when over ``limit``."""
    body = tempfile.SpooledTemporaryFile(max_size=8 * 2**20)
    digest, size = hashlib.sha256(), 0
    while chunk := request.read(2**20):
        size += len(chunk)
        if size > limit:
            body.close()
            return None, size, ""
        digest.update(chunk)
        body.write(chunk)
    body.seek(0)
    return body, size, digest.hexdigest()


@csrf_exempt
@require_POST
def receive_package(request):
    """POST an edXML package. Answers {result: accepted|duplicate|fault, code, message, consignment_id}."""
    consignment = request.META.get("HTTP_X_EGOV_CONSIGNMENT", "")[:64]
    limit = settings.FEDERATION_MAX_PACKAGE_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        return _fault("too_large", _("The package exceeds the size limit of %(mb)d MB.") % {"mb": limit // 2**20},
                      413, consignment)
    body, size, sha = _spool_body(request, limit)
    if body is None:
        return _fault("too_large", _("The package exceeds the size limit of %(mb)d MB.") % {"mb": limit // 2**20},
                      413, consignment)
    with body:
        try:
            peer = check_request(request, body_sha256=sha)
        except AuthError as exc:
            return _fault(exc.code, exc.message, exc.status, consignment)
        if not consignment:
            return _fault("validation", _("X-Egov-Consignment is required."), 400)
        report = package_import(source=body, peer=peer, consignment_id=consignment, size=size, sha256=sha)
    data = {"result": report.result, "code": report.code, "message": report.message, "consignment_id": consignment,
            "document_id": report.document_id, "kind": report.kind}
    if report.result == "fault":
        data["problems"] = report.problems
        return JsonResponse(data, status=FAULT_HTTP_STATUS.get(report.code, 400))
    return JsonResponse(data, status=200)


def _pull_peer(request, body_sha256: str = EMPTY_SHA256):
    return check_request(request, body_sha256=body_sha256)


@require_GET
def pull_index(request):
    try:
        peer = _pull_peer(request)
    except AuthError as exc:
        return _fault(exc.code, exc.message, exc.status)
    return JsonResponse({"items": pull_list(peer=peer)})


@require_GET
def pull_package(request, consignment_id):
    try:
        peer = _pull_peer(request)
        data = pull_fetch(peer=peer, consignment_id=consignment_id)
    except AuthError as exc:
        return _fault(exc.code, exc.message, exc.status)
    except PullError as exc:
        return _fault(exc.code, exc.message, exc.status, str(consignment_id))
    response = HttpResponse(data, content_type="application/xml")
    response["X-Egov-Consignment"] = str(consignment_id)
    return response


@csrf_exempt
@require_http_methods(["POST"])
def pull_acknowledge(request, consignment_id):
    """Body: {"result": "done"|"fail", "message": "..."}."""
    import json

    raw = request.read(64 * 1024)
    try:
        peer = _pull_peer(request, hashlib.sha256(raw).hexdigest())
        payload = json.loads(raw or b"{}")
        item = pull_ack(peer=peer, consignment_id=consignment_id, result=str(payload.get("result", "")),
                        message=str(payload.get("message", "")))
    except AuthError as exc:
        return _fault(exc.code, exc.message, exc.status)
    except ValueError:
        return _fault("validation", _("The body must be JSON."), 400, str(consignment_id))
    except PullError as exc:
        return _fault(exc.code, exc.message, exc.status, str(consignment_id))
    return JsonResponse({"result": "accepted", "code": item.state, "message": "", "consignment_id": str(consignment_id)})


def _province_admin(request) -> bool:
    """Importing a package by hand is a province administrator's action (or an API client of the province office)."""
    if isinstance(request.auth, ApiClient):
        return request.auth.unit.kind == UnitKind.PROVINCE_COMMITTEE
    return portal_context(request).is_province_admin


@extend_schema(
    summary="Import an edXML package by hand, on behalf of a peer",
    parameters=[OpenApiParameter("peer", str, required=True, description="Code of the peer system the package came from"),
                OpenApiParameter("dry_run", bool, required=False, description="Validate only")],
    request={"application/xml": OpenApiTypes.BINARY, "multipart/form-data": OpenApiTypes.OBJECT},
    responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT},
)
class EdxmlPackageImportView(ApiViewMixin, APIView):
    """
    POST an edXML package (raw body, or a multipart ``file``) received outside the exchange
    (on a disk, by e-mail), naming the peer system it came from (``?peer=CODE``): it is checked
    exactly as if that peer had sent it (sender hosted by the peer, signature policy).
    ``?dry_run=1`` validates only. Province administrators only; audited.
    """

    required_scopes = {"post": Scope.EDXML_IMPORT}

    def post(self, request):
        if not _province_admin(request):
            raise exceptions.PermissionDenied(_("Only a province administrator may import packages by hand."))
        code = request.query_params.get("peer", "")
        peer = Peer.objects.filter(code=code, enabled=True).first() if code else None
        if peer is None:
            raise exceptions.ValidationError({"peer": [_("Name the enabled peer system the package came from.")]})
        if request.content_type.startswith("multipart/"):
            upload = request.FILES.get("file")
            if upload is None:
                raise exceptions.ValidationError({"file": [_("Send the package as file.")]})
            source = upload.read()
        else:
            source = request.body  # the raw package (application/xml): no DRF parser involved
        dry = request.query_params.get("dry_run", "") in ("1", "true", "yes")
        report = package_import(source=source, peer=peer, dry_run=dry, manual_by=request.user)
        code = status.HTTP_201_CREATED if report.result == "accepted" else (
            status.HTTP_200_OK if report.ok else FAULT_HTTP_STATUS.get(report.code, 400))
        return Response(report.as_dict(), status=code)


@extend_schema(
    summary="A document as an edXML package",
    parameters=[OpenApiParameter("status", int, required=False, description="Id of one of its status events")],
    responses={(200, "application/xml"): OpenApiTypes.BINARY},
)
class DocumentEdxmlView(ApiViewMixin, APIView):
    """
    GET a document of one of your units (issued by it, or received by it) as edXML;
    ``?status=<event id>`` gives one of its status events instead. Another unit's document is 404.
    """

    required_scopes = {"get": Scope.DOCUMENTS_READ}

    def get(self, request, pk: int):
        doc = get_object_or_404(documents_exportable_by(user=request.user).select_related("owner_unit"), pk=pk)
        try:
            event_id = request.query_params.get("status")
            if event_id:
                event = get_object_or_404(DispatchEvent.objects.select_related("dispatch"),
                                          pk=int(event_id) if event_id.isdigit() else 0, dispatch__document=doc)
                return HttpResponse(status_export(event=event), content_type="application/xml")
            out = tempfile.TemporaryFile()
            document_export(document=doc, out=out)
            out.seek(0)
        except MappingError as exc:
            raise exceptions.ValidationError({"document": [exc.message]}) from exc
        return FileResponse(out, content_type="application/xml", as_attachment=True,
                            filename=f"document-{doc.pk}.edxml")


def documents_exportable_by(*, user):
    """Documents issued by a unit of the user, or received by a unit where the user reads the inbox."""
    received = incoming_visible_to(user=user).values("document_id")
    return Document.objects.filter(Q(pk__in=documents_visible_to(user=user).values("pk")) | Q(pk__in=received))
