"""Admin of the federation: peer systems (edited by administrators) and the logs of packages."""
from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.core.admin import ReadOnlyAdmin

from .models import InboundPackage, Peer, PullItem, StatusOutbox


class PeerForm(forms.ModelForm):
    """The HMAC secrets are write-only: typed once, never shown again (empty keeps the stored one)."""

    inbound_secret = forms.CharField(label=_("secret of its requests"), required=False, strip=True,
                                     widget=forms.PasswordInput(render_value=False),
                                     help_text=_("Stored encrypted and never shown; leave empty to keep it."))
    outbound_secret = forms.CharField(label=_("secret of our requests"), required=False, strip=True,
                                      widget=forms.PasswordInput(render_value=False),
                                      help_text=_("Stored encrypted and never shown; leave empty to keep it."))

    class Meta:
        model = Peer
        fields = "__all__"

    def _keep(self, name):
        value = self.cleaned_data.get(name)
        return value or (getattr(self.instance, name) if self.instance.pk else "")

    def clean_inbound_secret(self):
        return self._keep("inbound_secret")

    def clean_outbound_secret(self):
        return self._keep("outbound_secret")


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin):
    """Peer systems (other portals, the LGSP, the national axis): edited by administrators."""

    form = PeerForm

    list_display = ["code", "name", "base_url", "mode", "enabled", "require_signature"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a peer is reached over HTTPS
    list_filter = ["mode", "enabled"]
    search_fields = ["code", "name", "base_url"]
    readonly_fields = ["stream_lease_until", "stream_owner", "created_at"]


@admin.register(InboundPackage)
class InboundPackageAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "peer", "kind", "document_id", "status_code", "result", "code"]
    list_filter = ["result", "kind", "peer"]
    search_fields = ["document_id", "consignment_id", "message"]
    list_select_related = ["peer"]


admin.site.register([StatusOutbox, PullItem], ReadOnlyAdmin)
