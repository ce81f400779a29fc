"""Admin for webhooks and their deliveries (read-only: integrations register them over the API)."""
from django.contrib import admin

from .models import Webhook, WebhookDelivery


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    unit_scope = "client__unit"  # units/admin_site.py
    list_display = ["url", "client", "is_active", "created_at"]
    list_filter = ["is_active"]
    readonly_fields = ["client", "url", "events", "created_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    unit_scope = "webhook__client__unit"  # units/admin_site.py
    list_display = ["event", "webhook", "state", "attempts", "last_status_code", "created_at"]
    list_filter = ["state", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False
