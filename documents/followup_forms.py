"""Forms of the follow-up, report and search pages (issue 14)."""
from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ChaseKind
from .forms import DATE_INPUTS, DateInput
from .services.search import SEARCH_COLUMNS, SEARCH_ORDERINGS


class ChaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ChaseKind.choices, initial=ChaseKind.REMINDER)
    target = forms.TypedChoiceField(label=_("Handler"), coerce=int, required=False, choices=())
    text = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, handlers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(u.pk, u.get_full_name() or u.username) for u in handlers]


class ChaseAckForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), required=False, max_length=500)


class ExtensionRequestForm(forms.Form):
    deadline = forms.DateField(label=_("New deadline"), input_formats=DATE_INPUTS, widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecideForm(forms.Form):
    grant = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "1",
                                   choices=[("1", _("Grant")), ("0", _("Refuse"))], widget=forms.RadioSelect)
    deadline = forms.DateField(label=_("Granted deadline"), required=False, input_formats=DATE_INPUTS,
                               widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class AssigneeRemoveForm(forms.Form):
    reason = forms.CharField(label=_("Reason for removal"), max_length=500)


class ReminderPolicyForm(forms.Form):
    days_before = forms.IntegerField(label=_("Remind days before the deadline"), min_value=0, max_value=30)
    every_days_after = forms.IntegerField(label=_("Remind every N days once overdue"), min_value=1, max_value=30)
    enabled = forms.BooleanField(label=_("Reminders on"), required=False)


def _year_start() -> datetime.date:
    return timezone.localdate().replace(month=1, day=1)


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=[("incoming", _("Handling of incoming documents")),
                                                         ("outgoing", _("Handling of outgoing documents"))],
                             initial="incoming")
    start = forms.DateField(label=_("From"), input_formats=DATE_INPUTS, widget=DateInput())
    end = forms.DateField(label=_("To"), input_formats=DATE_INPUTS, widget=DateInput())
    group = forms.ChoiceField(label=_("By"), required=False, initial="unit",
                              choices=[("unit", _("Unit")), ("handler", _("Handler")), ("division", _("Division"))])
    scope = forms.ChoiceField(label=_("Scope"), required=False, initial="unit",
                              choices=[("unit", _("This unit")), ("province", _("Every unit of the province"))])

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("start", _("The period starts after it ends."))
        return data

    @classmethod
    def initial_data(cls) -> dict:
        return {"kind": "incoming", "start": _year_start(), "end": timezone.localdate(), "group": "unit",
                "scope": "unit"}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=200)
    direction = forms.ChoiceField(label=_("Direction"), required=False,
                                  choices=[("", _("Incoming and outgoing")), ("incoming", _("Incoming")),
                                           ("outgoing", _("Outgoing"))])
    date_from = forms.DateField(label=_("From"), required=False, input_formats=DATE_INPUTS, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, input_formats=DATE_INPUTS, widget=DateInput())
    ordering = forms.ChoiceField(label=_("Order"), required=False, initial="relevance",
                                 choices=[("relevance", _("Relevance")), ("newest", _("Newest first")),
                                          ("oldest", _("Oldest first"))])
    columns = forms.MultipleChoiceField(label=_("Columns"), required=False, widget=forms.CheckboxSelectMultiple,
                                        choices=[(k, label) for k, (label, _d) in SEARCH_COLUMNS.items()])

    def clean_ordering(self):
        value = self.cleaned_data.get("ordering") or "relevance"
        return value if value in SEARCH_ORDERINGS else "relevance"


class SavedSearchForm(forms.Form):
    name = forms.CharField(label=_("Name of the search"), max_length=100)
