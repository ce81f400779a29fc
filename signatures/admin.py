"""
Admin of the trust material. Anchors are added through a two-step page where the
administrator sees the SHA-256 fingerprint and confirms it; certificates are imported in
bulk and filtered by unit, binding and "expires within N days"; CRLs are uploaded.
All writes go through the services (they bump the trust-store version).
"""
import base64

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from egov.core.admin import ServiceAdminMixin

from .forms import CertificateImportForm, RevocationListUploadForm, TrustAnchorAddForm
from .models import (
    Certificate,
    Delegation,
    OCSPRecord,
    PersonalSigningMethod,
    RevocationList,
    SignatureImage,
    SigningKey,
    SigningTicket,
    TrustAnchor,
    UnitSignaturePolicy,
    Verification,
)
from .services.parsing import TrustMaterialError
from .services.trust import anchor_add, anchor_set_enabled, certificates_import, crl_add


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TrustAnchor)
class TrustAnchorAdmin(admin.ModelAdmin):
    list_display = ["name", "fingerprint_display", "not_after", "enabled", "confirmed_by", "confirmed_at"]
    list_filter = ["enabled"]
    readonly_fields = ["name", "subject", "sha256", "not_before", "not_after", "confirmed_by", "confirmed_at", "enabled"]
    exclude = ["der"]
    actions = ["enable", "disable"]

    def has_change_permission(self, request, obj=None):
        return False  # anchors are immutable; enable/disable through the actions

    def add_view(self, request, form_url="", extra_context=None):
        form = TrustAnchorAddForm(request.POST or None, request.FILES or None)
        preview = None
        if request.method == "POST" and form.is_valid():
            preview = form.cleaned_data["preview"]
            if form.cleaned_data.get("confirmed_sha256"):
                try:
                    anchor = anchor_add(
                        data=form.cleaned_data["raw"],
                        confirmed_sha256=form.cleaned_data["confirmed_sha256"],
                        acting_user=request.user,
                        name=form.cleaned_data.get("name") or "",
                    )
                except TrustMaterialError as exc:
                    form.add_error("confirmed_sha256", str(exc))
                else:
                    self.message_user(request, _("Trust anchor %(name)s added.") % {"name": anchor.name})
                    return redirect(reverse("admin:signatures_trustanchor_changelist"))
            form = TrustAnchorAddForm(
                initial={"der_b64": base64.b64encode(form.cleaned_data["raw"]).decode(),
                         "name": form.cleaned_data.get("name") or preview["common_name"]},
                data={"der_b64": base64.b64encode(form.cleaned_data["raw"]).decode(),
                      "name": form.cleaned_data.get("name") or preview["common_name"],
                      "confirmed_sha256": form.cleaned_data.get("confirmed_sha256", "")},
            ) if not form.errors else form
        fingerprint = None
        if preview:
            sha = preview["sha256"].upper()
            fingerprint = ":".join(sha[i : i + 2] for i in range(0, len(sha), 2))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Add trust anchor"),
            "form": form,
            "preview": preview,
            "fingerprint": fingerprint,
        }
        return TemplateResponse(request, "signatures/admin/trustanchor_add.html", context)

    @admin.action(description=_("Enable selected anchors"))
    def enable(self, request, queryset):
        for anchor in queryset:
            try:
                anchor_set_enabled(anchor=anchor, enabled=True, acting_user=request.user)
            except TrustMaterialError as exc:
                self.message_user(request, f"{anchor}: {exc}", messages.ERROR)

    @admin.action(description=_("Disable selected anchors"))
    def disable(self, request, queryset):
        for anchor in queryset:
            anchor_set_enabled(anchor=anchor, enabled=False, acting_user=request.user)


class ExpiresWithinFilter(admin.SimpleListFilter):
    title = _("expires within")
    parameter_name = "expires_within"

    def lookups(self, request, model_admin):
        return [(str(d), _("%(days)d days") % {"days": d}) for d in (7, 30, 60, 90, 180)]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.expiring_within(int(self.value()))
        return queryset


