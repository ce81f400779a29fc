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


class ReorganisationAction(models.TextChoices):
    CREATE = "create", _("Create")
    MERGE = "merge", _("Merge")
    RENAME = "rename", _("Rename")
    DISSOLVE = "dissolve", _("Dissolve")
    MOVE = "move", _("Move")
    UPDATE = "update", _("Update")
