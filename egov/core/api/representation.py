"""
Output of read-only list serializers without DRF's per-row, per-field attribute machinery
(issue 17: about a third of an incoming-list page was ``Serializer.to_representation``).

``FastRepresentationMixin`` keeps the serializer's own fields and their ``to_representation``
(same formats: dates, times in the current time zone, choices); it only resolves, once per
serializer instance, how each field reads its value: a plain attribute with ``attrgetter``, a
primary-key relation from the foreign key's column, a slug relation from the related object
(select_related). Any other field (dotted sources, method fields, nested serializers, custom
``get_attribute``) goes through DRF's own path, unchanged. Same keys, same order, same values
as ``Serializer.to_representation`` (pinned in tests/api/test_query_counts.py).
"""
from __future__ import annotations

from operator import attrgetter

from django.core.exceptions import FieldDoesNotExist
from rest_framework import relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

__all__ = ["FastRepresentationMixin"]

_GENERIC = object()


def _slug_getter(source: str, slug: str):
    def get(obj):
        related = getattr(obj, source)
        return None if related is None else getattr(related, slug)
    return get


class FastRepresentationMixin:
    """For ModelSerializers used read-only (``read_only_fields = fields``)."""

    def _read_plan(self):
        plan = self.__dict__.get("_fast_plan")
        if plan is not None:
            return plan
        opts = self.Meta.model._meta
        plan = []
        for field in self._readable_fields:
            attrs = field.source_attrs
            kind = _GENERIC
            if len(attrs) == 1 and type(field).get_attribute in (serializers.Field.get_attribute,
                                                                 relations.RelatedField.get_attribute):
                try:
                    model_field = opts.get_field(attrs[0])
                except FieldDoesNotExist:
                    model_field = None
                if type(field) is relations.PrimaryKeyRelatedField and field.pk_field is None:
                    if model_field is not None and model_field.many_to_one and model_field.concrete:
                        kind = (attrgetter(model_field.attname), None)
                elif type(field) is relations.SlugRelatedField:
                    if model_field is not None and model_field.many_to_one and "__" not in field.slug_field:
                        kind = (_slug_getter(attrs[0], field.slug_field), None)
                elif not isinstance(field, (relations.RelatedField, relations.ManyRelatedField,
                                            serializers.BaseSerializer)):
                    # A concrete column, or a property (never a method: DRF would call it).
                    attr = getattr(self.Meta.model, attrs[0], None)
                    if model_field is not None and model_field.concrete and not model_field.is_relation:
                        kind = (attrgetter(attrs[0]), field.to_representation)
                    elif isinstance(attr, property):
                        kind = (attrgetter(attrs[0]), field.to_representation)
            plan.append((field, kind))
        self.__dict__["_fast_plan"] = plan
        return plan

    def to_representation(self, instance):
        ret = {}
        for field, kind in self._read_plan():
            if kind is _GENERIC:  # DRF's own path (Serializer.to_representation)
                try:
                    attribute = field.get_attribute(instance)
                except SkipField:
                    continue
                check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
                ret[field.field_name] = None if check is None else field.to_representation(attribute)
                continue
            get, to_repr = kind
            value = get(instance)
            if value is None:
                ret[field.field_name] = None
            else:
                ret[field.field_name] = value if to_repr is None else to_repr(value)
        return ret
