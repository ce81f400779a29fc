"""Admin of the federation: peer systems (edited by administrators) and the logs of packages."""
from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.core.admin import ReadOnlyAdmin

from .models import AxisReceived, AxisSent, HubItem, InboundPackage, Peer, PullItem, StatusOutbox


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

    list_display = ["code", "name", "protocol", "base_url", "mode", "enabled", "require_signature", "poll_last_ok_at",
                    "poll_failures"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a peer is reached over HTTPS
    list_filter = ["protocol", "mode", "enabled"]
    search_fields = ["code", "name", "base_url", "system_id"]
    readonly_fields = ["stream_lease_until", "stream_owner", "created_at", "poll_next_at", "poll_last_at",
                       "poll_last_ok_at", "poll_failures", "poll_error", "reconciled_at", "directory_synced_at"]


@admin.register(InboundPackage)
class InboundPackageAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "peer", "kind", "document_id", "status_code", "result", "code", "warnings"]
    list_filter = ["result", "kind", "peer"]
    search_fields = ["document_id", "consignment_id", "message"]
    list_select_related = ["peer"]


admin.site.register([StatusOutbox, PullItem, AxisSent, AxisReceived], ReadOnlyAdmin)


@admin.register(HubItem)
class HubItemAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "doc_id", "sender", "recipient", "from_code", "to_code", "message_type", "state",
                    "status_display"]
    list_filter = ["state", "message_type"]
    search_fields = ["doc_id", "document_id", "from_code", "to_code"]

    @admin.display(description=_("status description"))
    def status_display(self, obj):
        return obj.status_display  # the portal's own notes in the reader's language
