"""
FilterSets shared by the HTML lists and the REST API (one class per list, used by both).
Search is diacritic-insensitive: the term is reduced to the same ASCII key as the stored
``search_text`` ("quyet dinh" finds "Quyết định").
"""
import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.models import Unit
from egov.core.text import search_key

from .choices import DeliveryState, DocumentStatus, DocumentType, IncomingStatus, StatusCode, Urgency
from .models import Dispatch, Document, IncomingRecord

# dd/mm/yyyy as the portal's date inputs send it; ISO for the REST API.
DATE_INPUTS = ["%d/%m/%Y", "%Y-%m-%d"]

__all__ = ["IncomingRecordFilterSet", "DocumentFilterSet", "DispatchFilterSet", "search_words"]


class _UnitIdField(forms.ModelChoiceField):
    """A unit id; a whole number that no unit has is no error: it is kept and matches nothing."""

    BIGINT_MAX = 2**63 - 1

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            text = str(value).strip()
            digits = text[1:] if text.startswith("-") else text
            if not (digits.isascii() and digits.isdigit()):
                raise
            number = int(text)
            return number if abs(number) <= self.BIGINT_MAX else 0  # out of the column's range: no unit has it


class UnitChoiceFilter(django_filters.ModelChoiceFilter):
    """
    Filter on a unit by id (the schema says: any integer). An id no unit has gives an empty
    list, as a filter that matches nothing should, instead of a 400 for a well-formed value.
    """

    field_class = _UnitIdField

OPEN_STATUSES = [IncomingStatus.ACCEPTED, IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS]


def search_words(value: str) -> list[str]:
    """The words a search requires, reduced like ``search_text`` (at most 8)."""
    return search_key(value or "").split()[:8]


class SearchMixin:
    def filter_q(self, queryset, name, value):
        # Every word must occur (in any order): "quyet dinh kien toan" finds
        # "Quyết định về việc kiện toàn …". A single word is the plain substring search.
        for word in search_words(value):
            queryset = queryset.filter(search_text__contains=word)
        return queryset


class IncomingRecordFilterSet(SearchMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(choices=IncomingStatus.choices, distinct=False, label=_("Status"))
    urgency = django_filters.MultipleChoiceFilter(choices=Urgency.choices, distinct=False, label=_("Urgency"))
    urgent = django_filters.BooleanFilter(method="filter_urgent", label=_("Urgent only"))
    sender = UnitChoiceFilter(queryset=Unit.objects.all(), label=_("Sender"))
    sender_q = django_filters.CharFilter(method="filter_sender_q", label=_("Sender name or code"))
    arrived_after = django_filters.DateFilter(field_name="arrived_at", lookup_expr="date__gte",
                                              label=_("Arrived from"), input_formats=DATE_INPUTS)
    arrived_before = django_filters.DateFilter(field_name="arrived_at", lookup_expr="date__lte",
                                               label=_("Arrived until"), input_formats=DATE_INPUTS)
    deadline_before = django_filters.DateFilter(field_name="deadline", lookup_expr="lte", label=_("Deadline until"),
                                                input_formats=DATE_INPUTS)
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    handler = django_filters.NumberFilter(method="filter_handler", label=_("Handler"))

    class Meta:
        model = IncomingRecord
        fields = ["q", "status", "urgency", "sender", "sender_q", "arrived_after", "arrived_before",
                  "deadline_before", "overdue", "handler"]

    def filter_sender_q(self, queryset, name, value):
        """Sender by (part of) its name, with or without diacritics, or by its code."""
        term = (value or "").strip()
        if not term:
            return queryset
        return queryset.filter(sender__in=Unit.objects.search(term).values("pk"))

    def filter_urgent(self, queryset, name, value):
        if value is True:
            return queryset.filter(urgency__gte=Urgency.URGENT)
        return queryset

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        if value is True:
            return queryset.filter(status__in=OPEN_STATUSES, deadline__lt=today)
        if value is False:
            return queryset.exclude(status__in=OPEN_STATUSES, deadline__lt=today)
        return queryset

    def filter_handler(self, queryset, name, value):
        if value:
            return queryset.filter(assignments__user_id=value, assignments__is_active=True).distinct()
        return queryset


class DocumentFilterSet(SearchMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(choices=DocumentStatus.choices, distinct=False, label=_("Status"))
    doc_type = django_filters.MultipleChoiceFilter(choices=DocumentType.choices, distinct=False, label=_("Document type"))
    urgency = django_filters.MultipleChoiceFilter(choices=Urgency.choices, distinct=False, label=_("Urgency"))
    issued_after = django_filters.DateFilter(field_name="issued_on", lookup_expr="gte", label=_("Issued from"), input_formats=DATE_INPUTS)
    issued_before = django_filters.DateFilter(field_name="issued_on", lookup_expr="lte", label=_("Issued until"), input_formats=DATE_INPUTS)
    pending_recipients = django_filters.BooleanFilter(method="filter_pending", label=_("Recipients not accepting yet"))

    class Meta:
        model = Document
        fields = ["q", "status", "doc_type", "urgency", "issued_after", "issued_before", "pending_recipients"]

    def filter_pending(self, queryset, name, value):
        if value is True:
            return queryset.filter(dispatches__status_code__in=["", StatusCode.ARRIVED]).distinct()
        return queryset


class DispatchFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=DeliveryState.choices, distinct=False, label=_("Delivery state"))
    status_code = django_filters.MultipleChoiceFilter(choices=StatusCode.choices, distinct=False, label=_("Status"))
    recipient = UnitChoiceFilter(queryset=Unit.objects.all(), label=_("Recipient"))

    class Meta:
        model = Dispatch
        fields = ["state", "status_code", "recipient"]
