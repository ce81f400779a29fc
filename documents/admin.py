"""Django admin for documents, registers, dispatches, incoming records and the audit trail."""
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import (
    Attachment,
    AuditEvent,
    Dispatch,
    DispatchEvent,
    Document,
    HandlingNote,
    InboundPackage,
    IncomingAssignment,
    IncomingRecord,
    Notification,
    Peer,
    PullItem,
    Register,
    StatusOutbox,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: visible, never edited from the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["kind", "original_name", "mime_type", "size", "sha256", "uploaded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["number_notation", "subject", "owner_unit", "doc_type", "status", "urgency", "issued_on"]
    list_filter = ["status", "doc_type", "urgency", "business_type", "owner_unit__kind"]
    search_fields = ["subject", "notation", "document_id", "owner_unit__name"]
    list_select_related = ["owner_unit"]
    inlines = [AttachmentInline]
    date_hierarchy = "created_at"


@admin.register(Register)
class RegisterAdmin(admin.ModelAdmin):
    list_display = ["__str__", "unit", "direction", "year", "series", "last_number"]
    list_filter = ["direction", "year"]
    search_fields = ["unit__name", "unit__code", "name"]
    readonly_fields = ["last_number"]  # only allocation changes the counter
    autocomplete_fields = ["unit"]


class DispatchEventInline(admin.TabularInline):
    model = DispatchEvent
    extra = 0
    fields = ["at", "kind", "code", "actor_name", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dispatch)
class DispatchAdmin(ReadOnlyAdmin):
    list_display = ["document", "recipient", "state", "status_code", "attempts", "delivered_at", "is_remote"]
    list_filter = ["state", "status_code", "is_remote"]
    search_fields = ["document__subject", "recipient__name", "recipient__code"]
    list_select_related = ["document", "recipient"]
    inlines = [DispatchEventInline]


@admin.register(IncomingRecord)
class IncomingRecordAdmin(ReadOnlyAdmin):
    list_display = ["document", "unit", "status", "incoming_number", "arrived_at", "deadline"]
    list_filter = ["status", "urgency"]
    search_fields = ["document__subject", "unit__name"]
    list_select_related = ["document", "unit"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "verb", "actor", "unit", "object_type", "object_id"]
    list_filter = ["verb"]
    search_fields = ["verb", "object_id"]
    list_select_related = ["actor", "unit"]


admin.site.register([IncomingAssignment, HandlingNote, Notification], ReadOnlyAdmin)
admin.site.empty_value_display = _("—")


# --- Federation -----------------------------------------------------------------------------


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
