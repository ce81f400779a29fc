"""Forms of the signatures app (admin pages)."""
import base64

from django import forms
from django.utils.translation import gettext_lazy as _

from .services.parsing import TrustMaterialError
from .services.trust import anchor_preview


class TrustAnchorAddForm(forms.Form):
    """
    Two steps: upload the root certificate and see its fingerprint; then type (or paste) the
    SHA-256 fingerprint published by the CA to confirm. Nothing is saved before step two.
    """

    certificate = forms.FileField(label=_("Root certificate (PEM or DER)"), required=False)
    der_b64 = forms.CharField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Name"), max_length=255, required=False)
    confirmed_sha256 = forms.CharField(
        label=_("SHA-256 fingerprint published by the CA"), required=False,
        help_text=_("Compare with the fingerprint shown above and type it to confirm."),
    )

    def clean(self):
        data = super().clean()
        upload = data.get("certificate")
        raw = upload.read() if upload else base64.b64decode(data.get("der_b64") or "")
        if not raw:
            raise forms.ValidationError(_("Choose the root certificate file."))
        try:
            data["preview"] = anchor_preview(data=raw)
        except TrustMaterialError as exc:
            raise forms.ValidationError(str(exc)) from exc
        data["raw"] = raw
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django documentation pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class CertificateImportForm(forms.Form):
    files = MultipleFileField(label=_("Certificate files (PEM, DER, PKCS#7 bundles)"))


class RevocationListUploadForm(forms.Form):
    crl = forms.FileField(label=_("CRL file (PEM or DER)"))


class ExpiresWithinForm(forms.Form):
    days = forms.IntegerField(min_value=0, max_value=3650, required=False)
