"""
The API's filter backend: django-filter's, with boolean filters read as the schema publishes them
(``true`` or ``false``, given once). django-filter alone takes ``urgent=null`` or a repeated
``urgent`` as "no filter" — a value the schema calls invalid, silently answered with everything.
"""
from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions

__all__ = ["StrictFilterBackend"]

BOOLEAN_VALUES = ("true", "false")


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            errors = {}
            for name, field in filterset_class.base_filters.items():
                if not isinstance(field, django_filters.BooleanFilter):
                    continue
                values = request.query_params.getlist(name)
                if values and (len(values) > 1 or values[0].lower() not in BOOLEAN_VALUES):
                    errors[name] = [_("Use true or false.")]
            if errors:
                raise exceptions.ValidationError(errors)
        return super().filter_queryset(request, queryset, view)
