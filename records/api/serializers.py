"""Serializers of the records API (no logic: the services decide)."""
from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from ..choices import Retention, UseRegime
from ..models import CaseFile, FileItem, FilePlan, InformationPackage, PlanEntry


class PlanEntrySerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True)
    person_in_charge = serializers.CharField(source="person_in_charge.username", read_only=True, default=None)

    class Meta:
        model = PlanEntry
        fields = ["id", "heading", "number", "notation", "code", "title", "retention", "retention_years",
                  "use_regime", "person_in_charge", "note", "position"]
        read_only_fields = fields


class FilePlanSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", read_only=True)
    entries = PlanEntrySerializer(many=True, read_only=True)

    class Meta:
        model = FilePlan
        fields = ["id", "unit", "year", "state", "approved_at", "entries"]
        read_only_fields = fields


class FileItemSerializer(serializers.ModelSerializer):
    document = serializers.IntegerField(source="document_id", read_only=True)
    incoming = serializers.IntegerField(source="incoming_id", read_only=True, allow_null=True)
    number_notation = serializers.CharField(source="document.number_notation", read_only=True)
    subject = serializers.CharField(source="document.subject", read_only=True)
    issued_on = serializers.DateField(source="document.issued_on", read_only=True, allow_null=True)

    class Meta:
        model = FileItem
        fields = ["id", "ordinal", "document", "incoming", "number_notation", "subject", "issued_on", "added_at"]
        read_only_fields = fields


class PackageSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = InformationPackage
        fields = ["id", "kind", "package_id", "sha256", "size", "created_at", "purged_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("records-api:package-download", kwargs={"pk": obj.pk})


class CaseFileSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", read_only=True)
    entry = serializers.IntegerField(source="entry_id", read_only=True)
    person_in_charge = serializers.CharField(source="person_in_charge.username", read_only=True)
    items = FileItemSerializer(many=True, read_only=True)
    packages = PackageSerializer(many=True, read_only=True)

    class Meta:
        model = CaseFile
        fields = ["id", "unit", "year", "entry", "code", "title", "description", "retention", "use_regime", "state",
                  "person_in_charge", "opened_at", "closed_at", "transfer_due", "submitted_at", "archived_at",
                  "return_reason", "keep_back_until", "items", "packages"]
        read_only_fields = fields


# --- input ----------------------------------------------------------------------------------
class PlanCreateSerializer(serializers.Serializer):
    # Empty is "not given" (as a form-encoded empty field always was): the schema says so (schemathesis).
    unit = serializers.CharField(required=False, allow_blank=True, max_length=13,
                                 help_text="Unit code; empty or omitted: the API client's unit")
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class EntryInputSerializer(serializers.Serializer):
    heading = serializers.CharField(max_length=200)
    number = serializers.CharField(max_length=10)
    notation = serializers.CharField(max_length=20)
    title = serializers.CharField(max_length=500)
    retention = serializers.ChoiceField(choices=Retention.choices, default=Retention.Y10)
    retention_years = serializers.IntegerField(required=False, allow_null=True)
    use_regime = serializers.ChoiceField(choices=UseRegime.choices, default=UseRegime.PUBLIC)
    person_in_charge = serializers.CharField(required=False, allow_blank=True, help_text="user name")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class FileOpenSerializer(serializers.Serializer):
    entry = serializers.IntegerField()
    title = serializers.CharField(required=False, allow_blank=True, max_length=500)


class AddDocumentSerializer(serializers.Serializer):
    document = serializers.IntegerField(required=False)
    incoming = serializers.IntegerField(required=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
