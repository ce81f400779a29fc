"""Verification results and the evidence behind them."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import SignedFileKind, Verdict, VerificationStatus

__all__ = ["Verification"]


class Verification(models.Model):
    """
    The result of checking the signatures of one file (a PDF, an XML document, or a file with
    a detached .p7s), with the evidence used: file SHA-256, per-signature results, chains,
    the CRL/OCSP data, trust-store version, library versions and the ETSI report where pyHanko
    gives one. Never updated once done: without a timestamp a later re-check can fail once the
    certificate expires, so the result recorded at receipt is the evidence.

    A verification may be created ``pending`` with ``file_path`` (and ``detached_path``)
    pointing into the default storage; ``verify_blob_task`` then runs it. Other apps keep a
    foreign key to it (documents: attachments and received files).
    """

    status = models.CharField(
        _("status"), max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.PENDING, db_index=True
    )
    kind = models.CharField(_("format"), max_length=10, choices=SignedFileKind.choices, blank=True, default="")
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices, blank=True, default="", db_index=True)
    reason_code = models.CharField(_("reason code"), max_length=40, blank=True, default="")
    reason_en = models.TextField(_("reason (English)"), blank=True, default="")
    reason_vi = models.TextField(_("reason (Vietnamese)"), blank=True, default="")
    filename = models.CharField(_("file name"), max_length=255, blank=True, default="")
    file_path = models.CharField(
        _("stored file"), max_length=500, blank=True, default="", help_text=_("Path in the default storage.")
    )
    detached_path = models.CharField(_("stored detached signature"), max_length=500, blank=True, default="")
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True, default="", db_index=True)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    signatures = models.JSONField(_("signatures"), default=list, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    etsi_report = models.TextField(_("ETSI validation report"), blank=True, default="")
    # h17: the deferred ETSI report is still to be built (the sweep ``signatures.etsi_reports``
    # takes these, oldest first, through the partial index below).
    etsi_report_due = models.BooleanField(_("ETSI report due"), default=False, editable=False)
    trust_store_version = models.PositiveBigIntegerField(_("trust store version"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("signature verification")
        verbose_name_plural = _("signature verifications")
        indexes = [models.Index(fields=["id"], condition=models.Q(etsi_report_due=True),
                                name="signatures_verif_etsi_due")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="pending") | ~models.Q(verdict="") | models.Q(status="failed"),
                name="signatures_verification_done_has_verdict",
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename or self.file_sha256[:12]}: {self.verdict or self.status}"

    @property
    def is_valid(self) -> bool:
        return self.verdict == Verdict.VALID

    def summary(self) -> dict:
        """The JSON shape printed by ``verify_signature --json`` (see docs/signatures.md)."""
        return {
            "verdict": self.verdict,
            "reason_code": self.reason_code,
            "reason_vi": self.reason_vi,
            "reason_en": self.reason_en,
            "format": self.kind,
            "file_sha256": self.file_sha256,
            "signatures": self.signatures,
        }
