"""Django admin for documents, registers, dispatches and incoming records."""
from django.contrib import admin

from egov.core.admin import ReadOnlyAdmin

from .models import (
    Attachment,
    Dispatch,
    DispatchEvent,
    Document,
    HandlingNote,
    IncomingAssignment,
    IncomingRecord,
    Register,
)


class AttachmentInline(admin.TabularInline):
    unit_scope = "document__owner_unit"  # units/admin_site.py
    model = Attachment
    extra = 0
    fields = ["kind", "original_name", "mime_type", "size", "sha256", "uploaded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    unit_scope = "owner_unit"  # units/admin_site.py
    list_display = ["number_notation", "subject", "owner_unit", "doc_type", "status", "urgency", "issued_on"]
    list_filter = ["status", "doc_type", "urgency", "business_type", "owner_unit__kind"]
    search_fields = ["subject", "notation", "document_id", "owner_unit__name"]
    list_select_related = ["owner_unit"]
    inlines = [AttachmentInline]
    date_hierarchy = "created_at"


@admin.register(Register)
class RegisterAdmin(admin.ModelAdmin):
    unit_scope = "unit"  # units/admin_site.py
    list_display = ["__str__", "unit", "direction", "year", "series", "last_number"]
    list_filter = ["direction", "year"]
    search_fields = ["unit__name", "unit__code", "name"]
    readonly_fields = ["last_number"]  # only allocation changes the counter
    autocomplete_fields = ["unit"]


class DispatchEventInline(admin.TabularInline):
    unit_scope = "dispatch__document__owner_unit"  # units/admin_site.py
    model = DispatchEvent
    extra = 0
    fields = ["at", "kind", "code", "actor_name", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dispatch)
class DispatchAdmin(ReadOnlyAdmin):
    unit_scope = "document__owner_unit"  # units/admin_site.py
    list_display = ["document", "recipient", "state", "status_code", "attempts", "delivered_at", "is_remote"]
    list_filter = ["state", "status_code", "is_remote"]
    search_fields = ["document__subject", "recipient__name", "recipient__code"]
    list_select_related = ["document", "recipient"]
    inlines = [DispatchEventInline]


@admin.register(IncomingRecord)
class IncomingRecordAdmin(ReadOnlyAdmin):
    unit_scope = "unit"  # units/admin_site.py
    list_display = ["document", "unit", "status", "incoming_number", "arrived_at", "deadline"]
    list_filter = ["status", "urgency"]
    search_fields = ["document__subject", "unit__name"]
    list_select_related = ["document", "unit"]


admin.site.register([IncomingAssignment, HandlingNote], ReadOnlyAdmin)

