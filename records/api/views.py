"""
Records API (/api/v1/records/): file plans, case files and their contents, the transfer and the
archive's intake, exports and package downloads. Same services as the pages; visibility from
the selectors (another unit's file is 404); scopes records:read / records:act.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from documents.models import Document, IncomingRecord
from egov.core.api.models import ApiClient
from egov.core.api.scopes import Scope
from egov.core.api.views import ApiViewMixin
from units.models import Unit

from .. import exports, services
from ..models import CaseFile, FilePlan, InformationPackage, PlanEntry
from ..selectors import files_visible_to
from . import serializers as s

READ, ACT = Scope.RECORDS_READ, Scope.RECORDS_ACT
JSON_AND_FORMS = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]


def _units_of(request):
    if isinstance(request.auth, ApiClient):
        return Unit.objects.filter(pk=request.auth.unit_id)
    return Unit.objects.filter(memberships__user=request.user, memberships__is_active=True).distinct()


def _unit(request, code: str | None) -> Unit:
    units = _units_of(request)
    unit = units.filter(code=code).first() if code else units.order_by("pk").first()
    if unit is None:
        raise exceptions.ValidationError({"unit": [_("You hold no role in this unit.")]})
    return unit


def _valid(serializer_class, request):
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


class FilePlanViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The annual file plans of the caller's units."""

    serializer_class = s.FilePlanSerializer
    parser_classes = JSON_AND_FORMS
    required_scopes = {"list": READ, "retrieve": READ, "create": ACT, "entries": ACT, "approve": ACT,
                       "copy_forward": ACT}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FilePlan.objects.none()
        return FilePlan.objects.filter(unit__in=_units_of(self.request)).select_related("unit").prefetch_related(
            "entries__person_in_charge").order_by("-year", "pk")

    @extend_schema(request=s.PlanCreateSerializer, responses={201: s.FilePlanSerializer})
    def create(self, request):
        data = _valid(s.PlanCreateSerializer, request)
        plan = services.plan_create(unit=_unit(request, data.get("unit")), year=data["year"], acting_user=request.user)
        return self.respond(plan, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.EntryInputSerializer, responses={201: s.PlanEntrySerializer})
    @action(detail=True, methods=["post"])
    def entries(self, request, pk=None):
        plan = self.get_object()
        data = _valid(s.EntryInputSerializer, request)
        person = None
        if data.get("person_in_charge"):
            person = get_user_model().objects.filter(username=data["person_in_charge"]).first()
            if person is None:
                raise exceptions.ValidationError({"person_in_charge": [_("Unknown user.")]})
        entry = services.plan_entry_save(plan=plan, acting_user=request.user, heading=data["heading"],
                                         number=data["number"], notation=data["notation"], title=data["title"],
                                         retention=data["retention"], retention_years=data.get("retention_years"),
                                         use_regime=data["use_regime"], person_in_charge=person,
                                         note=data.get("note", ""))
        return Response(s.PlanEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.FilePlanSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self.respond(services.plan_approve(plan=self.get_object(), acting_user=request.user))

    @extend_schema(request=None, responses={201: s.FilePlanSerializer})
    @action(detail=True, methods=["post"], url_path="copy-forward")
    def copy_forward(self, request, pk=None):
        new = services.plan_copy_forward(plan=self.get_object(), acting_user=request.user)
        return self.respond(new, status=status.HTTP_201_CREATED)


FORMAT_PARAM = OpenApiParameter("as", str, enum=["pdf", "xml", "index-csv"], required=True)


class CaseFileViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Case files the caller may read, their documents, the transfer and the archive's actions."""

    serializer_class = s.CaseFileSerializer
    parser_classes = JSON_AND_FORMS
    required_scopes = {"list": READ, "retrieve": READ, "export": READ, "metadata": READ, "create": ACT,
                       "documents": ACT, "remove_document": ACT, "close": ACT, "transfer": ACT, "accept": ACT,
                       "return_": ACT, "dip": ACT}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CaseFile.objects.none()
        qs = files_visible_to(user=self.request.user)
        if isinstance(self.request.auth, ApiClient):
            qs = qs.filter(unit_id=self.request.auth.unit_id)
        state = self.request.query_params.get("state")
        if state:
            qs = qs.filter(state=state)
        return qs.select_related("unit", "person_in_charge").prefetch_related(
            "items__document", "packages").order_by("-id")

    def _fresh(self, f):
        return self.respond(self.get_queryset().get(pk=f.pk))

    @extend_schema(request=s.FileOpenSerializer, responses={201: s.CaseFileSerializer})
    def create(self, request):
        data = _valid(s.FileOpenSerializer, request)
        entry = get_object_or_404(PlanEntry, pk=data["entry"], plan__unit__in=_units_of(request))
        f = services.file_open(entry=entry, acting_user=request.user, title=data.get("title", ""))
        return Response(self.represent(self.get_queryset().get(pk=f.pk)), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AddDocumentSerializer, responses={201: s.FileItemSerializer})
    @action(detail=True, methods=["post"])
    def documents(self, request, pk=None):
        f = self.get_object()
        data = _valid(s.AddDocumentSerializer, request)
        if data.get("incoming"):
            rec = IncomingRecord.objects.filter(pk=data["incoming"]).first()
            if rec is None:
                raise exceptions.NotFound()
            item = services.file_add_document(case_file=f, acting_user=request.user, incoming=rec)
        elif data.get("document"):
            doc = Document.objects.filter(pk=data["document"]).first()
            if doc is None:
                raise exceptions.NotFound()
            item = services.file_add_document(case_file=f, acting_user=request.user, document=doc)
        else:
            raise exceptions.ValidationError({"document": [_("Choose a document.")]})
        return Response(s.FileItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"documents/(?P<item_id>\d+)")
    def remove_document(self, request, pk=None, item_id=None):
        f = self.get_object()
        item = get_object_or_404(f.items, pk=item_id)
        services.file_remove_document(case_file=f, acting_user=request.user, item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: s.CaseFileSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._fresh(services.file_close(case_file=self.get_object(), acting_user=request.user))

    @extend_schema(request=None, responses={200: s.CaseFileSerializer})
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        f = self.get_object()
        services.transfer_submit(case_file=f, acting_user=request.user)
        return self._fresh(f)

    @extend_schema(request=None, responses={200: s.CaseFileSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        f = self.get_object()
        services.archive_accept(case_file=f, acting_user=request.user)
        return self._fresh(f)

    @extend_schema(request=s.ReasonSerializer, responses={200: s.CaseFileSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        data = _valid(s.ReasonSerializer, request)
        return self._fresh(services.archive_return(case_file=self.get_object(), acting_user=request.user,
                                                   reason=data["reason"]))

    @extend_schema(request=None, responses={201: s.PackageSerializer})
    @action(detail=True, methods=["post"])
    def dip(self, request, pk=None):
        package = services.dip_create(case_file=self.get_object(), acting_user=request.user)
        return Response(s.PackageSerializer(package).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def metadata(self, request, pk=None):
        """The Phần II metadata of the file (FileCode … Description)."""
        return Response(exports.file_metadata(self.get_object()))

    @extend_schema(parameters=[FORMAT_PARAM], responses={(200, "application/pdf"): OpenApiTypes.BINARY,
                                                         (200, "application/xml"): OpenApiTypes.BINARY,
                                                         (200, "text/csv"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        f = self.get_object()
        fmt = request.query_params.get("as")  # not "format": DRF reads that one for content negotiation
        if fmt == "pdf":
            data, _pages = exports.file_pdf(f)
            return HttpResponse(data, content_type="application/pdf")
        if fmt == "xml":
            return HttpResponse(exports.file_xml(f), content_type="application/xml")
        if fmt == "index-csv":
            return HttpResponse(exports.file_index_csv(f), content_type="text/csv; charset=utf-8")
        raise exceptions.ValidationError({"as": [_("pdf, xml or index-csv")]})


class PackageViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """Download a stored E-ARK package (ZIP), checked before it is served."""

    serializer_class = s.PackageSerializer
    required_scopes = {"download": READ}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InformationPackage.objects.none()
        return InformationPackage.objects.filter(case_file__in=files_visible_to(user=self.request.user))

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY, 403: OpenApiResponse()})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        package = self.get_object()
        data = services.package_download(package=package, acting_user=request.user)
        resp = HttpResponse(data, content_type="application/zip")
        resp["Content-Disposition"] = f'attachment; filename="{package.package_id}.zip"'
        return resp


__all__ = ["FilePlanViewSet", "CaseFileViewSet", "PackageViewSet"]
