"""Output serializers of the unit directory."""
from rest_framework import serializers

from units.models import Unit


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    successor = serializers.SlugRelatedField(slug_field="code", read_only=True)
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "short_name", "kind", "parent", "depth", "valid_from", "valid_to",
                  "successor", "is_active", "is_local", "address", "email", "phone", "website"]
        read_only_fields = fields

    def get_is_active(self, obj) -> bool:
        return obj.is_active()
