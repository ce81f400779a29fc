"""Unit directory API: list/search, by code, tree (children, descendants, ancestors), successors."""
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from egov.core.api.pagination import cursor_pagination
from egov.core.api.scopes import Scope
from egov.core.api.views import ApiViewMixin, ETagRetrieveMixin
from units.models import Unit
from units.selectors import MAX_SUCCESSION, unit_ancestors, unit_children, unit_descendants

from ..filtersets import UnitFilterSet
from .serializers import UnitSerializer

UNIT_EXAMPLE = OpenApiExample("Sở Nội vụ", response_only=True, value={
    "id": 7, "code": "000.00.02.H41", "name": "Sở Nội vụ", "short_name": "SNV", "kind": "department",
    "parent": "000.00.00.H41", "depth": 1, "valid_from": None, "valid_to": None, "successor": None,
    "is_active": True, "is_local": True, "address": "", "email": "", "phone": "", "website": ""})


@extend_schema_view(
    list=extend_schema(summary="List or search units", examples=[UNIT_EXAMPLE]),
    retrieve=extend_schema(summary="A unit by its QCVN 102 code", examples=[UNIT_EXAMPLE]),
)
class UnitViewSet(ApiViewMixin, ETagRetrieveMixin, viewsets.ReadOnlyModelViewSet):
    """The unit directory. Closed units are hidden unless ``include_inactive`` or ``active_on`` is given."""

    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z.]{1,13}"
    pagination_class = cursor_pagination("path", "id")
    required_scopes = {"*": Scope.UNITS_READ}

    def get_queryset(self):
        return Unit.objects.select_related("parent", "successor")

    def filter_queryset(self, queryset):
        # A unit is found by its code even after it closed (its successors are asked that way).
        return queryset if self.detail else super().filter_queryset(queryset)

    def _page(self, qs):
        page = self.paginate_queryset(qs.select_related("parent", "successor"))
        return self.get_paginated_response(UnitSerializer(page, many=True).data)

    @extend_schema(summary="Direct children existing today", filters=False)
    @action(detail=True, methods=["get"])
    def children(self, request, code=None):
        return self._page(unit_children(unit=self.get_object(), on=timezone.localdate()))

    @extend_schema(summary="Every unit below, existing today", filters=False)
    @action(detail=True, methods=["get"])
    def descendants(self, request, code=None):
        return self._page(unit_descendants(unit=self.get_object(), on=timezone.localdate()))

    @extend_schema(summary="Ancestors, root first", filters=False, responses=UnitSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def ancestors(self, request, code=None):
        return Response(UnitSerializer(unit_ancestors(unit=self.get_object()), many=True).data)

    @extend_schema(summary="Successor chain after mergers (empty while the unit exists)", filters=False,
                   responses=UnitSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def successors(self, request, code=None):
        chain, current = [], self.get_object()
        seen = {current.pk}
        for _step in range(MAX_SUCCESSION):
            if current.successor_id is None or current.successor_id in seen:
                break
            current = Unit.objects.select_related("parent", "successor").get(pk=current.successor_id)
            seen.add(current.pk)
            chain.append(current)
        return Response(UnitSerializer(chain, many=True).data)
