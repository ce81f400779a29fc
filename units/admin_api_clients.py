"""
Admin for API clients: registering shows the token once (on a page of its own, never stored
in a cookie or message); "rotate" shows the new one once; "revoke" stops it at once.
"""
from django import forms
from django.contrib import admin, messages
from django.template import Context, Template
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from egov.core.admin import ServiceAdminMixin
from egov.core.api.models import ApiClient
from egov.core.api.scopes import Scope

from .api_clients import api_client_create, api_client_revoke, api_client_rotate, api_client_update

TOKEN_PAGE = Template("""{% extends "admin/base_site.html" %}{% block content %}
<h1>{{ title }}</h1><p>{{ intro }}</p>
<p><code style="font-size:1.2em;user-select:all">{{ token }}</code></p>
<p><a href="{{ back }}">{{ back_label }}</a></p>{% endblock %}""")


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple,
                                       label=gettext_lazy("scopes"))

    class Meta:
        model = ApiClient
        fields = ["name", "unit", "scopes", "rate_limit_per_minute"]


@admin.register(ApiClient)
class ApiClientAdmin(ServiceAdminMixin, admin.ModelAdmin):
    unit_scope = "unit"  # units/admin_site.py
    form = ApiClientForm
    list_display = ["name", "unit", "is_active", "last_used_at", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "unit__name", "unit__code", "token_prefix"]
    autocomplete_fields = ["unit"]
    readonly_fields = ["token_prefix", "service_user", "last_used_at", "last_used_ip", "rotated_at", "revoked_at",
                       "is_active", "created_by", "created_at"]
    actions = ["rotate_token", "revoke"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["unit"] if obj else [])

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: audit rows name the client

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            api_client_update(client=obj, acting_user=request.user, scopes=data["scopes"], name=data["name"],
                              rate_limit_per_minute=data["rate_limit_per_minute"])
            return
        client, token = api_client_create(name=data["name"], unit=data["unit"], scopes=data["scopes"],
                                          acting_user=request.user,
                                          rate_limit_per_minute=data["rate_limit_per_minute"] or 0)
        obj.pk = client.pk
        request._egov_new_token = token

    def response_add(self, request, obj, post_url_continue=None):
        token = getattr(request, "_egov_new_token", None)
        if token:
            return self._token_page(request, token)
        return super().response_add(request, obj, post_url_continue)

    def _token_page(self, request, token):
        ctx = {**self.admin_site.each_context(request), "title": _("API token"), "token": token,
               "intro": _("Copy this token now: it is shown only once and stored only as a hash."),
               "back": "../" if request.path.endswith("/add/") else ".", "back_label": _("Back to API clients")}
        html = TOKEN_PAGE.render(Context(ctx))
        return HttpResponse(html, headers={"Cache-Control": "no-store"})

    @admin.action(description=gettext_lazy("Rotate the token (shows the new one once)"))
    def rotate_token(self, request, queryset):
        clients = list(queryset.filter(is_active=True)[:2])
        if len(clients) != 1:
            self.message_user(request, _("Choose exactly one active client to rotate."), messages.ERROR)
            return None
        _client, token = api_client_rotate(client=clients[0], acting_user=request.user)
        return self._token_page(request, token)

    @admin.action(description=gettext_lazy("Revoke (the token stops working at once)"))
    def revoke(self, request, queryset):
        for client in queryset:
            api_client_revoke(client=client, acting_user=request.user)
        self.message_user(request, _("Revoked."), messages.SUCCESS)
