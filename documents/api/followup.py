"""
Follow-up API (issue 14): chasing (đôn đốc) and its acknowledgement, deadline extensions and
their decision, the content search with saved searches, the handling reports as JSON, and the
access log of a document or an incoming record. The same services and selectors as the pages:
the services check roles and states (their errors are the structured API errors), and what a
caller may list comes from ``incoming_visible_to`` / ``documents_visible_to``, so another unit's
chase, extension, record or entry is not found.
"""
from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from documents import services
from documents.choices import ChaseKind, ExtensionState
from documents.models import Chase, DeadlineExtension, IncomingRecord, SavedSearch, SearchEntry
from documents.selectors import incoming_visible_to
from documents.services.reports import INCOMING_METRICS, OUTGOING_METRICS
from documents.services.search import SEARCH_COLUMNS, SEARCH_ORDERINGS, SearchParams, search_query_words
from egov.core.api.idempotency import idempotent
from egov.core.api.pagination import cursor_pagination
from egov.core.api.parsers import BoundedJSONParser
from egov.core.api.scopes import Scope
from egov.core.api.views import ApiViewMixin
from units.models import Unit

from .views import IDEMPOTENCY_PARAM, _acting_unit

__all__ = ["ChaseViewSet", "ExtensionViewSet", "SearchViewSet", "SavedSearchViewSet", "ReportViewSet"]

ID = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


def _visible_record(request, pk: int) -> IncomingRecord:
    """An incoming record the caller may read (else 404, as for another unit's record)."""
    return get_object_or_404(incoming_visible_to(user=request.user).select_related("unit"), pk=pk)


def _flag(value: str | None, name: str) -> bool | None:
    if value in (None, ""):
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise exceptions.ValidationError({name: [_("Use true or false.")]})


def _int_param(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    if not re.fullmatch(r"-?[0-9]+", value, re.ASCII):
        raise exceptions.ValidationError({name: [_("A whole number is required.")]})
    # The schema says any integer: one no row has (negative, zero, beyond the id column) matches nothing.
    digits = value.lstrip("-").lstrip("0")
    if value.startswith("-") or not digits or len(digits) > 10 or int(digits) > 2**31 - 1:
        return 0
    return int(digits)


# --- chasing -------------------------------------------------------------------------------------

class ChaseSerializer(serializers.ModelSerializer):
    target_name = serializers.SerializerMethodField()
    created_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Chase
        fields = ["id", "incoming", "number", "kind", "text", "target", "target_name", "created_by",
                  "created_by_name", "created_at", "acknowledged_at", "acknowledgement"]
        read_only_fields = fields

    def get_target_name(self, obj) -> str:
        return obj.target.get_full_name() or obj.target.username

    def get_created_by_name(self, obj) -> str:
        return obj.created_by.get_full_name() or obj.created_by.username


class ChaseInput(serializers.Serializer):
    incoming = ID
    kind = serializers.ChoiceField(choices=ChaseKind.choices)
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    target = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, allow_null=True, default=None,
                                      help_text="User id of an active handler; the main handler if left out")


class ChaseAckInput(serializers.Serializer):
    answer = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


CHASE_FILTERS = [
    OpenApiParameter("incoming", int, description="Only the chases of this incoming record"),
    OpenApiParameter("mine", bool, description="Only the chases addressed to you"),
    OpenApiParameter("acknowledged", bool, description="true: acknowledged; false: still waiting"),
]


@extend_schema_view(list=extend_schema(summary="Chases (đôn đốc) of the incoming documents you may read",
                                       parameters=CHASE_FILTERS),
                    retrieve=extend_schema(summary="A chase"))
class ChaseViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Đôn đốc: a leader or the office chases a handler (nhắc nhở, phê bình, kiểm điểm); the handler acknowledges."""

    serializer_class = ChaseSerializer
    pagination_class = cursor_pagination("-id")
    parser_classes = [BoundedJSONParser]
    required_scopes = {"list": Scope.DOCUMENTS_READ, "retrieve": Scope.DOCUMENTS_READ, "create": Scope.INBOX_ACT,
                       "acknowledge": Scope.INBOX_ACT}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Chase.objects.none()
        user = self.request.user
        qs = Chase.objects.filter(incoming__in=incoming_visible_to(user=user).values("pk")).select_related(
            "target", "created_by")
        if self.action == "list":
            incoming = _int_param(self.request, "incoming")
            if incoming is not None:
                qs = qs.filter(incoming_id=incoming)
            if _flag(self.request.query_params.get("mine"), "mine"):
                qs = qs.filter(target=user)
            acknowledged = _flag(self.request.query_params.get("acknowledged"), "acknowledged")
            if acknowledged is not None:
                qs = qs.filter(acknowledged_at__isnull=not acknowledged)
        return qs

    @extend_schema(summary="Chase the handler of an open incoming document (numbered per record)",
                   request=ChaseInput, responses={201: ChaseSerializer}, parameters=[IDEMPOTENCY_PARAM])
    @idempotent
    def create(self, request):
        inp = ChaseInput(data=request.data)
        inp.is_valid(raise_exception=True)
        data = inp.validated_data
        rec = _visible_record(request, data["incoming"])
        target = None
        if data["target"] is not None:
            target = get_user_model().objects.filter(pk=data["target"]).first()
            if target is None:
                raise exceptions.ValidationError({"target": [_("Only a handler assigned to this document can be "
                                                               "chased.")]})
        chase = services.chase_send(incoming=rec, acting_user=request.user, kind=data["kind"], text=data["text"],
                                    target=target)
        return Response(ChaseSerializer(self.get_queryset().get(pk=chase.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Acknowledge a chase addressed to you (optionally with an answer)",
                   request=ChaseAckInput, responses=ChaseSerializer, parameters=[IDEMPOTENCY_PARAM])
    @action(detail=True, methods=["post"])
    @idempotent
    def acknowledge(self, request, pk=None):
        inp = ChaseAckInput(data=request.data)
        inp.is_valid(raise_exception=True)
        chase = services.chase_acknowledge(chase=self.get_object(), acting_user=request.user,
                                           answer=inp.validated_data["answer"])
        return Response(ChaseSerializer(self.get_queryset().get(pk=chase.pk)).data)


# --- deadline extensions -------------------------------------------------------------------------

class ExtensionSerializer(serializers.ModelSerializer):
    handler_role = serializers.CharField(source="assignment.role", read_only=True)
    # the decider's words as written, or the portal's own note in the language of Accept-Language
    decision_note = serializers.CharField(source="decision_note_display", read_only=True)

    class Meta:
        model = DeadlineExtension
        fields = ["id", "incoming", "assignment", "handler_role", "requested_by", "requested_at", "reason",
                  "old_deadline", "requested_deadline", "state", "decided_by", "decided_at", "new_deadline",
                  "decision_note", "decision_note_code"]
        read_only_fields = fields


class ExtensionInput(serializers.Serializer):
    incoming = ID
    deadline = serializers.DateField(help_text="The later deadline asked for")
    reason = serializers.CharField(max_length=500)


class ExtensionDecideInput(serializers.Serializer):
    grant = serializers.BooleanField()
    deadline = serializers.DateField(required=False, allow_null=True, default=None,
                                     help_text="Granted deadline (the requested one if left out)")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500,
                                 help_text="Required when refusing")


@extend_schema_view(list=extend_schema(summary="Deadline extension requests of the incoming documents you may read",
                                       parameters=[OpenApiParameter("incoming", int),
                                                   OpenApiParameter("state", str, enum=ExtensionState.values)]),
                    retrieve=extend_schema(summary="An extension request"))
class ExtensionViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A handler asks for more time with a reason; the assigner (or a leader) grants a new deadline or refuses."""

    serializer_class = ExtensionSerializer
    pagination_class = cursor_pagination("-id")
    parser_classes = [BoundedJSONParser]
    required_scopes = {"list": Scope.DOCUMENTS_READ, "retrieve": Scope.DOCUMENTS_READ, "create": Scope.INBOX_ACT,
                       "decide": Scope.INBOX_ACT}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DeadlineExtension.objects.none()
        qs = DeadlineExtension.objects.filter(
            incoming__in=incoming_visible_to(user=self.request.user).values("pk")).select_related("assignment")
        if self.action == "list":
            incoming = _int_param(self.request, "incoming")
            if incoming is not None:
                qs = qs.filter(incoming_id=incoming)
            state = self.request.query_params.get("state")
            if state:
                if state not in ExtensionState.values:
                    raise exceptions.ValidationError({"state": [_("Unknown state.")]})
                qs = qs.filter(state=state)
        return qs

    @extend_schema(summary="Ask for a later deadline on your own assignment", request=ExtensionInput,
                   responses={201: ExtensionSerializer}, parameters=[IDEMPOTENCY_PARAM])
    @idempotent
    def create(self, request):
        inp = ExtensionInput(data=request.data)
        inp.is_valid(raise_exception=True)
        data = inp.validated_data
        ext = services.extension_request(incoming=_visible_record(request, data["incoming"]), acting_user=request.user,
                                         deadline=data["deadline"], reason=data["reason"])
        return Response(ExtensionSerializer(self.get_queryset().get(pk=ext.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Grant (new deadline) or refuse (with a reason) an extension request",
                   request=ExtensionDecideInput, responses=ExtensionSerializer, parameters=[IDEMPOTENCY_PARAM])
    @action(detail=True, methods=["post"])
    @idempotent
    def decide(self, request, pk=None):
        inp = ExtensionDecideInput(data=request.data)
        inp.is_valid(raise_exception=True)
        data = inp.validated_data
        ext = services.extension_decide(extension=self.get_object(), acting_user=request.user, grant=data["grant"],
                                        deadline=data["deadline"], note=data["note"])
        return Response(ExtensionSerializer(self.get_queryset().get(pk=ext.pk)).data)


# --- content search and saved searches -------------------------------------------------------------

class SearchInput(serializers.Serializer):
    unit = serializers.CharField(required=False, max_length=40, help_text="Code of the unit you search in")
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                              help_text="Words (diacritics optional: 'cong van' finds 'công văn'); all must occur")
    direction = serializers.ChoiceField(choices=["", "incoming", "outgoing"], required=False, default="")
    date_from = serializers.DateField(required=False, allow_null=True, default=None)
    date_to = serializers.DateField(required=False, allow_null=True, default=None)
    ordering = serializers.ChoiceField(choices=list(SEARCH_ORDERINGS), required=False, default="relevance")
    saved = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1,
                                     help_text="Run one of your saved searches (its words, filters and ordering)")


