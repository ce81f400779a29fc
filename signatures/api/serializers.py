"""Serializers of the signatures API."""
from rest_framework import serializers

from signatures.models import Certificate, Verification


class VerifyInput(serializers.Serializer):
    file = serializers.FileField(help_text="The signed file: PDF, XML, or any file with a detached signature.")
    signature = serializers.FileField(required=False, help_text="Detached CMS signature (.p7s), if any.")


class VerificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Verification
        fields = ["id", "kind", "verdict", "reason_code", "reason_vi", "reason_en", "filename", "file_size",
                  "signatures", "created_at", "verified_at"]
        read_only_fields = fields


class CertificateSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    binding = serializers.CharField(read_only=True, help_text="personal, organisation or empty")

    class Meta:
        model = Certificate
        fields = ["id", "sha256", "subject", "common_name", "organisation", "issuer", "serial_hex", "not_before",
                  "not_after", "key_usage", "extended_key_usage", "uids", "is_ca", "public_key", "binding", "unit"]
        read_only_fields = fields
