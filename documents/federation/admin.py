"""Admin of the federation: peer systems (edited by administrators) and the logs of packages."""
from django.contrib import admin
from django.db import models

from egov.core.admin import ReadOnlyAdmin

from .models import InboundPackage, Peer, PullItem, StatusOutbox


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin):
    """Peer systems (other portals, the LGSP, the national axis): edited by administrators."""

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
