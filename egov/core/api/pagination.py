"""Cursor pagination: stable under inserts (no duplicates, no gaps), constant cost on deep pages."""
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-pk",)


def cursor_pagination(*ordering: str) -> type[ApiCursorPagination]:
    """A paginator ordered like the list's index, e.g. ``cursor_pagination("-arrived_at", "-id")``."""
    return type("CursorPagination", (ApiCursorPagination,), {"ordering": ordering})
