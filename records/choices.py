"""Choices of the records app (NĐ 30/2020 Đ25–31, Phụ lục V; Luật Lưu trữ 2024, TT 05/2025/TT-BNV)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class Retention(models.TextChoices):
    """Retention codes used in practice; ``RETENTION_YEARS`` gives the years (None = permanent)."""

    PERMANENT = "01", _("Permanent")
    Y70 = "02", _("70 years")
    Y50 = "03", _("50 years")
    Y30 = "04", _("30 years")
    Y20 = "05", _("20 years")
    Y10 = "06", _("10 years")
    OTHER = "07", _("Other (years given)")


RETENTION_YEARS = {"01": None, "02": 70, "03": 50, "04": 30, "05": 20, "06": 10}
RETENTION_NAMES_VI = {"01": "Vĩnh viễn", "02": "70 năm", "03": "50 năm", "04": "30 năm", "05": "20 năm",
                      "06": "10 năm", "07": "Khác"}


class UseRegime(models.TextChoices):
    PUBLIC = "01", _("Public")
    CONDITIONAL = "02", _("Conditional use")
    SECRET = "03", _("Secret")


class FileState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    SUBMITTED = "submitted", _("Submitted to the archive")
    RETURNED = "returned", _("Returned by the archive")
    KEPT_BACK = "kept_back", _("Kept back")
    ARCHIVED = "archived", _("Archived")
    DESTROYED = "destroyed", _("Destroyed")


class FileEventKind(models.TextChoices):
    """Preservation events (PREMIS eventType) of a file."""

    CREATION = "creation", _("Created")
    ADDITION = "addition", _("Document added")
    REMOVAL = "removal", _("Document removed")
    CLOSING = "closing", _("Closed")
    TRANSFER = "transfer", _("Transferred")
    ACCEPTANCE = "acceptance", _("Accepted by the archive")
    RETURN = "return", _("Returned")
    KEEP_BACK = "keep_back", _("Kept back")
    ACCESS = "access", _("Accessed")
    HOLD = "hold", _("Legal hold")
    RELEASE = "release", _("Legal hold released")
    DESTRUCTION = "destruction", _("Destroyed")
    PACKAGING = "packaging", _("Packaged")


class PackageKind(models.TextChoices):
    SIP = "SIP", _("Submission package (SIP)")
    AIP = "AIP", _("Archival package (AIP)")
    DIP = "DIP", _("Dissemination package (DIP)")


class AccessState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class ProposalState(models.TextChoices):
    SUBMITTED = "submitted", _("Before the council")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    EXECUTED = "executed", _("Destroyed")


class CopyForm(models.TextChoices):
    SAO_Y = "sao_y", _("True copy (sao y)")
    SAO_LUC = "sao_luc", _("Transcribed copy (sao lục)")
    TRICH_SAO = "trich_sao", _("Extract (trích sao)")


COPY_FORM_VI = {"sao_y": "SAO Y", "sao_luc": "SAO LỤC", "trich_sao": "TRÍCH SAO"}
COPY_FORM_ABBR = {"sao_y": "SY", "sao_luc": "SL", "trich_sao": "TS"}


class CopyMedium(models.TextChoices):
    E2E = "e2e", _("Electronic to electronic")
    E2P = "e2p", _("Electronic to paper")
    P2E = "p2e", _("Paper to electronic (scan)")


class CopyState(models.TextChoices):
    ORDERED = "ordered", _("Ordered")
    SIGNED = "signed", _("Signed")


class AuditVerb(models.TextChoices):
    """What the records services write in the audit trail."""

    PLAN_CREATED = "file_plan.created", _("File plan drafted")
    PLAN_ENTRY_SAVED = "file_plan.entry_saved", _("File plan entry saved")
    PLAN_ENTRY_DELETED = "file_plan.entry_deleted", _("File plan entry deleted")
    PLAN_APPROVED = "file_plan.approved", _("File plan approved")
    PLAN_COPIED = "file_plan.copied", _("File plan copied to the next year")
    PLAN_IMPORTED = "file_plan.imported", _("File plan imported")
    FILE_OPENED = "case_file.opened", _("File opened")
    FILE_DOCUMENT_ADDED = "case_file.document_added", _("Document added to a file")
    FILE_DOCUMENT_REMOVED = "case_file.document_removed", _("Document removed from a file")
    FILE_CLOSED = "case_file.closed", _("File closed")
    FILE_EXPORTED = "case_file.exported", _("File exported")
    FILE_TRANSFERRED = "case_file.transferred", _("File transferred to the archive")
    FILE_ACCEPTED = "case_file.accepted", _("File accepted by the archive")
    FILE_RETURNED = "case_file.returned", _("File returned by the archive")
    FILE_KEPT_BACK = "case_file.kept_back", _("File kept back")
    FILE_REMINDED = "case_file.reminded", _("Transfer reminder sent")
    ACCESS_REQUESTED = "archive_access.requested", _("Access to an archived file requested")
    ACCESS_DECIDED = "archive_access.decided", _("Access to an archived file decided")
    PACKAGE_WRITTEN = "package.written", _("Information package written")
    PACKAGE_DOWNLOADED = "package.downloaded", _("Information package downloaded")
    HOLD_PLACED = "legal_hold.placed", _("Legal hold placed")
    HOLD_RELEASED = "legal_hold.released", _("Legal hold released")
    DESTRUCTION_PROPOSED = "destruction.proposed", _("Destruction proposed")
    DESTRUCTION_VOTED = "destruction.voted", _("Destruction council vote")
    DESTRUCTION_EXECUTED = "destruction.executed", _("Files destroyed")
    COPY_PERMISSION_SET = "copy.permission_set", _("Copy permissions changed")
    COPY_ORDERED = "copy.ordered", _("Copy ordered")
    COPY_SIGNED = "copy.signed", _("Copy numbered and signed")


class NotificationKind(models.TextChoices):
    """What the records services tell users about."""

    TRANSFER_DUE = "records.transfer_due", _("A file is due for transfer to the archive")
    FILE_SUBMITTED = "records.file_submitted", _("A file awaits the archive's check")
    FILE_RETURNED = "records.file_returned", _("The archive returned a file")
    FILE_ACCEPTED = "records.file_accepted", _("The archive accepted a file")
    ACCESS_REQUESTED = "records.access_requested", _("Access to an archived file requested")
    ACCESS_DECIDED = "records.access_decided", _("Your access request was decided")
    DESTRUCTION_PROPOSED = "records.destruction_proposed", _("A destruction proposal awaits your vote")
    COPY_ORDERED = "records.copy_ordered", _("A copy awaits signing")
