"""FilterSets of the units app (the unit directory in the API and the recipient picker)."""
import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import UnitKind
from .models import Unit


class UnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=UnitKind.choices, distinct=False, label=_("Kind"))
    parent = django_filters.CharFilter(field_name="parent__code", label=_("Parent unit code"))
    active_on = django_filters.DateFilter(method="filter_active_on", label=_("Existing on"))
    include_inactive = django_filters.BooleanFilter(method="filter_noop", label=_("Include closed units"))

    class Meta:
        model = Unit
        fields = ["q", "kind", "parent", "active_on", "include_inactive"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_active_on(self, queryset, name, value):
        return queryset.active(value)

    def filter_noop(self, queryset, name, value):
        return queryset

    @property
    def qs(self):
        qs = super().qs
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        if not data.get("include_inactive") and not data.get("active_on"):
            qs = qs.active(timezone.localdate())
        return qs
