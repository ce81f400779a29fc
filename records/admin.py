"""Read-only admin views of the records app: every change goes through the services (and the pages)."""
from django.contrib import admin

from .models import CaseFile, CopyRecord, DestructionProposal, FilePlan, InformationPackage, LegalHold


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FilePlan)
class FilePlanAdmin(ReadOnly):
    list_display = ["unit", "year", "state", "approved_at"]
    list_filter = ["state", "year"]


@admin.register(CaseFile)
class CaseFileAdmin(ReadOnly):
    list_display = ["code", "title", "unit", "year", "state", "person_in_charge", "transfer_due"]
    list_filter = ["state", "year", "retention"]
    search_fields = ["code", "title"]


@admin.register(InformationPackage)
class InformationPackageAdmin(ReadOnly):
    list_display = ["package_id", "kind", "case_file", "size", "created_at", "purged_at"]
    list_filter = ["kind"]


@admin.register(CopyRecord)
class CopyRecordAdmin(ReadOnly):
    list_display = ["unit", "year", "number", "form", "medium", "state", "signed_at"]
    list_filter = ["form", "medium", "state"]


@admin.register(DestructionProposal)
class DestructionProposalAdmin(ReadOnly):
    list_display = ["unit", "year", "state", "decided_at", "executed_at"]


@admin.register(LegalHold)
class LegalHoldAdmin(ReadOnly):
    list_display = ["unit", "reason", "placed_at", "released_at"]