class SnippetPartSerializer(serializers.Serializer):
    text = serializers.CharField()
    match = serializers.BooleanField()


class SearchDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    owner_unit = serializers.CharField(source="owner_unit.code")
    owner_unit_name = serializers.CharField(source="owner_unit.name")
    doc_type = serializers.CharField()
    number_notation = serializers.CharField()
    subject = serializers.CharField()
    signer_name = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)


class SearchRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    incoming_number = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)


class SearchResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    direction = serializers.SerializerMethodField()
    at = serializers.DateTimeField()
    rank = serializers.FloatField()
    document = SearchDocumentSerializer()
    incoming = SearchRecordSerializer(allow_null=True)
    snippet = serializers.SerializerMethodField()

    def get_direction(self, obj) -> str:
        return "incoming" if obj.incoming_id else "outgoing"

    @extend_schema_field(SnippetPartSerializer(many=True))
    def get_snippet(self, obj) -> list[dict]:
        return [{"text": part, "match": hl} for part, hl in getattr(obj, "snippet", []) or []]


def _unit_of(request, code: str | None) -> Unit:
    """The unit a call acts in (the API client's own, else the given code among the caller's units)."""
    try:
        return _acting_unit(request, code)
    except exceptions.ValidationError as exc:
        raise exceptions.ValidationError({"unit": exc.detail.get("owner_unit", [])}) from None


def _search_params(data: dict, saved: SavedSearch | None) -> SearchParams:
    if saved is not None:
        p = saved.params
        return SearchParams(q=p.get("q", ""), direction=p.get("direction", ""), date_from=p.get("date_from") or None,
                            date_to=p.get("date_to") or None, ordering=saved.ordering, columns=saved.columns)
    return SearchParams(q=data["q"], direction=data["direction"], date_from=data["date_from"],
                        date_to=data["date_to"], ordering=data["ordering"])


