"""Admin of the federation: peer systems (edited by administrators) and the logs of packages."""
from django.contrib import admin
from django.db import models

from egov.core.admin import ReadOnlyAdmin

from .models import AxisReceived, AxisSent, HubItem, InboundPackage, Peer, PullItem, StatusOutbox


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin):
    """Peer systems (other portals, the LGSP, the national axis): edited by administrators."""

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
    list_display = ["created_at", "doc_id", "sender", "recipient", "from_code", "to_code", "message_type", "state"]
    list_filter = ["state", "message_type"]
    search_fields = ["doc_id", "document_id", "from_code", "to_code"]
