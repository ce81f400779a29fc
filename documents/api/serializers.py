"""Input and output serializers of the documents API (no logic: the services decide)."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from documents.choices import AttachmentKind, BusinessType, DocumentType, RequestKind, Secrecy, Urgency
from documents.models import Attachment, Dispatch, DispatchEvent, Document, IncomingRecord
from documents.services.sending import GROUP_KINDS
from egov.core.api.representation import FastRepresentationMixin


# --- Output --------------------------------------------------------------------------------
class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "kind", "original_name", "description", "size", "sha256", "mime_type", "position",
                  "uploaded_at", "destroyed_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("documents-api:attachment-content", kwargs={"pk": obj.pk})


class DocumentSerializer(serializers.ModelSerializer):
    owner_unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    number_notation = serializers.CharField(read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Document
        fields = ["id", "owner_unit", "status", "doc_type", "notation_suffix", "is_normative", "number", "notation",
                  "number_notation", "issued_on", "place", "subject", "content", "signer_name", "signer_position",
                  "signer_competence", "urgency", "secrecy", "due_date", "recipients_text", "page_amount",
                  "business_type", "related_document", "business_reason", "document_id", "created_at",
                  "updated_at", "issued_at", "sent_at", "attachments"]
        read_only_fields = fields


class DocumentBriefSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    """What a recipient sees of the sender's document in its inbox."""

    owner_unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    number_notation = serializers.CharField(read_only=True)

    class Meta:
        model = Document
        fields = ["id", "owner_unit", "doc_type", "number_notation", "issued_on", "subject", "signer_name",
                  "signer_position", "urgency", "due_date", "business_type", "related_document", "document_id"]
        read_only_fields = fields


class DispatchEventSerializer(serializers.ModelSerializer):
    note = serializers.CharField(source="note_display", read_only=True,
                                 help_text="In the language negotiated from Accept-Language when the portal wrote it")
    note_code = serializers.CharField(read_only=True, help_text="Message code of a note the portal wrote, else empty")
    note_params = serializers.JSONField(read_only=True)

    class Meta:
        model = DispatchEvent
        fields = ["id", "kind", "code", "at", "actor_name", "note", "note_code", "note_params"]
        read_only_fields = fields


class DispatchSerializer(serializers.ModelSerializer):
    recipient = serializers.SlugRelatedField(slug_field="code", read_only=True)
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    status_code = serializers.CharField(read_only=True, help_text="edXML status code, empty before the first status")
    addressed_to = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    sender = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Dispatch
        fields = ["id", "document", "sender", "recipient", "recipient_name", "addressed_to", "is_remote", "state",
                  "state_reason", "attempts", "delivered_at", "status_code", "status_at", "status_by", "status_note",
                  "created_at"]
        read_only_fields = fields


class DispatchDetailSerializer(DispatchSerializer):
    events = DispatchEventSerializer(many=True, read_only=True)

    class Meta(DispatchSerializer.Meta):
        fields = DispatchSerializer.Meta.fields + ["events"]
        read_only_fields = fields


class DispatchSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    states = serializers.DictField(child=serializers.IntegerField())
    statuses = serializers.DictField(child=serializers.IntegerField())


class IncomingSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sender = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sender_name = serializers.CharField(source="sender.name", read_only=True)
    document = DocumentBriefSerializer(read_only=True)
    open_request = serializers.CharField(read_only=True, help_text="take_back, update or empty")

    class Meta:
        model = IncomingRecord
        fields = ["id", "unit", "sender", "sender_name", "document", "status", "urgency", "arrived_at",
                  "incoming_number", "accepted_at", "rejected_reason", "deadline", "main_handler", "instruction",
                  "progress", "finished_at", "reply_document", "open_request", "open_request_reason",
                  "cancelled_at", "cancel_reason"]
        read_only_fields = fields


class IncomingDetailSerializer(IncomingSerializer):
    attachments = serializers.SerializerMethodField()

    class Meta(IncomingSerializer.Meta):
        fields = IncomingSerializer.Meta.fields + ["attachments"]
        read_only_fields = fields

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, obj):
        return AttachmentSerializer(obj.document.attachments.all(), many=True).data


# --- Input ---------------------------------------------------------------------------------
@extend_schema_field(OpenApiTypes.INT)
class VisibleDocumentField(serializers.PrimaryKeyRelatedField):
    """A document id, resolved only among the caller's documents (others do not exist for it)."""

    def get_queryset(self):
        from documents.selectors import documents_visible_to

        return documents_visible_to(user=self.context["request"].user)

    def to_internal_value(self, data):
        # A form-encoded body has no null: "null" (as clients write the schema's null there) means none.
        if data == "null" and self.allow_null:
            return None
        return super().to_internal_value(data)


