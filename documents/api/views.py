"""
Documents API: outgoing documents (draft, attachments, number, send, follow-ups), dispatch
status per recipient, incoming documents and the recipient's workflow, attachment download
with Range, register export. Views validate input and call the same services and selectors
as the HTML UI; visibility comes from the selectors, so another unit's objects are 404.
"""
from __future__ import annotations

import os
import re

from django.db.models import Q
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from documents import services
from documents.choices import AttachmentKind
from documents.filtersets import DispatchFilterSet, DocumentFilterSet, IncomingRecordFilterSet
from documents.models import Attachment, Dispatch, Document, IncomingRecord
from documents.selectors import (
    dispatch_summary,
    dispatches_of_document,
    documents_visible_to,
    incoming_visible_to,
)
from egov.core.api.errors import error_body
from egov.core.api.idempotency import idempotent
from egov.core.api.parsers import BoundedJSONParser
from egov.core.api.models import ApiClient
from egov.core.api.pagination import cursor_pagination
from egov.core.api.scopes import Scope
from egov.core.api.views import ApiViewMixin, ETagRetrieveMixin
from units.models import Membership, Unit

from . import access as acc
from . import serializers as s

IDEMPOTENCY_PARAM = OpenApiParameter(
    "Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]{1,255}$"},
    OpenApiParameter.HEADER, required=False,
    description="Same key + same body replays the first response (no second document); "
                "same key + another body is 409.")
IF_MATCH_PARAM = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                                  description="ETag of the resource as last read; 412 if it has changed.")
JSON_AND_FORMS = [BoundedJSONParser, parsers.MultiPartParser, parsers.FormParser]  # deep JSON: a 400, not a 500


def _acting_unit(request, code: str | None) -> Unit:
    """The unit a call acts for: the API client's own unit, else the given code among the user's units."""
    if isinstance(request.auth, ApiClient):
        if code and code != request.auth.unit.code:
            raise exceptions.ValidationError({"owner_unit": [_("An API client acts only for its own unit.")]})
        return request.auth.unit
    units = Unit.objects.filter(memberships__user=request.user, memberships__is_active=True).distinct()
    if code:
        unit = units.filter(code=code).first()
        if unit is None:
            raise exceptions.ValidationError({"owner_unit": [_("You hold no role in this unit.")]})
        return unit
    units = list(units[:2])
    if len(units) != 1:
        raise exceptions.ValidationError({"owner_unit": [_("Give the code of the unit you act for.")]})
    return units[0]


def _created(view, obj, serializer_class=None):
    response = view.respond(obj, status=status.HTTP_201_CREATED, serializer_class=serializer_class)
    return response


class AccessLogMixin:
    # ``accesses/`` (the access history, cursor pages) and ``access-counts/`` of one object (issue 14).
    # A comment, not a docstring: drf-spectacular would show a docstring on every operation of the view set.

    def _access_scope(self, obj):  # (objects, unit_id or None)
        raise NotImplementedError

    @extend_schema(summary="Access history: who viewed, downloaded or printed it and its files (newest first)",
                   responses=acc.AccessSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=cursor_pagination("-id"))
    def accesses(self, request, pk=None):
        objects, unit_id = self._access_scope(self.get_object())
        page = self.paginate_queryset(acc.access_history_queryset(objects, unit_id))
        return self.get_paginated_response(acc.AccessSerializer(page, many=True).data)

    @extend_schema(summary="Access counts of the page and of each file", responses=acc.AccessCountsSerializer,
                   filters=False)
    @action(detail=True, methods=["get"], url_path="access-counts", pagination_class=None)
    def access_counts(self, request, pk=None):
        objects, unit_id = self._access_scope(self.get_object())
        return Response(acc.access_count_body(objects=objects, unit_id=unit_id))


DOCUMENT_CREATE_EXAMPLE = OpenApiExample("A new official letter", request_only=True, value={
    "subject": "Về việc triển khai liên thông văn bản", "doc_type": "CV", "notation_suffix": "VP",
    "signer_name": "Nguyễn Văn A", "signer_position": "Giám đốc", "urgency": 0})
SEND_EXAMPLE = OpenApiExample("To two units and every commune", request_only=True,
                              value={"units": ["000.00.05.H41", "000.00.31.H41"], "groups": ["communes"]})


