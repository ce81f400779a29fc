"""Django admin for documents, registers, dispatches and incoming records."""
from django.contrib import admin

from egov.core.admin import ReadOnlyAdmin

from .models import (
    Attachment,
    AttachmentText,
    Chase,
    DeadlineExtension,
    Dispatch,
    DispatchEvent,
    Document,
    HandlingNote,
    IncomingAssignment,
    IncomingRecord,
    Register,
    ReminderPolicy,
    SavedSearch,
    SearchEntry,
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



# --- follow-up and search (issue 14): read-only, every change goes through a service with its audit row ---

@admin.register(Chase)
class ChaseAdmin(ReadOnlyAdmin):
    unit_scope = "incoming__unit"  # units/admin_site.py
    list_display = ["incoming", "number", "kind", "target", "created_by", "created_at", "acknowledged_at"]
    list_filter = ["kind", ("acknowledged_at", admin.EmptyFieldListFilter)]
    search_fields = ["incoming__document__subject", "target__username", "created_by__username", "text"]
    list_select_related = ["incoming__document", "target", "created_by"]
    date_hierarchy = "created_at"


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(ReadOnlyAdmin):
    unit_scope = "incoming__unit"  # units/admin_site.py
    list_display = ["incoming", "requested_by", "requested_at", "old_deadline", "requested_deadline", "state",
                    "new_deadline", "decided_by", "decided_at"]
    list_filter = ["state"]
    search_fields = ["incoming__document__subject", "requested_by__username", "reason"]
    list_select_related = ["incoming__document", "requested_by", "decided_by"]
    date_hierarchy = "requested_at"


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(ReadOnlyAdmin):
    """Set by the unit's leaders and administrators on /reminders/ (service reminder_policy_set, audited)."""

    unit_scope = "unit"  # units/admin_site.py
    list_display = ["unit", "days_before", "every_days_after", "enabled"]
    list_filter = ["enabled"]
    search_fields = ["unit__name", "unit__code"]
    list_select_related = ["unit"]


@admin.register(SavedSearch)
class SavedSearchAdmin(ReadOnlyAdmin):
    unit_scope = "unit"  # units/admin_site.py
    list_display = ["name", "user", "unit", "ordering", "created_at"]
    search_fields = ["name", "user__username", "unit__name"]
    list_select_related = ["user", "unit"]


@admin.register(AttachmentText)
class AttachmentTextAdmin(ReadOnlyAdmin):
    """The extracted text of each file: which PDFs are scanned (no text layer), which failed."""

    unit_scope = "attachment__document__owner_unit"  # units/admin_site.py
    list_display = ["attachment", "status", "pages", "extracted_at"]
    list_filter = ["status"]
    search_fields = ["attachment__original_name", "attachment__document__subject"]
    list_select_related = ["attachment"]
    exclude = ["text"]  # can be megabytes; the search page shows excerpts


@admin.register(SearchEntry)
class SearchEntryAdmin(ReadOnlyAdmin):
    """One document as one unit finds it (derived data, rebuilt by search_index_document)."""

    unit_scope = "unit"  # units/admin_site.py
    list_display = ["document", "unit", "incoming", "at", "indexed_at"]
    search_fields = ["document__subject"]
    list_select_related = ["document", "unit", "incoming"]
    raw_id_fields = ["document", "incoming"]
    show_full_result_count = False  # millions of rows: no full count on every page
