"""Cursor pagination: stable under inserts (no duplicates, no gaps), constant cost on deep pages."""
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-pk",)

    def get_page_size(self, request):
        """``page_size``: an integer from 1 to ``max_page_size`` (as the schema says), given once; else 400."""
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        if len(values) > 1 or not values[0].isascii() or not values[0].isdigit() \
                or not 1 <= int(values[0]) <= self.max_page_size:
            raise exceptions.ValidationError({self.page_size_query_param: [
                _("page_size must be a whole number from 1 to %(max)d.") % {"max": self.max_page_size}]})
        return int(values[0])

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters


def cursor_pagination(*ordering: str) -> type[ApiCursorPagination]:
    """A paginator ordered like the list's index, e.g. ``cursor_pagination("-arrived_at", "-id")``."""
    return type("CursorPagination", (ApiCursorPagination,), {"ordering": ordering})