class DocumentFieldsInput(serializers.Serializer):
    doc_type = serializers.ChoiceField(choices=DocumentType.choices, required=False)
    notation_suffix = serializers.CharField(max_length=20, required=False, allow_blank=True)
    is_normative = serializers.BooleanField(required=False)
    place = serializers.CharField(max_length=100, required=False, allow_blank=True)
    subject = serializers.CharField(max_length=500, required=False)
    content = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    signer_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    signer_position = serializers.CharField(max_length=100, required=False, allow_blank=True)
    signer_competence = serializers.CharField(max_length=20, required=False, allow_blank=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    secrecy = serializers.ChoiceField(choices=Secrecy.choices, required=False)
    due_date = serializers.DateField(required=False, allow_null=True)
    recipients_text = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    page_amount = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=100_000)
    business_type = serializers.ChoiceField(choices=BusinessType.choices, required=False)
    related_document = VisibleDocumentField(required=False, allow_null=True)
    business_reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class DocumentCreateInput(DocumentFieldsInput):
    subject = serializers.CharField(max_length=500)
    owner_unit = serializers.CharField(max_length=13, required=False,
                                       help_text="Code of the issuing unit; an API client always issues for its own unit.")
    main_file = serializers.FileField(required=False, help_text="The main file (PDF).")
    appendices = serializers.ListField(child=serializers.FileField(), required=False, max_length=50)


class DocumentUpdateInput(DocumentFieldsInput):
    pass


class IssueInput(serializers.Serializer):
    issued_on = serializers.DateField(required=False, help_text="Issue date: today in Asia/Ho_Chi_Minh; another date "
                                      "needs the permission documents.issue_on_another_day (audited), else 403.")


class SendInput(serializers.Serializer):
    units = serializers.ListField(child=serializers.CharField(max_length=13), required=False, max_length=5000,
                                  help_text="Codes of recipient units.")
    # The item's format is in the schema (a pattern): schemathesis sent "\r", which the schema allowed.
    groups = serializers.ListField(child=serializers.RegexField(
        r"^(departments|districts|communes|province|communes_of:[0-9]{1,18}|saved:[0-9]{1,18})$", max_length=40,
        trim_whitespace=False),  # the pattern exactly: " departments" is not one
        required=False, max_length=50,
                                   help_text="Recipient groups: " + ", ".join(GROUP_KINDS)
                                   + " (communes_of:<unit id>, saved:<list id>).")


class AttachmentInput(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=AttachmentKind.choices, default=AttachmentKind.APPENDIX)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class AssignInput(serializers.Serializer):
    main_handler = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    co_handlers = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), required=False, max_length=100)
    readers = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), required=False, max_length=500)
    deadline = serializers.DateField(required=False, allow_null=True)
    instruction = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")

    def validate(self, attrs):
        ids = {attrs["main_handler"], *attrs.get("co_handlers", []), *attrs.get("readers", [])}
        users = get_user_model().objects.in_bulk(list(ids))
        # An unknown id answers exactly like a person of another unit (the service's message): no id oracle.
        for field in ("main_handler", "co_handlers", "readers"):
            wanted = attrs.get(field, [])
            if any(i not in users for i in (wanted if isinstance(wanted, list) else [wanted])):
                raise serializers.ValidationError({field: [_("Choose people who work in this unit.")]})
        attrs["main_handler"] = users[attrs["main_handler"]]
        attrs["co_handlers"] = [users[i] for i in attrs.get("co_handlers", [])]
        attrs["readers"] = [users[i] for i in attrs.get("readers", [])]
        return attrs


class ProgressInput(serializers.Serializer):
    note = serializers.CharField(max_length=5000)
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)


class FinishInput(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    reply_document = VisibleDocumentField(required=False, allow_null=True)


class AnswerRequestInput(serializers.Serializer):
    agree = serializers.BooleanField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DispatchRequestInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    reason = serializers.CharField(max_length=500)


class RegisterExportInput(serializers.Serializer):
    unit = serializers.CharField(max_length=13, required=False, help_text="Unit code (default: the client's unit).")
    kind = serializers.ChoiceField(choices=["outgoing", "incoming", "followup"])
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    file_format = serializers.ChoiceField(choices=["csv", "xlsx"], default="csv")

    def validate(self, attrs):
        # A query string's empty value would otherwise fall back to the default: the schema's enum
        # has no empty member, so "file_format=" is refused like any other unknown format.
        if hasattr(self.initial_data, "getlist") and "" in self.initial_data.getlist("file_format"):
            raise serializers.ValidationError({"file_format": [_("Choose csv or xlsx.")]})
        return attrs


BinaryResponse = OpenApiTypes.BINARY
