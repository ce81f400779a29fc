"""
The API's filter backend: django-filter's, with boolean filters read as the schema publishes them
(``true`` or ``false``, given once). django-filter alone takes ``urgent=null`` or a repeated
``urgent`` as "no filter" — a value the schema calls invalid, silently answered with everything.
Date filters likewise: the schema publishes ``format: date`` (an ISO full date), so an API client's
value is one ``YYYY-MM-DD`` that exists; the UI's ``dd/mm/yyyy``, an empty or padded value and a
repeated one are refused (django-filter would take "" as no filter and strip the padding).
"""
from __future__ import annotations

import datetime
import re

import django_filters
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions

__all__ = ["StrictFilterBackend"]

BOOLEAN_VALUES = ("true", "false")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _is_iso_date(value: str) -> bool:
    if not ISO_DATE.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            errors = {}
            for name, field in filterset_class.base_filters.items():
                values = request.query_params.getlist(name)
                if not values:
                    continue
                if isinstance(field, django_filters.BooleanFilter):
                    if len(values) > 1 or values[0].lower() not in BOOLEAN_VALUES:
                        errors[name] = [_("Use true or false.")]
                elif isinstance(field, django_filters.DateFilter):
                    if len(values) > 1 or not _is_iso_date(values[0]):
                        errors[name] = [_("Enter one date as YYYY-MM-DD.")]
            if errors:
                raise exceptions.ValidationError(errors)
        return super().filter_queryset(request, queryset, view)
