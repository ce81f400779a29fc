"""Forms of the signatures app (admin pages)."""
import base64

from django import forms
from django.utils.translation import gettext_lazy as _

from egov.core.forms import MultipleFileField

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


class CertificateImportForm(forms.Form):
    files = MultipleFileField(label=_("Certificate files (PEM, DER, PKCS#7 bundles)"))


class RevocationListUploadForm(forms.Form):
    crl = forms.FileField(label=_("CRL file (PEM or DER)"))


class ExpiresWithinForm(forms.Form):
    days = forms.IntegerField(min_value=0, max_value=3650, required=False)
