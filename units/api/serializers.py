"""Output serializers of the unit directory."""
from rest_framework import serializers

from units.models import Unit


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    successor = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    is_active = serializers.SerializerMethodField()
    email = serializers.CharField(read_only=True)  # may be blank: not a validated e-mail on output
    website = serializers.CharField(read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "short_name", "kind", "parent", "depth", "valid_from", "valid_to",
                  "successor", "is_active", "is_local", "address", "email", "phone", "website"]
        read_only_fields = fields

    def get_is_active(self, obj) -> bool:
        return obj.is_active()