@extend_schema_view(
    list=extend_schema(summary="Outgoing documents of your units"),
    retrieve=extend_schema(summary="An outgoing document (ETag header for If-Match)"),
)
class DocumentViewSet(AccessLogMixin, ApiViewMixin, mixins.ListModelMixin, ETagRetrieveMixin,
                      viewsets.GenericViewSet):
    """
    Outgoing documents. A revocation, update or replacement is a new document with
    ``business_type`` 1, 2 or 3 and ``related_document``, issued and sent like any other.
    """

    serializer_class = s.DocumentSerializer
    filterset_class = DocumentFilterSet
    pagination_class = cursor_pagination("-id")  # unique: DRF cursors need a unique first field
    parser_classes = JSON_AND_FORMS
    required_scopes = {"list": Scope.DOCUMENTS_READ, "retrieve": Scope.DOCUMENTS_READ,
                       "dispatches": Scope.DOCUMENTS_READ, "status": Scope.DOCUMENTS_READ,
                       "create": Scope.DOCUMENTS_SEND, "partial_update": Scope.DOCUMENTS_SEND,
                       "issue": Scope.DOCUMENTS_SEND, "send": Scope.DOCUMENTS_SEND,
                       "attachments": Scope.DOCUMENTS_SEND, "attachment_delete": Scope.DOCUMENTS_SEND,
                       "accesses": Scope.DOCUMENTS_READ, "access_counts": Scope.DOCUMENTS_READ}

    def _access_scope(self, obj):
        return acc.document_access(user=self.request.user, doc=obj)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        return (documents_visible_to(user=self.request.user).select_related("owner_unit")
                .prefetch_related("attachments"))

    @extend_schema(summary="Create a draft (JSON, or multipart with main_file and appendices)",
                   request={"application/json": s.DocumentCreateInput, "multipart/form-data": s.DocumentCreateInput},
                   responses={201: s.DocumentSerializer}, parameters=[IDEMPOTENCY_PARAM],
                   examples=[DOCUMENT_CREATE_EXAMPLE])
    @idempotent
    def create(self, request):
        inp = s.DocumentCreateInput(data=request.data, context=self.get_serializer_context())
        inp.is_valid(raise_exception=True)
        data = dict(inp.validated_data)
        unit = _acting_unit(request, data.pop("owner_unit", None))
        main_file, appendices = data.pop("main_file", None), data.pop("appendices", [])
        files = ([(main_file, AttachmentKind.MAIN)] if main_file is not None else []) + [
            (f, AttachmentKind.APPENDIX) for f in appendices]
        doc = services.document_create_with_files(owner_unit=unit, acting_user=request.user, files=files, **data)
        response = _created(self, self.get_queryset().get(pk=doc.pk))
        response["Location"] = request.build_absolute_uri(f"{request.path.rstrip('/')}/{doc.pk}/")
        return response

    @extend_schema(summary="Change a draft", request=s.DocumentUpdateInput, responses=s.DocumentSerializer,
                   parameters=[IF_MATCH_PARAM])
    def partial_update(self, request, pk=None):
        document = self.get_object()  # a document that does not exist for the caller is a 404 before its body is read
        inp = s.DocumentUpdateInput(data=request.data, partial=True, context=self.get_serializer_context())
        inp.is_valid(raise_exception=True)
        return self.guarded_change(document, lambda d: services.document_update(
            document=d, acting_user=request.user, **inp.validated_data))

    @extend_schema(summary="Allocate the number and issue", request=s.IssueInput, responses=s.DocumentSerializer,
                   parameters=[IF_MATCH_PARAM, IDEMPOTENCY_PARAM])
    @action(detail=True, methods=["post"])
    @idempotent
    def issue(self, request, pk=None):
        inp = s.IssueInput(data=request.data)
        inp.is_valid(raise_exception=True)
        return self.guarded_change(self.get_object(), lambda d: services.document_issue(
            document=d, acting_user=request.user, **inp.validated_data))

    @extend_schema(summary="Send to units and groups", request=s.SendInput,
                   responses={201: s.DispatchSerializer(many=True)}, parameters=[IF_MATCH_PARAM, IDEMPOTENCY_PARAM],
                   examples=[SEND_EXAMPLE])
    @action(detail=True, methods=["post"])
    @idempotent
    def send(self, request, pk=None):
        inp = s.SendInput(data=request.data)
        inp.is_valid(raise_exception=True)
        codes = list(dict.fromkeys(inp.validated_data.get("units", [])))
        units = list(Unit.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {u.code for u in units})
        if unknown:
            raise exceptions.ValidationError({"units": [_("Unknown unit codes: %(codes)s")
                                                        % {"codes": ", ".join(unknown)}]})
        doc = self.get_object()
        holder = {}

        def change(locked):
            holder["dispatches"] = services.document_send(document=locked, acting_user=request.user, units=units,
                                                          groups=inp.validated_data.get("groups", []))
            return locked

        self.guarded_change(doc, change)
        ids = [d.pk for d in holder["dispatches"]]
        dispatches = Dispatch.objects.filter(pk__in=ids).select_related("recipient", "sender", "addressed_to")
        return Response(s.DispatchSerializer(dispatches.order_by("pk"), many=True).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Delivery and status per recipient", responses=s.DispatchSerializer(many=True),
                   parameters=[OpenApiParameter("state", str), OpenApiParameter("status_code", str),
                               OpenApiParameter("recipient", int)], filters=False)
    @action(detail=True, methods=["get"], pagination_class=cursor_pagination("id"))
    def dispatches(self, request, pk=None):
        qs = dispatches_of_document(document=self.get_object()).select_related("sender").order_by("id")
        fs = DispatchFilterSet(request.query_params, queryset=qs, request=request)
        if not fs.is_valid():
            raise exceptions.ValidationError(fs.errors)
        page = self.paginate_queryset(fs.qs)
        return self.get_paginated_response(s.DispatchSerializer(page, many=True).data)

    @extend_schema(summary="Counts per delivery state and business status", responses=s.DispatchSummarySerializer,
                   filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def status(self, request, pk=None):
        return Response(dispatch_summary(document=self.get_object()))

    @extend_schema(summary="Upload an attachment to a draft (type checked by content, size bounded)",
                   request={"multipart/form-data": s.AttachmentInput}, responses={201: s.AttachmentSerializer},
                   parameters=[IDEMPOTENCY_PARAM])
    @action(detail=True, methods=["post"], parser_classes=[parsers.MultiPartParser, parsers.FormParser])
    @idempotent
    def attachments(self, request, pk=None):
        inp = s.AttachmentInput(data=request.data)
        inp.is_valid(raise_exception=True)
        f = inp.validated_data["file"]
        att = services.attachment_add(document=self.get_object(), acting_user=request.user, upload=f, name=f.name,
                                      kind=inp.validated_data["kind"],
                                      description=inp.validated_data.get("description", ""))
        return Response(s.AttachmentSerializer(att).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Remove an attachment of a draft", request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"attachments/(?P<attachment_id>[0-9]+)")
    def attachment_delete(self, request, pk=None, attachment_id=None):
        doc = self.get_object()
        att = get_object_or_404(Attachment, pk=attachment_id, document=doc)
        services.attachment_remove(attachment=att, acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


class AttachmentViewSet(ApiViewMixin, ETagRetrieveMixin, viewsets.GenericViewSet):
    """Files of your documents and of documents your units received."""

    @staticmethod
    def _note_download(request, att) -> None:
        """An API download is an access like a page's (issue 14), for the unit the caller acts in."""
        from egov.core.access import AccessAction, access_note

        if isinstance(request.auth, ApiClient):
            unit_id = request.auth.unit_id
        else:
            mine = Membership.objects.filter(user=request.user, is_active=True).values("unit_id")
            unit_id = (att.document.owner_unit_id if Membership.objects.filter(
                user=request.user, is_active=True, unit_id=att.document.owner_unit_id).exists()
                else IncomingRecord.objects.filter(document_id=att.document_id, unit_id__in=mine)
                .values_list("unit_id", flat=True).first())
        access_note(request, object_type=acc.FILE, object_id=att.pk, action=AccessAction.DOWNLOAD, unit_id=unit_id)

    serializer_class = s.AttachmentSerializer
    required_scopes = {"*": Scope.DOCUMENTS_READ}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Attachment.objects.none()
        user = self.request.user
        own = documents_visible_to(user=user).values("pk")
        received = incoming_visible_to(user=user).values("document_id")
        return Attachment.objects.filter(Q(document_id__in=own) | Q(document_id__in=received))

    @extend_schema(summary="Download the file (supports Range: bytes=a-b)",
                   parameters=[OpenApiParameter("Range", str, OpenApiParameter.HEADER, required=False)],
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY,
                              (206, "application/octet-stream"): OpenApiTypes.BINARY,
                              (416, "application/octet-stream"): OpenApiResponse(description="Range not satisfiable"),
                              410: OpenApiResponse(description="The content was destroyed after its retention "
                                                               "ended (code content_destroyed)")})
    @action(detail=True, methods=["get"], pagination_class=None)
    def content(self, request, pk=None):
        att = self.get_object()
        if att.destroyed_at is not None:  # h13b: retention ended; the metadata stays, the bytes are gone
            return Response(error_body("content_destroyed", _(
                "The content of this file was destroyed after its retention period ended; "
                "its metadata is kept.")), status=410)
        self._note_download(request, att)
        size = att.size
        headers = {"Accept-Ranges": "bytes", "ETag": f'"{att.sha256}"',
                   "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(att.original_name)}"}
        rng = request.headers.get("Range")
        match = RANGE_RE.match(rng.strip()) if rng else None
        if match and (match.group(1) or match.group(2)):
            first, last = match.group(1), match.group(2)
            if first:
                start, end = int(first), min(int(last), size - 1) if last else size - 1
            else:
                start, end = max(0, size - int(last)), size - 1
            if start >= size or start > end:
                return HttpResponse(status=416, headers={"Content-Range": f"bytes */{size}", **headers})
            f = att.file.open("rb")
            f.seek(start)
            length = end - start + 1

            def stream(remaining=length):
                try:
                    while remaining > 0:
                        chunk = f.read(min(65536, remaining))
                        if not chunk:
                            break
                        remaining -= len(chunk)
                        yield chunk
                finally:
                    f.close()

            response = StreamingHttpResponse(stream(), status=206, content_type=att.mime_type)
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
            response["Content-Length"] = str(length)
            for k, v in headers.items():
                response[k] = v
            return response
        response = FileResponse(att.file.open("rb"), content_type=att.mime_type)
        response["Content-Length"] = str(size)
        for k, v in headers.items():
            response[k] = v
        return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(os.path.basename(name))


@extend_schema_view(
    list=extend_schema(summary="Dispatches of your units' documents"),
    retrieve=extend_schema(summary="A dispatch with its events"),
)
class DispatchViewSet(ApiViewMixin, mixins.ListModelMixin, ETagRetrieveMixin, viewsets.GenericViewSet):
    filterset_class = DispatchFilterSet
    pagination_class = cursor_pagination("-id")
    required_scopes = {"list": Scope.DOCUMENTS_READ, "retrieve": Scope.DOCUMENTS_READ,
                       "ask": Scope.DOCUMENTS_SEND, "retry": Scope.DOCUMENTS_SEND}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Dispatch.objects.none()
        units = Membership.objects.filter(user=self.request.user, is_active=True).values("unit_id")
        qs = Dispatch.objects.filter(sender_id__in=units).select_related("recipient", "sender", "addressed_to")
        if self.action == "retrieve":
            qs = qs.prefetch_related("events")
        return qs

    def get_serializer_class(self):
        return s.DispatchDetailSerializer if self.action in ("retrieve", "ask", "retry") else s.DispatchSerializer

    @extend_schema(summary="Ask the recipient to give the document back or take an update (status 13)",
                   request=s.DispatchRequestInput, responses=s.DispatchDetailSerializer,
                   parameters=[IF_MATCH_PARAM, IDEMPOTENCY_PARAM])
    @action(detail=True, methods=["post"], url_path="request")
    @idempotent
    def ask(self, request, pk=None):
        inp = s.DispatchRequestInput(data=request.data)
        inp.is_valid(raise_exception=True)
        return self.guarded_change(self.get_object(), lambda d: services.dispatch_request(
            dispatch=d, acting_user=request.user, **inp.validated_data))

    @extend_schema(summary="Retry a failed delivery", request=None, responses=s.DispatchDetailSerializer,
                   parameters=[IF_MATCH_PARAM, IDEMPOTENCY_PARAM])
    @action(detail=True, methods=["post"])
    @idempotent
    def retry(self, request, pk=None):
        return self.guarded_change(self.get_object(), lambda d: services.dispatch_retry(
            dispatch=d, acting_user=request.user))


INCOMING_LIST_COLUMNS = (
    "id", "unit__code", "sender__code", "sender__name", "status", "urgency", "arrived_at", "incoming_number",
    "accepted_at", "rejected_reason", "deadline", "main_handler_id", "instruction", "progress", "finished_at",
    "reply_document_id", "open_request", "open_request_reason", "cancelled_at", "cancel_reason",
    "document__id", "document__owner_unit__code", "document__doc_type", "document__number", "document__notation",
    "document__issued_on", "document__subject", "document__signer_name", "document__signer_position",
    "document__urgency", "document__due_date", "document__business_type", "document__related_document_id",
    "document__document_id",
)


@extend_schema_view(
    list=extend_schema(summary="Incoming documents of your units (same filters as the inbox page)"),
    retrieve=extend_schema(summary="An incoming document (ETag header for If-Match)"),
)
class IncomingViewSet(AccessLogMixin, ApiViewMixin, mixins.ListModelMixin, ETagRetrieveMixin,
                      viewsets.GenericViewSet):
    filterset_class = IncomingRecordFilterSet
    pagination_class = cursor_pagination("-id")  # unique and increasing with arrival: DRF cursors need a unique first field
    required_scopes = {"list": Scope.DOCUMENTS_READ, "retrieve": Scope.DOCUMENTS_READ, "accesses": Scope.DOCUMENTS_READ,
                       "access_counts": Scope.DOCUMENTS_READ, "*": Scope.INBOX_ACT}

    def _access_scope(self, obj):
        return acc.record_access(user=self.request.user, rec=obj)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return IncomingRecord.objects.none()
        qs = incoming_visible_to(user=self.request.user).select_related("unit", "sender", "document",
                                                                         "document__owner_unit")
        if self.action == "list":
            # Only the columns the list shows (issue 17: the wide rows of four tables were much
            # of a page's time in the ORM); IncomingSerializer reads nothing else.
            return qs.only(*INCOMING_LIST_COLUMNS)
        return qs.prefetch_related("document__attachments")

    def get_serializer_class(self):
        return s.IncomingSerializer if self.action == "list" else s.IncomingDetailSerializer

    def _act(self, request, service, input_class=None, **extra):
        data = {}
        if input_class is not None:
            inp = input_class(data=request.data, context=self.get_serializer_context())
            inp.is_valid(raise_exception=True)
            data = inp.validated_data
        return self.guarded_change(self.get_object(), lambda rec: service(
            incoming=rec, acting_user=request.user, **data, **extra) and None)

    _common = {"responses": s.IncomingDetailSerializer, "parameters": [IF_MATCH_PARAM, IDEMPOTENCY_PARAM]}

    @extend_schema(summary="Accept into the incoming register (status 03)", request=None, **_common)
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request, pk=None):
        return self._act(request, services.incoming_accept)

    @extend_schema(summary="Reject with a reason (status 02)", request=s.ReasonInput, **_common)
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request, pk=None):
        return self._act(request, services.incoming_reject, s.ReasonInput)

    @extend_schema(summary="Assign handlers (status 04)", request=s.AssignInput, **_common)
    @action(detail=True, methods=["post"])
    @idempotent
    def assign(self, request, pk=None):
        return self._act(request, services.incoming_assign, s.AssignInput)

    @extend_schema(summary="Report progress (status 05)", request=s.ProgressInput, **_common)
    @action(detail=True, methods=["post"])
    @idempotent
    def progress(self, request, pk=None):
        return self._act(request, services.incoming_progress, s.ProgressInput)

    @extend_schema(summary="Finish (status 06)", request=s.FinishInput, **_common)
    @action(detail=True, methods=["post"])
    @idempotent
    def finish(self, request, pk=None):
        return self._act(request, services.incoming_finish, s.FinishInput)

    @extend_schema(summary="Answer the sender's take-back/update request (15 agree, 16 refuse)",
                   request=s.AnswerRequestInput, **_common)
    @action(detail=True, methods=["post"], url_path="answer-request")
    @idempotent
    def answer_request(self, request, pk=None):
        return self._act(request, services.incoming_answer_request, s.AnswerRequestInput)


class RegisterViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """Registers (sổ văn bản đi / đến / theo dõi) exported as CSV or XLSX."""

    required_scopes = {"export": Scope.DOCUMENTS_READ}
    serializer_class = s.RegisterExportInput
    pagination_class = None

    @extend_schema(summary="Export a register", parameters=[s.RegisterExportInput],
                   responses={(200, "text/csv"): OpenApiTypes.BINARY,
                              (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                                  OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def export(self, request):
        inp = s.RegisterExportInput(data=request.query_params)
        inp.is_valid(raise_exception=True)
        data = inp.validated_data
        if isinstance(request.auth, ApiClient):  # its own unit's registers only; another code does not exist for it
            code = data.get("unit")
            unit = request.auth.unit if not code or code == request.auth.unit.code else None
        else:
            unit = Unit.objects.filter(code=data.get("unit") or "").first()
        if unit is None:
            raise exceptions.NotFound(_("No such register among your units."))
        if data["file_format"] == "xlsx":
            body = services.register_export_xlsx(unit=unit, kind=data["kind"], year=data["year"], user=request.user)
            ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            body = services.register_export_csv(unit=unit, kind=data["kind"], year=data["year"], user=request.user)
            ctype = "text/csv; charset=utf-8"
        name = f"{data['kind']}-{unit.code}-{data['year']}.{data['file_format']}"
        return HttpResponse(body, content_type=ctype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
