"""Choices of the federation app."""
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["PeerMode", "PeerProtocol", "PackageKind", "InboundResult", "OutboxState", "PullState", "HubItemState",
           "AuditVerb"]


class PeerMode(models.TextChoices):
    PUSH = "push", _("Push (we POST to its receive endpoint)")
    PULL = "pull", _("Pull (it polls our pull endpoints)")


class PeerProtocol(models.TextChoices):
    EGOV = "egov", _("Portal federation (/federation/v1/)")
    AXIS = "axis", _("National axis / LGSP (this portal is an agency system)")
    HUB = "hub", _("Agency system connected to this portal's hub (/vxp/)")


class HubItemState(models.TextChoices):
    PENDING = "pending", _("Waiting to be taken")
    DONE = "done", _("Taken")
    FAIL = "fail", _("Refused")


class PackageKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    STATUS = "status", _("Status")


class InboundResult(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DUPLICATE = "duplicate", _("Duplicate")
    FAULT = "fault", _("Fault")


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Retrying")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class PullState(models.TextChoices):
    PENDING = "pending", _("Waiting to be fetched")
    FETCHED = "fetched", _("Fetched")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class AuditVerb(models.TextChoices):
    """What the federation services write in the audit trail."""

    PULL_DONE = "federation.pull_done", _("A peer took a package it pulled")
    PULL_FAILED = "federation.pull_fail", _("A peer refused a package it pulled")
    PACKAGE_IMPORTED_BY_HAND = "edxml.manual_import", _("Package imported by hand")
    STATUS_IMPORTED = "edxml.status_imported", _("Status received as a package")
    HUB_SYSTEM_CREATED = "hub.system_created", _("Agency system connected to the hub")
    HUB_SYSTEM_ROTATED = "hub.system_rotated", _("Secret of a hub system rotated")
    HUB_SYSTEM_REVOKED = "hub.system_revoked", _("Agency system disconnected from the hub")
    HUB_PACKAGE_RECEIVED = "hub.package_received", _("Hub stored a package")
    HUB_PACKAGE_TAKEN = "hub.package_taken", _("A system acknowledged a package it pulled from the hub")
    AXIS_DIRECTORY_SYNCED = "axis.directory_synced", _("Directory synchronised from the axis")
    PEER_CREATED = "federation.peer_created", _("Peer connection created")
    PEER_ROTATED = "federation.peer_rotated", _("Secrets of a peer connection rotated")
    PEER_DISABLED = "federation.peer_disabled", _("Peer connection disabled")
    PEER_ENABLED = "federation.peer_enabled", _("Peer connection enabled")
