"""Organisation signing keys, per-unit acceptance policy, and browser-signing tickets."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import KeySource, PolicyMode, TicketStatus

__all__ = ["SigningKey", "UnitSignaturePolicy", "SigningTicket"]


class SigningKey(models.Model):
    """
    Where the organisation's private key of a unit lives: an encrypted PKCS#12 file in the
    default storage, or a PKCS#11 token/HSM. The database never holds a private key in clear
    nor its passphrase/PIN: ``secret_name`` names a secret from the environment
    (``SIGNATURES_SECRET_<NAME>``) or the ``SIGNATURES_KEY_SECRETS`` setting.
    """

    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="signing_keys")
    label = models.CharField(_("label"), max_length=100)
    source = models.CharField(_("key source"), max_length=10, choices=KeySource.choices)
    pkcs12_path = models.CharField(
        _("PKCS#12 file"), max_length=500, blank=True, help_text=_("Path of the encrypted .p12 in the default storage.")
    )
    pkcs11_module = models.CharField(_("PKCS#11 module"), max_length=500, blank=True)
    token_label = models.CharField(_("token label"), max_length=100, blank=True)
    key_label = models.CharField(_("key label"), max_length=100, blank=True)
    certificate = models.ForeignKey(
        "signatures.Certificate", verbose_name=_("certificate"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    seal_path = models.CharField(
        _("seal image"), max_length=500, blank=True,
        help_text=_("PNG with transparent background in the default storage; the sample seal when empty."),
    )
    secret_name = models.CharField(
        _("secret name"), max_length=100, help_text=_("Name of the passphrase or PIN secret (not the secret itself).")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["unit", "label"]
        verbose_name = _("organisation signing key")
        verbose_name_plural = _("organisation signing keys")
        constraints = [
            models.UniqueConstraint(fields=["unit", "label"], name="signatures_signingkey_unique_unit_label"),
            models.CheckConstraint(
                condition=Q(source="pkcs12", pkcs12_path__gt="")
                | Q(source="pkcs11", pkcs11_module__gt="", token_label__gt="", key_label__gt="")
                ,
                name="signatures_signingkey_source_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_source_display()})"


class UnitSignaturePolicy(models.Model):
    """How a unit treats an incoming document whose main file is not validly signed."""

    unit = models.OneToOneField(
        "units.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="signature_policy"
    )
    mode = models.CharField(_("mode"), max_length=8, choices=PolicyMode.choices, default=PolicyMode.WARN)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["unit"]
        verbose_name = _("unit signature policy")
        verbose_name_plural = _("unit signature policies")

    def __str__(self) -> str:
        return f"{self.unit}: {self.get_mode_display()}"


class SigningTicket(models.Model):
    """
    One browser-signing round with the VGCA Sign Service: the portal serves ``source_path``
    once through an unguessable download URL, and accepts one upload of the signed file
    through the matching upload URL. The upload is re-verified (same bytes first, signer bound
    to ``user``, nothing changed beyond form filling) before it is kept in ``signed_path``.
    """

    token = models.CharField(_("token"), max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(_("file name"), max_length=255)
    source_path = models.CharField(_("served file"), max_length=500)
    source_sha256 = models.CharField(_("served file SHA-256"), max_length=64)
    source_size = models.PositiveBigIntegerField(_("served file size"))
    signed_path = models.CharField(_("signed file"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.ISSUED)
    verification = models.ForeignKey(
        "signatures.Verification", verbose_name=_("verification"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    rejection = models.TextField(_("rejection reason"), blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    downloaded_at = models.DateTimeField(_("downloaded at"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("browser signing ticket")
        verbose_name_plural = _("browser signing tickets")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at