@admin.register(Certificate)
class CertificateAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["common_name", "organisation", "uids", "serial_hex", "not_after", "binding", "unit", "user", "is_ca"]
    list_filter = [ExpiresWithinFilter, "binding", "is_ca", "unit"]
    list_select_related = ["unit", "user"]
    search_fields = ["search_text", "=serial_hex", "=sha256"]
    autocomplete_fields = []
    raw_id_fields = ["unit", "user"]
    readonly_fields = ["subject", "common_name", "organisation", "issuer", "serial_hex", "sha256", "not_before",
                       "not_after", "key_usage", "extended_key_usage", "uids", "is_ca", "public_key"]
    exclude = ["der"]
    list_per_page = 100
    change_list_template = "signatures/admin/certificate_changelist.html"

    def get_search_results(self, request, queryset, search_term):
        # Diacritic-insensitive search on the stored key (see CertificateQuerySet.search).
        return queryset.search(search_term), False

    def has_add_permission(self, request):
        return False  # certificates come in through the import page

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="signatures_certificate_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        form = CertificateImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            blobs = [(f.name, f.read()) for f in form.cleaned_data["files"]]
            result = certificates_import(blobs=blobs, acting_user=request.user)
            self.message_user(
                request,
                _("%(created)d certificates added, %(existing)d already known, %(errors)d files unreadable.")
                % {"created": result.created, "existing": result.existing, "errors": len(result.errors)},
            )
            for error in result.errors[:20]:
                self.message_user(request, error, messages.WARNING)
            return redirect(reverse("admin:signatures_certificate_changelist"))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("Import certificates"), "form": form}
        return TemplateResponse(request, "signatures/admin/upload.html", context)

    def save_model(self, request, obj, form, change):
        from .services.trust import certificate_bind

        certificate_bind(certificate=obj, binding=obj.binding, user=obj.user, unit=obj.unit, acting_user=request.user)


@admin.register(RevocationList)
class RevocationListAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["issuer", "this_update", "next_update", "entries", "is_current", "source", "source_url"]
    list_filter = ["is_current", "source"]
    exclude = ["der"]
    change_list_template = "signatures/admin/revocationlist_changelist.html"

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="signatures_revocationlist_upload"),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        form = RevocationListUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                row = crl_add(data=form.cleaned_data["crl"].read(), acting_user=request.user)
            except TrustMaterialError as exc:
                form.add_error("crl", str(exc))
            else:
                self.message_user(request, _("CRL of %(issuer)s stored.") % {"issuer": row.issuer})
                return redirect(reverse("admin:signatures_revocationlist_changelist"))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("Upload a CRL"), "form": form}
        return TemplateResponse(request, "signatures/admin/upload.html", context)


@admin.register(OCSPRecord)
class OCSPRecordAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["serial_hex", "produced_at", "sha256"]
    exclude = ["der"]


@admin.register(Verification)
class VerificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["filename", "kind", "verdict", "reason_code", "status", "verified_at", "trust_store_version"]
    list_filter = ["verdict", "kind", "status"]
    search_fields = ["=file_sha256", "filename"]


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ["label", "unit", "source", "token_label", "is_active"]
    list_filter = ["source", "is_active"]
    raw_id_fields = ["unit", "certificate"]


@admin.register(UnitSignaturePolicy)
class UnitSignaturePolicyAdmin(admin.ModelAdmin):
    list_display = ["unit", "mode", "updated_at"]
    list_filter = ["mode"]
    raw_id_fields = ["unit"]


@admin.register(SigningTicket)
class SigningTicketAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["filename", "user", "status", "created_at", "expires_at"]
    list_filter = ["status"]
    exclude = ["token"]


# --- personal signing (issue 12): visible here, changed through the pages' services -----------

@admin.register(PersonalSigningMethod)
class PersonalSigningMethodAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "kind", "certificate", "token_label", "csc_service_url", "is_default", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "certificate"]


@admin.register(SignatureImage)
class SignatureImageAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["unit", "kind", "user", "width", "height", "is_active", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["unit__name", "user__username"]
    list_select_related = ["unit", "user", "uploaded_by"]


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["unit", "kind", "delegator", "delegate", "valid_from", "valid_to", "revoked_at"]
    list_filter = ["kind"]
    search_fields = ["unit__name", "delegator__username", "delegate__username"]
    list_select_related = ["unit", "delegator", "delegate"]
