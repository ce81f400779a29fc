"""Choices of the signatures app."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = [
    "Verdict",
    "VerificationStatus",
    "SignedFileKind",
    "CertificateBinding",
    "RevocationMode",
    "PolicyMode",
    "KeySource",
    "TicketStatus",
    "RevocationSource",
    "AuditVerb",
    "PersonalMethod",
    "ImageKind",
    "DelegationKind",
]


class PersonalMethod(models.TextChoices):
    VGCA = "vgca", _("VGCA Sign Service in the browser (USB token)")
    PKCS11 = "pkcs11", _("Token on the server (PKCS#11), PIN at signing")
    REMOTE = "remote", _("Remote signing service (CSC API)")


class ImageKind(models.TextChoices):
    SIGNATURE = "signature", _("Signature image")
    SEAL = "seal", _("Seal image")


class DelegationKind(models.TextChoices):
    """NĐ 30 Điều 13: who signs for whom; the prefix printed above the delegator's title."""

    KT = "KT", _("KT. — a deputy signs for the head")
    TL = "TL", _("TL. — signed by order")
    TUQ = "TUQ", _("TUQ. — signed by written authorisation")


class Verdict(models.TextChoices):
    """Overall result for one file (ETSI EN 319 102-1 main indications, plus "unsigned")."""

    VALID = "valid", _("Valid")
    INVALID = "invalid", _("Invalid")
    INDETERMINATE = "indeterminate", _("Indeterminate")
    UNSIGNED = "unsigned", _("Unsigned")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("signature verification", "Pending")
    DONE = "done", pgettext_lazy("signature verification", "Done")
    FAILED = "failed", pgettext_lazy("signature verification", "Failed")


class SignedFileKind(models.TextChoices):
    PDF = "pdf", _("PDF (PAdES)")
    CMS = "cms", _("Detached CMS (.p7s)")
    XML = "xml", _("XML signature")
    UNKNOWN = "unknown", _("Unknown format")


class CertificateBinding(models.TextChoices):
    NONE = "", _("Not bound")
    PERSONAL = "personal", _("Personal certificate")
    ORGANISATION = "organisation", _("Organisation certificate")


class RevocationMode(models.TextChoices):
    """pyhanko-certvalidator revocation modes."""

    HARD_FAIL = "hard-fail", _("Hard fail: revocation information is mandatory")
    SOFT_FAIL = "soft-fail", _("Soft fail: missing revocation information is tolerated")
    REQUIRE = "require", _("Require: every certificate must have revocation information")


class PolicyMode(models.TextChoices):
    WARN = "warn", _("Warn")
    BLOCK = "block", _("Block")


class KeySource(models.TextChoices):
    PKCS12 = "pkcs12", _("Encrypted PKCS#12 file")
    PKCS11 = "pkcs11", _("PKCS#11 token or HSM")


class TicketStatus(models.TextChoices):
    ISSUED = "issued", pgettext_lazy("signing ticket", "Issued")
    DOWNLOADED = "downloaded", _("Downloaded")
    ACCEPTED = "accepted", _("Signed file accepted")
    REJECTED = "rejected", _("Signed file rejected")
    EXPIRED = "expired", _("Expired")


class RevocationSource(models.TextChoices):
    UPLOAD = "upload", _("Uploaded")
    FETCHED = "fetched", _("Fetched from the distribution point")


class AuditVerb(models.TextChoices):
    """What the signatures services write in the audit trail."""

    ANCHOR_ADDED = "signatures.anchor_added", _("Trust anchor added")
    ANCHOR_ENABLED = "signatures.anchor_enabled", _("Trust anchor enabled")
    ANCHOR_DISABLED = "signatures.anchor_disabled", _("Trust anchor disabled")
    CERTIFICATES_IMPORTED = "signatures.certificates_imported", _("Certificates imported")
    CERTIFICATE_BOUND = "signatures.certificate_bound", _("Certificate bound to a user or unit")
    CRL_ADDED = "signatures.crl_added", _("Revocation list stored")
    OCSP_ADDED = "signatures.ocsp_added", _("OCSP response stored")
    POLICY_SET = "signatures.policy_set", _("Unit signature policy changed")
    VERIFIED = "signatures.verified", _("Signatures verified")
    ETSI_REPORT_ADDED = "signatures.etsi_report_added", _("ETSI validation report added")
    ORGANISATION_SIGNED = "signatures.organisation_signed", _("Organisation signature applied")
    TICKET_ISSUED = "signatures.ticket_issued", _("Browser signing link issued")
    TICKET_DOWNLOADED = "signatures.ticket_downloaded", _("File to sign downloaded")
    TICKET_ACCEPTED = "signatures.ticket_accepted", _("Signed file accepted")
    TICKET_REJECTED = "signatures.ticket_rejected", _("Signed file refused")
    METHOD_SET = "signatures.method_set", _("Personal signing method set")
    IMAGE_UPLOADED = "signatures.image_uploaded", _("Signature image uploaded")
    DELEGATION_CREATED = "signatures.delegation_created", _("Delegation to sign recorded")
    DELEGATION_REVOKED = "signatures.delegation_revoked", _("Delegation to sign revoked")
    PERSONAL_SIGNED = "signatures.personal_signed", _("Signed by the competent person")
