"""
Forms of the browser UI. They only check the shape of the input; every rule of the domain is
checked by the services, whose errors (``ServiceError.field``) are put next to the field.
"""
from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from egov.core.forms import MultipleFileField
from units.models import Unit

from .choices import AttachmentKind, DocumentType, RequestKind, Urgency

DATE_INPUTS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]


class DateInput(forms.DateInput):
    """
    Dates are typed and shown dd/mm/yyyy whatever the browser's locale (a native date input
    shows mm/dd/yyyy in an English browser): a text input with a pattern, and the portal's
    small calendar (egov/static/egov/egov.js, no CDN) attached to ``data-datepicker``.
    """

    input_type = "text"

    def __init__(self, attrs=None, **kwargs):
        attrs = {"class": "date", "inputmode": "numeric", "autocomplete": "off", "placeholder": _("dd/mm/yyyy"),
                 "pattern": r"\d{1,2}[\/.\-]\d{1,2}[\/.\-]\d{4}", "title": _("Day/month/year, e.g. 05/03/2026"),
                 "data-datepicker": "", **(attrs or {})}
        super().__init__(attrs=attrs, format="%d/%m/%Y", **kwargs)


def add_service_error(form: forms.Form, exc) -> None:
    """Show a ServiceError next to its field (or at the top of the form)."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


class DocumentForm(forms.Form):
    """Draft of an outgoing document (văn bản đi)."""

    doc_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices, initial=DocumentType.CONG_VAN)
    notation_suffix = forms.CharField(label=_("Drafting unit or field"), max_length=20, required=False,
                                      help_text=_("Last part of the notation, e.g. VP in 05/SNV-VP; required for "
                                                  "official letters."))
    # No maxlength attribute: the browser would cut a pasted subject silently. A live counter
    # (data-maxchars) shows the length and the server refuses, with the count, over 500.
    subject = forms.CharField(label=_("Subject (trích yếu)"), widget=forms.Textarea(attrs={"rows": 2,
                                                                                        "data-maxchars": 500}))
    signer_name = forms.CharField(label=_("Signer"), max_length=100, required=False,
                                  help_text=_("Required to issue the document; a draft may be saved without."))
    signer_position = forms.CharField(label=_("Signer's position"), max_length=100, required=False)
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Urgency.choices, coerce=int, initial=Urgency.NORMAL)
    due_date = forms.DateField(label=_("Due date"), required=False, input_formats=DATE_INPUTS, widget=DateInput())
    recipients_text = forms.CharField(label=_("Recipients as printed (nơi nhận)"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    main_file = forms.FileField(label=_("Main file (PDF)"), required=False)
    appendices = MultipleFileField(label=_("Appendices"), required=False)

    DOCUMENT_FIELDS = ("doc_type", "notation_suffix", "subject", "signer_name", "signer_position", "urgency",
                       "due_date", "recipients_text")

    SUBJECT_MAX = 500

    def clean_subject(self):
        subject = self.cleaned_data["subject"]
        if len(subject) > self.SUBJECT_MAX:
            raise forms.ValidationError(
                _("The subject has %(n)d characters; at most %(max)d are allowed. Shorten it: nothing has been cut.")
                % {"n": len(subject), "max": self.SUBJECT_MAX}, code="max_length")
        return subject

    def document_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.DOCUMENT_FIELDS}

    def uploads(self) -> list[tuple[object, str]]:
        out = []
        if self.cleaned_data.get("main_file"):
            out.append((self.cleaned_data["main_file"], AttachmentKind.MAIN))
        out += [(f, AttachmentKind.APPENDIX) for f in self.cleaned_data.get("appendices") or []]
        return out


class SendForm(forms.Form):
    """Recipients: single units (tree, type-ahead) and groups."""

    units = forms.ModelMultipleChoiceField(label=_("Units"), queryset=Unit.objects.all(), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    groups = forms.MultipleChoiceField(label=_("Groups"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, group_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = list(group_choices)

    def clean(self):
        data = super().clean()
        if not data.get("units") and not data.get("groups"):
            raise forms.ValidationError(_("Choose at least one recipient."), code="no_recipient")
        return data


class ActionForm(forms.Form):
    """
    A form of the record page, which shows several at once: each gets its own id prefix
    (``id_progress_note``, ``id_finish_note``) so that no two fields share an id and every label
    focuses its own box. Field names, and so the posted data, are unchanged.
    """

    id_prefix = "action"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class RejectForm(ActionForm):
    id_prefix = "reject"
    reason = forms.CharField(label=_("Reason for rejection"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(ActionForm):
    id_prefix = "assign"
    main_handler = forms.ModelChoiceField(label=_("Main handler"), queryset=get_user_model().objects.none())
    co_handlers = forms.ModelMultipleChoiceField(label=_("Co-handlers"), queryset=get_user_model().objects.none(),
                                                 required=False, widget=forms.CheckboxSelectMultiple)
    readers = forms.ModelMultipleChoiceField(label=_("For information"), queryset=get_user_model().objects.none(),
                                             required=False, widget=forms.CheckboxSelectMultiple)
    deadline = forms.DateField(label=_("Deadline"), required=False, input_formats=DATE_INPUTS, widget=DateInput())
    instruction = forms.CharField(label=_("Instruction"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("main_handler", "co_handlers", "readers"):
            self.fields[name].queryset = staff if staff is not None else get_user_model().objects.none()
            self.fields[name].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class ProgressForm(ActionForm):
    id_prefix = "progress"
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100, required=False)


class FinishForm(ActionForm):
    id_prefix = "finish"
    note = forms.CharField(label=_("Result"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OpinionForm(ActionForm):
    """A co-handler's opinion for the main handler (ý kiến phối hợp)."""

    id_prefix = "opinion"
    text = forms.CharField(label=_("Your opinion"), widget=forms.Textarea(attrs={"rows": 3}))


