"""Django admin for the unit directory, memberships and users."""
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .choices import UnitKind
from egov.core.admin import ServiceAdminMixin

from . import services
from .models import Division, Membership, Unit, UnitChange, UnitGroup


class ActiveFilter(admin.SimpleListFilter):
    title = _("active")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", _("Active today")), ("no", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.active()
        if self.value() == "no":
            return queryset.filter(valid_to__lt=timezone.localdate())
        return queryset


class ParentFilter(admin.SimpleListFilter):
    """Only units that have children are offered (the province, districts), not all 600."""

    title = _("parent unit")
    parameter_name = "parent"

    def lookups(self, request, model_admin):
        has_children = Unit.objects.filter(parent=OuterRef("pk"))
        parents = Unit.objects.filter(Exists(has_children)).exclude(kind=UnitKind.COMMUNE_COMMITTEE).order_by("path")
        return [(str(u.pk), u.name) for u in parents.only("pk", "name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(parent_id=self.value())
        return queryset


class MembershipInline(admin.TabularInline):
    unit_scope = "unit"  # units/admin_site.py
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]
    fields = ["unit", "role", "position", "division", "is_division_head", "is_active"]


class UnitChangeInline(admin.TabularInline):
    unit_scope = "unit"  # units/admin_site.py
    model = UnitChange
    fk_name = "unit"
    extra = 0
    can_delete = False
    fields = ["effective_date", "action", "related_unit", "old_values", "new_values", "note_display", "recorded_at"]
    readonly_fields = fields

    @admin.display(description=_("note"))
    def note_display(self, obj):
        return obj.note_display  # the portal's own notes in the reader's language

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    unit_scope = "pk"  # units/admin_site.py
    list_display = ["tree_name", "code", "short_name", "kind", "valid_from", "valid_to", "successor", "is_local"]
    list_filter = ["kind", ActiveFilter, ParentFilter, "is_local", "is_demo_code"]
    search_fields = ["code", "name", "short_name"]
    list_select_related = ["successor"]
    ordering = ["path"]
    list_per_page = 100
    autocomplete_fields = ["parent", "successor"]
    readonly_fields = ["path", "depth", "created_at", "updated_at"]
    inlines = [UnitChangeInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "short_name", "kind", "parent", "is_demo_code"]}),
        (_("Validity"), {"fields": ["valid_from", "valid_to", "successor"]}),
        (_("Contact (edXML From)"), {"fields": ["address", "email", "phone", "fax", "website"]}),
        (_("Exchange"), {"fields": ["is_local", "peer_ref"]}),
        (_("Tree"), {"fields": ["path", "depth", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description=_("name"), ordering="path")
    def tree_name(self, obj):
        return format_html('<span style="padding-left:{}em">{}</span>', obj.depth * 1.5, obj.name)

    def get_search_results(self, request, queryset, search_term):
        # "so noi vu" finds "Sở Nội vụ": search the stored diacritic-free key as well.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            results = results | queryset.search(search_term)
        return results, may_have_duplicates


class DivisionMemberInline(admin.TabularInline):
    unit_scope = "unit"  # units/admin_site.py
    model = Membership
    fk_name = "division"
    extra = 0
    can_delete = False
    fields = ["user", "role", "position", "is_division_head", "is_active"]
    readonly_fields = fields
    verbose_name = _("member")
    verbose_name_plural = _("members (set a person's division on their membership)")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Division)
class DivisionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Divisions are created and changed through the services (audit row, checks)."""

    list_display = ["name", "short_name", "unit", "is_office", "is_active", "position"]
    list_filter = ["is_office", "is_active"]
    search_fields = ["name", "short_name", "unit__name", "unit__code"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]
    inlines = [DivisionMemberInline]

    def get_readonly_fields(self, request, obj=None):
        return ["unit"] if obj else []

    def save_model(self, request, obj, form, change):
        from django.core.exceptions import ValidationError

        from egov.core.errors import ServiceError

        try:
            if change:
                saved = services.division_update(division=obj, acting_user=request.user, name=obj.name,
                                                 short_name=obj.short_name, is_office=obj.is_office,
                                                 is_active=obj.is_active)
            else:
                saved = services.division_create(unit=obj.unit, name=obj.name, short_name=obj.short_name,
                                                 is_office=obj.is_office, position=obj.position,
                                                 acting_user=request.user)
        except ServiceError as exc:
            raise ValidationError(exc.message) from exc
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    unit_scope = "unit"  # units/admin_site.py
    list_display = ["user", "unit", "role", "position", "division", "is_division_head", "is_active"]
    list_filter = ["role", "is_active", "is_division_head", "unit__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name", "unit__code"]
    autocomplete_fields = ["user", "unit", "division"]
    list_select_related = ["user", "unit", "division"]


@admin.register(UnitGroup)
class UnitGroupAdmin(admin.ModelAdmin):
    unit_scope = "owner"  # units/admin_site.py
    list_display = ["name", "owner"]
    search_fields = ["name", "owner__name"]
    autocomplete_fields = ["owner", "members"]


@admin.register(UnitChange)
class UnitChangeAdmin(admin.ModelAdmin):
    """Read-only: the directory's history is append-only."""
    unit_scope = "unit"  # units/admin_site.py

    list_display = ["unit", "action", "effective_date", "related_unit", "note", "recorded_at"]
    list_filter = ["action", "effective_date"]
    search_fields = ["unit__code", "unit__name", "note"]
    list_select_related = ["unit", "related_unit"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    unit_scope = "memberships__unit"  # units/admin_site.py: members of the units one administers

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:  # a unit administrator cannot hand out powers
            fields += ["is_superuser", "is_staff", "groups", "user_permissions", "last_login", "date_joined"]
        return fields
    inlines = [MembershipInline]


admin.site.site_header = _("Document exchange portal — administration")
admin.site.site_title = _("Document exchange portal")

from . import admin_api_clients as _api_clients  # noqa: E402,F401 - API clients of a unit (token shown once)
