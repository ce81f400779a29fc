"""Admin of the base layer: the audit trail, notifications, and the read-only base class the apps use."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .api import admin as _api_admin  # noqa: F401 - webhooks and their deliveries
from .db import service_atomic
from .models import AccessLog, AuditCheckpoint, AuditEvent, Notification


class ServiceAdminMixin:
    """
    For admins whose saves call services: Django wraps the change form in a transaction of its
    own, which would make a durable service refuse to run. Here that transaction is the
    service's unit of work (egov.core.db): the form's save and the service commit together.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with service_atomic():
            return self._changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        with service_atomic():
            return self._delete_view(request, object_id, extra_context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: visible, never edited from the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    unit_scope = "unit"  # units/admin_site.py
    list_display = ["at", "verb", "actor", "unit", "object_type", "object_id"]
    list_filter = ["verb"]
    search_fields = ["verb", "object_id"]
    list_select_related = ["actor", "unit"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """Who viewed, downloaded or printed what (issue 14); append-only. Scoped by the unit the person acted for."""

    unit_scope = "unit"  # units/admin_site.py
    list_display = ["at", "action", "user", "unit", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "user__username", "ip_address"]
    list_select_related = ["user", "unit"]
    date_hierarchy = "at"
    show_full_result_count = False


admin.site.register([Notification, AuditCheckpoint], ReadOnlyAdmin)
admin.site.empty_value_display = _("—")
