"""Choices of the units app."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    PROVINCE_COMMITTEE = "province_committee", _("Provincial People's Committee")
    DEPARTMENT = "department", _("Department")
    DISTRICT_COMMITTEE = "district_committee", _("District People's Committee")
    COMMUNE_COMMITTEE = "commune_committee", _("Commune People's Committee")
    PUBLIC_SERVICE = "public_service", _("Public service unit")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    CLERK = "clerk", _("Clerk")
    LEADER = "leader", _("Leader")
    SPECIALIST = "specialist", _("Specialist")
    UNIT_ADMIN = "unit_admin", _("Unit administrator")
    ARCHIVIST = "archivist", _("Agency archive (Lưu trữ cơ quan)")


class ReorganisationAction(models.TextChoices):
    CREATE = "create", _("Create")
    MERGE = "merge", _("Merge")
    RENAME = "rename", _("Rename")
    DISSOLVE = "dissolve", _("Dissolve")
    MOVE = "move", _("Move")
    UPDATE = "update", _("Update")


class AuditVerb(models.TextChoices):
    """What the units services write in the audit trail (besides the unit history)."""

    UNIT_CREATED = "unit.created", _("Unit created")
    UNIT_UPDATED = "unit.updated", _("Unit updated")
    UNIT_MERGED = "unit.merged", _("Units merged")
    UNIT_RENAMED = "unit.renamed", _("Unit renamed")
    UNIT_MOVED = "unit.moved", _("Unit moved")
    UNIT_DISSOLVED = "unit.dissolved", _("Unit dissolved")
    UNIT_TREE_REBUILT = "unit.tree_rebuilt", _("Unit tree rebuilt")
    UNIT_GROUP_SAVED = "unit_group.saved", _("Saved recipient list saved")
    UNIT_GROUP_DELETED = "unit_group.deleted", _("Saved recipient list deleted")
    DIVISION_CREATED = "division.created", _("Division created")
    DIVISION_UPDATED = "division.updated", _("Division changed")
    DIVISION_MEMBER_SET = "division.member_set", _("Division membership changed")
    API_CLIENT_CREATED = "api_client.created", _("API client registered")
    API_CLIENT_UPDATED = "api_client.updated", _("API client changed")
    API_CLIENT_ROTATED = "api_client.rotated", _("API client token rotated")
    API_CLIENT_REVOKED = "api_client.revoked", _("API client revoked")
