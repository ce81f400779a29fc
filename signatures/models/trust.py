"""Trust material: anchors, the certificate registry, CRLs and OCSP responses."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import CertificateBinding, RevocationSource

__all__ = ["TrustStoreState", "TrustAnchor", "Certificate", "CertificateQuerySet", "RevocationList", "OCSPRecord"]


class TrustStoreState(models.Model):
    """
    One row (pk=1) whose ``version`` grows on every change of trust material. Each process
    caches its parsed trust store and compares this number (one query) before using it, and
    every verification records the version it used.
    """

    version = models.PositiveBigIntegerField(_("version"), default=1)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("trust store state")
        verbose_name_plural = _("trust store states")

    def __str__(self) -> str:
        return f"v{self.version}"


class TrustAnchor(models.Model):
    """
    A root CA certificate the portal trusts (e.g. "RootCA chuyên dùng Chính phủ G2", "Vietnam
    National Root CA"). Added by an administrator who compared the SHA-256 fingerprint with the
    one published by the CA; never fetched by the portal. Disabled anchors are kept for the record.
    """

    name = models.CharField(_("name"), max_length=255)
    der = models.BinaryField(_("certificate (DER)"))
    sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    subject = models.CharField(_("subject"), max_length=1000)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    enabled = models.BooleanField(_("enabled"), default=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("trust anchor")
        verbose_name_plural = _("trust anchors")
        constraints = [
            models.CheckConstraint(
                condition=Q(enabled=False) | Q(confirmed_at__isnull=False),
                name="signatures_trustanchor_enabled_needs_confirmation",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def fingerprint_display(self) -> str:
        return ":".join(self.sha256[i : i + 2] for i in range(0, len(self.sha256), 2)).upper()


class CertificateQuerySet(models.QuerySet):
    def search(self, term: str) -> "CertificateQuerySet":
        """Subject, issuer, serial (hex), UID (CCCD/MST…) or SHA-256 contains ``term``."""
        from egov.core.text import search_key

        term = (term or "").strip()
        if not term:
            return self
        return self.filter(
            Q(search_text__contains=search_key(term)) | Q(serial_hex__iexact=term.replace(":", "")) | Q(sha256=term.lower())
        )

    def expiring_within(self, days: int, *, now: datetime.datetime | None = None) -> "CertificateQuerySet":
        now = now or timezone.now()
        return self.filter(not_after__gte=now, not_after__lte=now + datetime.timedelta(days=days))

    def valid_now(self) -> "CertificateQuerySet":
        now = timezone.now()
        return self.filter(not_before__lte=now, not_after__gte=now)


class Certificate(models.Model):
    """
    A certificate known to the portal: intermediate CAs (used to build chains) and end-entity
    certificates of people and organisations of the province (over 4,000). An end-entity
    certificate can be bound to a user (personal) or a unit (organisation); that binding is what
    lets the portal say "signed by this clerk" and check browser-signed uploads.
    """

    der = models.BinaryField(_("certificate (DER)"))
    sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    subject = models.CharField(_("subject"), max_length=1000)
    common_name = models.CharField(_("common name"), max_length=255, blank=True)
    organisation = models.CharField(_("organisation"), max_length=255, blank=True)
    issuer = models.CharField(_("issuer"), max_length=1000)
    serial_hex = models.CharField(_("serial number"), max_length=64, db_index=True)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"), db_index=True)
    key_usage = models.JSONField(_("key usage"), default=list, blank=True)
    extended_key_usage = models.JSONField(_("extended key usage"), default=list, blank=True)
    uids = models.JSONField(
        _("subject UIDs"), default=list, blank=True,
        help_text=_("Values of the subject UID attribute, e.g. CCCD:040123456789, MST:2900123456."),
    )
    is_ca = models.BooleanField(_("CA certificate"), default=False, db_index=True)
    public_key = models.CharField(_("public key"), max_length=40, blank=True, help_text=_("e.g. RSA-2048, EC-256"))
    binding = models.CharField(_("binding"), max_length=20, choices=CertificateBinding.choices, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="signing_certificates",
    )
    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="signing_certificates",
    )
    search_text = models.CharField(max_length=1000, editable=False, default="", db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["not_after", "pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        indexes = [models.Index(fields=["unit", "not_after"], name="signatures_cert_unit_not_after")]
        constraints = [
            models.CheckConstraint(
                condition=Q(binding="") | Q(binding="personal", user__isnull=False) | Q(binding="organisation", unit__isnull=False),
                name="signatures_certificate_binding_has_owner",
            ),
            models.CheckConstraint(condition=Q(is_ca=False) | Q(binding=""), name="signatures_certificate_ca_not_bound"),
        ]

    def __str__(self) -> str:
        return self.common_name or self.subject

    def save(self, *args, **kwargs):
        from egov.core.text import search_key

        self.search_text = search_key(self.subject, self.issuer, " ".join(self.uids), self.serial_hex)[:1000]
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)


class RevocationList(models.Model):
    """
    A CRL as published by a CA, uploaded by an operator or fetched from its distribution point.
    Kept after being superseded: a past verification names the CRL it used. Only the newest
    CRL per issuer (highest ``this_update``) is used for new verifications.
    """

    issuer = models.CharField(_("issuer"), max_length=1000)
    issuer_key_id = models.CharField(_("issuer key identifier"), max_length=128, blank=True, db_index=True)
    der = models.BinaryField(_("CRL (DER)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    this_update = models.DateTimeField(_("this update"))
    next_update = models.DateTimeField(_("next update"), null=True, blank=True)
    crl_number = models.CharField(_("CRL number"), max_length=64, blank=True)
    entries = models.PositiveIntegerField(_("revoked entries"), default=0)
    source = models.CharField(_("source"), max_length=20, choices=RevocationSource.choices, default=RevocationSource.UPLOAD)
    source_url = models.URLField(_("distribution point"), max_length=500, blank=True)
    is_current = models.BooleanField(_("current"), default=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["issuer", "-this_update", "pk"]
        verbose_name = _("certificate revocation list")
        verbose_name_plural = _("certificate revocation lists")

    def __str__(self) -> str:
        return f"{self.issuer} @ {self.this_update:%Y-%m-%d %H:%M}"


class OCSPRecord(models.Model):
    """An OCSP response stored as revocation evidence (the portal does not query responders)."""

    der = models.BinaryField(_("OCSP response (DER)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    serial_hex = models.CharField(_("certificate serial number"), max_length=64, db_index=True, blank=True)
    produced_at = models.DateTimeField(_("produced at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-produced_at", "pk"]
        verbose_name = _("OCSP response")
        verbose_name_plural = _("OCSP responses")

    def __str__(self) -> str:
        return f"OCSP {self.serial_hex} @ {self.produced_at}"