@extend_schema_view(list=extend_schema(
    summary="Search the unit's documents: subject, number, signer, sender and the files' text",
    description="Per unit only (never another unit's documents); a specialist finds the unit's outgoing documents "
                "and the records assigned to them. Ordered by relevance (matches in the subject, number, signer "
                "or sender first), newest or oldest; the cursor follows the ordering. With relevance, the newest "
                "SEARCH_RANK_WINDOW matches (2,000 by default) are ranked: refine the words or the dates to reach "
                "older ones, or order by date.",
    parameters=[SearchInput]))
class SearchViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SearchResultSerializer
    pagination_class = cursor_pagination(*SEARCH_ORDERINGS["newest"])
    required_scopes = {"list": Scope.DOCUMENTS_READ}

    def get_queryset(self):
        return SearchEntry.objects.none()

    def list(self, request):
        inp = SearchInput(data=request.query_params)
        inp.is_valid(raise_exception=True)
        data = inp.validated_data
        unit = _unit_of(request, data.get("unit"))
        saved = None
        if data.get("saved"):
            saved = get_object_or_404(SavedSearch, pk=data["saved"], user=request.user, unit=unit)
        params = _search_params(data, saved)
        words = search_query_words(params.q)
        if not (words or params.direction or params.date_from or params.date_to):
            raise exceptions.ValidationError({"q": [_("Give words to search for, or a filter.")]})
        self._paginator = cursor_pagination(*SEARCH_ORDERINGS[params.ordering])()
        page = self.paginate_queryset(services.search_entries(user=request.user, unit=unit, params=params))
        services.search_attach_snippets(page, words)
        return self.get_paginated_response(SearchResultSerializer(page, many=True).data)


class SavedSearchSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = SavedSearch
        fields = ["id", "unit", "name", "params", "columns", "ordering", "created_at"]
        read_only_fields = fields


class SavedSearchInput(serializers.Serializer):
    unit = serializers.CharField(required=False, max_length=40, help_text="Code of the unit you search in")
    name = serializers.CharField(max_length=100, help_text="Saving again under the same name replaces it")
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    direction = serializers.ChoiceField(choices=["", "incoming", "outgoing"], required=False, default="")
    date_from = serializers.DateField(required=False, allow_null=True, default=None)
    date_to = serializers.DateField(required=False, allow_null=True, default=None)
    columns = serializers.ListField(child=serializers.ChoiceField(choices=list(SEARCH_COLUMNS)), required=False,
                                    default=list, max_length=len(SEARCH_COLUMNS))
    ordering = serializers.ChoiceField(choices=list(SEARCH_ORDERINGS), required=False, default="relevance")


@extend_schema_view(list=extend_schema(summary="Your saved searches",
                                       parameters=[OpenApiParameter("unit", str, description="Only in this unit")]),
                    retrieve=extend_schema(summary="A saved search"),
                    destroy=extend_schema(summary="Delete a saved search"))
class SavedSearchViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                         viewsets.GenericViewSet):
    """Saved queries per user and unit: words, filters, result columns and ordering (run with ``/search/?saved=``)."""

    serializer_class = SavedSearchSerializer
    pagination_class = cursor_pagination("-id")
    parser_classes = [BoundedJSONParser]
    required_scopes = {"*": Scope.DOCUMENTS_READ}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SavedSearch.objects.none()
        qs = SavedSearch.objects.filter(user=self.request.user).select_related("unit")
        code = self.request.query_params.get("unit") if self.action == "list" else None
        return qs.filter(unit__code=code) if code else qs

    @extend_schema(summary="Save a search (or replace the one of the same name)", request=SavedSearchInput,
                   responses={201: SavedSearchSerializer})
    def create(self, request):
        inp = SavedSearchInput(data=request.data)
        inp.is_valid(raise_exception=True)
        data = inp.validated_data
        saved = services.saved_search_save(
            user=request.user, unit=_unit_of(request, data.get("unit")), name=data["name"],
            params={"q": data["q"], "direction": data["direction"],
                    "date_from": data["date_from"].isoformat() if data["date_from"] else "",
                    "date_to": data["date_to"].isoformat() if data["date_to"] else ""},
            columns=data["columns"], ordering=data["ordering"])
        return Response(SavedSearchSerializer(saved).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.saved_search_delete(saved=instance, user=self.request.user)


# --- reports -------------------------------------------------------------------------------------

class ReportInput(serializers.Serializer):
    unit = serializers.CharField(required=False, max_length=40, help_text="Code of the unit whose report you read")
    start = serializers.DateField(help_text="First day of the period")
    end = serializers.DateField(help_text="Last day of the period")
    group = serializers.ChoiceField(choices=["unit", "division", "handler"], required=False, default="unit",
                                    help_text="Incoming report: one row per unit, lead division or main handler")
    scope = serializers.ChoiceField(choices=["unit", "province"], required=False, default="unit",
                                    help_text="province: every unit under the provincial committee (its leaders "
                                              "and office)")


def _row_serializer(name: str, metrics, floats=()):
    fields = {"key": serializers.IntegerField(allow_null=True, help_text="Unit, division or user id"),
              "label": serializers.CharField()}
    for k in metrics:
        fields[k] = serializers.FloatField(allow_null=True) if k in floats else serializers.IntegerField()
    return type(name, (serializers.Serializer,), fields)


IncomingRowSerializer = _row_serializer("IncomingReportRow", INCOMING_METRICS, floats=("avg_days",))
OutgoingRowSerializer = _row_serializer("OutgoingReportRow", OUTGOING_METRICS)


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    as_of = serializers.DateField(help_text="The day 'overdue' is judged on: the period's end, or today if earlier")


class ConnectionRowSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    total = serializers.IntegerField()
    sending = serializers.IntegerField()
    receiving = serializers.IntegerField()
    connected = serializers.IntegerField()


class IncomingReportSerializer(serializers.Serializer):
    period = PeriodSerializer()
    group = serializers.CharField()
    rows = IncomingRowSerializer(many=True)
    total = IncomingRowSerializer()


class OutgoingReportSerializer(serializers.Serializer):
    period = PeriodSerializer()
    rows = OutgoingRowSerializer(many=True)
    total = OutgoingRowSerializer()
    connection = ConnectionRowSerializer(many=True, allow_null=True,
                                         help_text="Province scope: which units exchanged electronically, per kind")


class ReportViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """The reports on handling incoming and outgoing documents (NĐ 30 Phụ lục VI, V), as on /reports/."""

    required_scopes = {"*": Scope.DOCUMENTS_READ}
    pagination_class = None
    serializer_class = ReportInput

    def _prepare(self, request):
        inp = ReportInput(data=request.query_params)
        inp.is_valid(raise_exception=True)
        data = inp.validated_data
        unit = _unit_of(request, data.get("unit"))
        unit_ids = services.report_units_for(user=request.user, unit=unit, scope=data["scope"])
        return unit, data, unit_ids, services.ReportPeriod.of(data["start"], data["end"])

    @extend_schema(summary="Report on handling incoming documents", parameters=[ReportInput],
                   responses=IncomingReportSerializer)
    @action(detail=False, methods=["get"])
    def incoming(self, request):
        unit, data, unit_ids, period = self._prepare(request)
        report = services.incoming_report(period=period, unit_ids=unit_ids, group=data["group"])
        report["total"]["key"] = None
        return Response(IncomingReportSerializer(report).data)

    @extend_schema(summary="Report on handling outgoing documents (with the connection table province-wide)",
                   parameters=[ReportInput], responses=OutgoingReportSerializer)
    @action(detail=False, methods=["get"])
    def outgoing(self, request):
        unit, data, unit_ids, period = self._prepare(request)
        report = services.outgoing_report(period=period, unit_ids=unit_ids)
        report["total"]["key"] = None
        report["connection"] = (services.connection_report(period=period, root=unit)
                                if data["scope"] == "province" else None)
        return Response(OutgoingReportSerializer(report).data)
