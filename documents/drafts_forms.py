"""Forms of the draft pages, the division assignment and the comment answers (shape only; the services decide)."""
from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from units.models import Division, Unit

from .choices import CommentVerdict, DocumentType
from .forms import DATE_INPUTS, DateInput
from .services.drafts import FORM_CHECKLIST

COMPETENCES = [("", _("In own name")), ("TM", "TM."), ("KT", "KT."), ("TL", "TL."), ("TUQ", "TUQ."), ("Q", "Q.")]


def _people(field):
    field.label_from_instance = lambda u: u.get_full_name() or u.get_username()
    return field


class DraftForm(forms.Form):
    doc_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices, initial=DocumentType.CONG_VAN)
    subject = forms.CharField(label=_("Subject (trích yếu)"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    division = forms.ModelChoiceField(label=_("Drafting division"), queryset=Division.objects.none(), required=False)
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=[(0, _("Normal")), (1, _("Urgent")),
                                                                  (2, _("Very urgent"))], coerce=int, initial=0)
    recipients_text = forms.CharField(label=_("Recipients as printed (nơi nhận)"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label=_("Draft file (PDF)"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit is not None:
            self.fields["division"].queryset = Division.objects.filter(unit=unit, is_active=True)


class VersionForm(forms.Form):
    file = forms.FileField(label=_("New version (PDF)"))
    note = forms.CharField(label=_("What changed"), required=False, max_length=500)


class SubmitForm(forms.Form):
    signer = _people(forms.ModelChoiceField(label=_("Signer"), queryset=get_user_model().objects.none()))
    competence = forms.ChoiceField(label=_("Signs as"), choices=COMPETENCES, required=False)
    on_behalf_of = _people(forms.ModelChoiceField(label=_("For (KT./TL./TUQ.)"),
                                                  queryset=get_user_model().objects.none(), required=False))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, staff=None, leaders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signer"].queryset = staff if staff is not None else get_user_model().objects.none()
        self.fields["on_behalf_of"].queryset = leaders if leaders is not None else get_user_model().objects.none()


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    checklist = forms.MultipleChoiceField(label=_("Form (NĐ 30 Phụ lục I)"), required=False,
                                          choices=list(FORM_CHECKLIST.items()), widget=forms.CheckboxSelectMultiple)


class ReturnForm(forms.Form):
    note = forms.CharField(label=_("What must change"), widget=forms.Textarea(attrs={"rows": 2}))


class SignForm(forms.Form):
    pin = forms.CharField(label=_("PIN of your token"), max_length=64,
                          widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))


class CommentRequestForm(forms.Form):
    users = _people(forms.ModelMultipleChoiceField(label=_("People"), queryset=get_user_model().objects.none(),
                                                   required=False, widget=forms.CheckboxSelectMultiple))
    units = forms.ModelMultipleChoiceField(label=_("Other units"), queryset=Unit.objects.none(), required=False,
                                           widget=forms.SelectMultiple(attrs={"size": 6}))
    deadline = forms.DateField(label=_("Answer by"), input_formats=DATE_INPUTS, widget=DateInput())
    message = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, staff=None, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = staff if staff is not None else get_user_model().objects.none()
        self.fields["units"].queryset = units if units is not None else Unit.objects.none()


class ExtendForm(forms.Form):
    deadline = forms.DateField(label=_("New deadline"), input_formats=DATE_INPUTS, widget=DateInput())


class AnswerForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Your opinion"), choices=CommentVerdict.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Required unless you agree."))
    file = forms.FileField(label=_("File (optional)"), required=False)


class DivisionAssignForm(forms.Form):
    lead_division = forms.ModelChoiceField(label=_("Lead division (chủ trì)"), queryset=Division.objects.none())
    co_divisions = forms.ModelMultipleChoiceField(label=_("Co-handling divisions (phối hợp)"),
                                                  queryset=Division.objects.none(), required=False,
                                                  widget=forms.CheckboxSelectMultiple)
    info_divisions = forms.ModelMultipleChoiceField(label=_("For information (để biết)"),
                                                    queryset=Division.objects.none(), required=False,
                                                    widget=forms.CheckboxSelectMultiple)
    deadline = forms.DateField(label=_("Deadline of the lead division"), required=False, input_formats=DATE_INPUTS,
                               widget=DateInput())
    co_deadline = forms.DateField(label=_("Deadline of the co-handling divisions"), required=False,
                                  input_formats=DATE_INPUTS, widget=DateInput())
    instruction = forms.CharField(label=_("Leader's instruction"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Division.objects.filter(unit=unit, is_active=True) if unit is not None else Division.objects.none()
        for name in ("lead_division", "co_divisions", "info_divisions"):
            self.fields[name].queryset = qs


class HandOnForm(forms.Form):
    main_handler = _people(forms.ModelChoiceField(label=_("Main handler"), queryset=get_user_model().objects.none(),
                                                  required=False))
    co_handlers = _people(forms.ModelMultipleChoiceField(label=_("Co-handlers"),
                                                         queryset=get_user_model().objects.none(), required=False,
                                                         widget=forms.CheckboxSelectMultiple))
    readers = _people(forms.ModelMultipleChoiceField(label=_("For information"),
                                                     queryset=get_user_model().objects.none(), required=False,
                                                     widget=forms.CheckboxSelectMultiple))
    deadline = forms.DateField(label=_("Deadline"), required=False, input_formats=DATE_INPUTS, widget=DateInput())
    note = forms.CharField(label=_("Division head's instruction"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("main_handler", "co_handlers", "readers"):
            self.fields[name].queryset = members if members is not None else get_user_model().objects.none()


class SignatureImageForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("signature", _("Signature image")), ("seal", _("Seal image"))])
    user = _people(forms.ModelChoiceField(label=_("Signer"), queryset=get_user_model().objects.none(),
                                          required=False))
    image = forms.FileField(label=_("PNG with a transparent background"))

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff if staff is not None else get_user_model().objects.none()


class DelegationForm(forms.Form):
    delegate = _people(forms.ModelChoiceField(label=_("Delegate"), queryset=get_user_model().objects.none()))
    kind = forms.ChoiceField(label=_("Kind"), choices=[("KT", "KT."), ("TL", "TL."), ("TUQ", "TUQ.")])
    doc_types = forms.MultipleChoiceField(label=_("Document types (none: every type)"), required=False,
                                          choices=DocumentType.choices, widget=forms.SelectMultiple(attrs={"size": 5}))
    valid_from = forms.DateField(label=_("From"), input_formats=DATE_INPUTS, widget=DateInput())
    valid_to = forms.DateField(label=_("To"), input_formats=DATE_INPUTS, widget=DateInput())
    delegator_title = forms.CharField(label=_("Your title in the signer block"), max_length=100)
    delegate_title = forms.CharField(label=_("The delegate's title"), max_length=100, required=False)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = staff if staff is not None else get_user_model().objects.none()