class BulkForm(ActionForm):
    """The inbox's bulk bar: what to do with the ticked records (the ids are posted as ``ids``)."""

    id_prefix = "bulk"
    action = forms.ChoiceField(label=_("Action"), choices=[("accept", _("Accept into the register")),
                                                          ("assign", _("Assign")), ("finish", _("Mark as done"))])
    main_handler = forms.ModelChoiceField(label=_("Main handler"), queryset=get_user_model().objects.none(),
                                          required=False)
    deadline = forms.DateField(label=_("Deadline"), required=False, input_formats=DATE_INPUTS, widget=DateInput())
    instruction = forms.CharField(label=_("Instruction"), required=False, max_length=1000)
    note = forms.CharField(label=_("Result"), required=False, max_length=1000)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["main_handler"].queryset = staff if staff is not None else get_user_model().objects.none()
        self.fields["main_handler"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class AnswerRequestForm(ActionForm):
    id_prefix = "answer"
    agree = forms.TypedChoiceField(label=_("Answer"), coerce=lambda v: v == "1",
                                   choices=[("1", _("Agree")), ("0", _("Refuse"))], widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class DispatchRequestForm(ActionForm):
    """The sender asks one recipient to give a document back or to take an update (edXML 13)."""

    id_prefix = "request"

    dispatch = forms.ModelChoiceField(label=_("Recipient"), queryset=None)
    kind = forms.ChoiceField(label=_("Request"), choices=RequestKind.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args, dispatches=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dispatch"].queryset = dispatches
        self.fields["dispatch"].label_from_instance = lambda d: d.recipient.name


class SavedListForm(forms.Form):
    """A saved recipient list: a name and units picked with the same tree and type-ahead as sending."""

    name = forms.CharField(label=_("Name of the list"), max_length=200)
    units = forms.ModelMultipleChoiceField(label=_("Units"), queryset=Unit.objects.all(), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    groups = forms.MultipleChoiceField(required=False, choices=())  # the picker's group boxes are not offered here
