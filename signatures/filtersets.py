"""FilterSets of the signatures app (the API's certificate list; the admin uses the same search key)."""
import django_filters
from django.utils.translation import gettext_lazy as _

from egov.core.text import search_key

from .models import Certificate

__all__ = ["CertificateFilterSet"]


class CertificateFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    sha256 = django_filters.CharFilter(lookup_expr="iexact", label=_("SHA-256 fingerprint"))
    serial = django_filters.CharFilter(field_name="serial_hex", lookup_expr="iexact", label=_("Serial number"))
    is_ca = django_filters.BooleanFilter(label=_("CA certificate"))

    class Meta:
        model = Certificate
        fields = ["q", "sha256", "serial", "is_ca"]

    def filter_q(self, queryset, name, value):
        key = search_key(value or "")
        return queryset.filter(search_text__contains=key) if key else queryset
