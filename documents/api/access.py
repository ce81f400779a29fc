"""
The access log of a document or an incoming record through the API (issue 14): who viewed,
downloaded or printed it and its files, newest first (cursor pages), and the counts. The same
rule as the pages (``documents.views.access.access_panel``): the issuing unit's clerks, leaders
and administrators see every access to their document; a receiving unit's see their own staff's
accesses to the record. Specialists see neither (403).
"""
from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from egov.core.access import AccessAction, access_counts, access_rows
from egov.core.errors import PermissionDeniedError
from egov.core.models import AccessLog
from units.choices import Role
from units.models import Membership

DOC, REC, FILE = "documents.document", "documents.incomingrecord", "documents.attachment"
HISTORY_ROLES = {Role.CLERK, Role.LEADER, Role.UNIT_ADMIN}

__all__ = ["AccessSerializer", "AccessCountsSerializer", "document_access", "record_access", "access_count_body"]


class AccessSerializer(serializers.ModelSerializer):
    user_name = serializers.SerializerMethodField()
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    action = serializers.ChoiceField(choices=AccessAction.choices, read_only=True)

    class Meta:
        model = AccessLog
        fields = ["id", "at", "action", "user", "user_name", "unit", "object_type", "object_id", "ip_address"]
        read_only_fields = fields

    def get_user_name(self, obj) -> str:
        return (obj.user.get_full_name() or obj.user.username) if obj.user else ""


class CountsSerializer(serializers.Serializer):
    view = serializers.IntegerField(default=0)
    download = serializers.IntegerField(default=0)
    print = serializers.IntegerField(default=0)
    total = serializers.IntegerField()


class FileCountsSerializer(serializers.Serializer):
    attachment = serializers.IntegerField()
    name = serializers.CharField()
    counts = CountsSerializer()


class AccessCountsSerializer(serializers.Serializer):
    document = CountsSerializer(help_text="Views of the document's (or record's) page")
    files = FileCountsSerializer(many=True)


def _require_history_role(user, unit) -> None:
    roles = set(Membership.objects.filter(user=user, unit=unit, is_active=True).values_list("role", flat=True))
    if not roles & HISTORY_ROLES:
        raise PermissionDeniedError(_("The access history is shown to the unit's clerks, leaders and administrators."))


def document_access(*, user, doc):
    """(objects, unit scope) of an outgoing document's log: every access, by anyone."""
    _require_history_role(user, doc.owner_unit)
    objects = [(DOC, doc.pk), *((FILE, a.pk) for a in doc.attachments.all())]
    return objects, None


def record_access(*, user, rec):
    """(objects, unit scope) of an incoming record's log: the receiving unit's own staff."""
    _require_history_role(user, rec.unit)
    objects = [(DOC, rec.document_id), (REC, rec.pk), *((FILE, a.pk) for a in rec.document.attachments.all())]
    return objects, rec.unit_id


def access_history_queryset(objects, unit_id):
    return access_rows(objects=objects, unit_id=unit_id)


def access_count_body(*, objects, unit_id) -> dict:
    scope = {"unit_id": unit_id} if unit_id is not None else {}
    page = {}
    for object_type, object_id in objects:
        if object_type == FILE:
            continue
        for k, v in access_counts(object_type=object_type, object_ids=[object_id], **scope)[str(object_id)].items():
            page[k] = page.get(k, 0) + v
    files = [pk for t, pk in objects if t == FILE]
    counts = access_counts(object_type=FILE, object_ids=files, **scope)
    from documents.models import Attachment

    names = dict(Attachment.objects.filter(pk__in=files).values_list("pk", "original_name"))
    zero = {a: 0 for a in AccessAction.values}
    return {"document": {**zero, "total": 0, **page},
            "files": [{"attachment": pk, "name": names.get(pk, ""), "counts": {**zero, **counts[str(pk)]}}
                      for pk in files]}
