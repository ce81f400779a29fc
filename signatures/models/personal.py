"""
Personal signing (NĐ 30 Điều 13, Phụ lục I): how each competent person signs (browser VGCA,
PKCS#11 token with a PIN entered at signing, remote signing over the CSC API), the signature
images the unit administrator manages, and delegations of the power to sign (ủy quyền).
"""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import DelegationKind, ImageKind, PersonalMethod

__all__ = ["PersonalSigningMethod", "SignatureImage", "Delegation"]


class PersonalSigningMethod(models.Model):
    """
    One way a person signs with their own certificate. ``pkcs11``: a token or HSM slot the
    server reaches (module, token and key labels); the PIN is typed at each signing and never
    stored. ``remote``: a Cloud Signature Consortium API service (VNPT SmartCA, Viettel MySign
    and others plug in here) — base URL and credential id; the PIN/OTP is typed at signing and
    the bearer token, if any, is a named secret. ``vgca``: the Ban Cơ yếu VGCA Sign Service on
    the person's PC (browser round trip through a signing ticket).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="signing_methods")
    kind = models.CharField(_("method"), max_length=10, choices=PersonalMethod.choices)
    label = models.CharField(_("label"), max_length=100, blank=True)
    certificate = models.ForeignKey("signatures.Certificate", verbose_name=_("certificate"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    pkcs11_module = models.CharField(_("PKCS#11 module"), max_length=500, blank=True)
    token_label = models.CharField(_("token label"), max_length=100, blank=True)
    key_label = models.CharField(_("key label"), max_length=100, blank=True)
    csc_service_url = models.URLField(_("CSC service URL"), max_length=500, blank=True,
                                      help_text=_("The part before /csc/v1/."))
    csc_credential_id = models.CharField(_("CSC credential id"), max_length=200, blank=True)
    csc_token_secret = models.CharField(_("CSC bearer token secret name"), max_length=100, blank=True,
                                        help_text=_("Name of the secret holding the OAuth token (not the token)."))
    is_default = models.BooleanField(_("default"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["user", "-is_default", "pk"]
        verbose_name = _("personal signing method")
        verbose_name_plural = _("personal signing methods")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="vgca")
                | Q(kind="pkcs11", pkcs11_module__gt="", token_label__gt="", key_label__gt="")
                | Q(kind="remote", csc_service_url__gt="", csc_credential_id__gt=""),
                name="signatures_personalsigningmethod_complete"),
            models.UniqueConstraint(fields=["user"], condition=Q(is_default=True, is_active=True),
                                    name="signatures_personalsigningmethod_one_default"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"


class SignatureImage(models.Model):
    """
    A signature image (a person's handwritten signature, blue, for the competent person's
    digital signature) or a seal image (red, for the organisation signature), PNG with a
    transparent background, uploaded and checked by the unit administrator. Replaced, never
    edited: the previous image stays for the record with ``is_active=False``.
    """

    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT,
                             related_name="signature_images")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signer"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="signature_images")
    kind = models.CharField(_("kind"), max_length=10, choices=ImageKind.choices)
    path = models.CharField(_("file"), max_length=500)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(_("width (px)"))
    height = models.PositiveIntegerField(_("height (px)"))
    is_active = models.BooleanField(_("active"), default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["unit", "kind", "-uploaded_at", "pk"]
        verbose_name = _("signature image")
        verbose_name_plural = _("signature images")
        constraints = [
            models.CheckConstraint(condition=Q(kind="seal", user__isnull=True) | Q(kind="signature", user__isnull=False),
                                   name="signatures_signatureimage_owner"),
            models.UniqueConstraint(fields=["unit", "user", "kind"], condition=Q(is_active=True),
                                    name="signatures_signatureimage_one_active"),
            models.UniqueConstraint(fields=["unit", "kind"], condition=Q(is_active=True, user__isnull=True),
                                    name="signatures_signatureimage_one_active_seal"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.user or self.unit}"


class Delegation(models.Model):
    """
    The power to sign handed by a competent person (``delegator``, a leader of the unit) to
    another (``delegate``), recorded by the delegator: KT. (a deputy signs for the head), TL.
    (by order) or TUQ. (by written authorisation, time- and scope-limited). Applies to the
    listed document types (empty: every type) from ``valid_from`` to ``valid_to``. One hop
    only: a delegate cannot hand the power on (NĐ 30 Điều 13.3), so a person acting under a
    delegation of a kind cannot record one of that kind. Revoked, never deleted.
    """

    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT,
                             related_name="delegations")
    delegator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("delegator"), on_delete=models.PROTECT,
                                  related_name="delegations_given")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("delegate"), on_delete=models.PROTECT,
                                 related_name="delegations_received")
    kind = models.CharField(_("kind"), max_length=4, choices=DelegationKind.choices)
    doc_types = models.JSONField(_("document types"), default=list, blank=True,
                                 help_text=_("Abbreviations (QĐ, CV, …); empty for every type."))
    delegator_title = models.CharField(_("delegator's title"), max_length=100,
                                       help_text=_("Printed after KT./TL./TUQ., e.g. GIÁM ĐỐC."))
    delegate_title = models.CharField(_("delegate's title"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["unit", "-valid_from", "pk"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")),
                                   name="signatures_delegation_valid_range"),
            models.CheckConstraint(condition=~Q(delegator=models.F("delegate")),
                                   name="signatures_delegation_not_to_self"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.delegator} → {self.delegate} ({self.valid_from}–{self.valid_to})"

    def covers(self, *, doc_type: str, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return (self.revoked_at is None and self.valid_from <= on <= self.valid_to
                and (not self.doc_types or doc_type in self.doc_types))
