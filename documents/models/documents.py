"""Outgoing documents and their files."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from units.models import Unit
from egov.core.text import search_key

from ..choices import (
    DOCUMENT_TYPE_NAMES_VI,
    TYPES_WITHOUT_ABBREVIATION,
    AttachmentKind,
    BusinessType,
    DocumentStatus,
    DocumentType,
    Secrecy,
    Urgency,
)

__all__ = ["Document", "Attachment", "attachment_upload_to"]


class Document(models.Model):
    """
    An official document issued by a Unit (văn bản đi). Editable while a draft; once issued
    (numbered from a register) it is frozen: corrections travel as update, replacement or
    revocation documents pointing at it (``related_document``).
    """

    owner_unit = models.ForeignKey(Unit, verbose_name=_("issuing unit"), on_delete=models.PROTECT,
                                   related_name="documents")
    status = models.CharField(_("status"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT,
                              db_index=True)
    doc_type = models.CharField(_("document type"), max_length=4, choices=DocumentType.choices,
                                default=DocumentType.CONG_VAN)
    notation_suffix = models.CharField(
        _("drafting unit or field"), max_length=20, blank=True,
        help_text=_("Last part of the notation, e.g. VP in 05/SNV-VP; required for official letters."))
    is_normative = models.BooleanField(_("legal normative document"), default=False,
                                       help_text=_("Normative documents keep their own number series."))
    register = models.ForeignKey("documents.Register", verbose_name=_("register"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="documents")
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    notation = models.CharField(_("notation"), max_length=30, blank=True)
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    place = models.CharField(_("place of issue"), max_length=100, blank=True)
    subject = models.CharField(_("subject (trích yếu)"), max_length=500)
    content = models.TextField(_("content"), blank=True)
    signer_name = models.CharField(_("signer"), max_length=100, blank=True)
    signer_position = models.CharField(_("signer's position"), max_length=100, blank=True)
    signer_competence = models.CharField(_("signing competence"), max_length=20, blank=True,
                                         help_text=_("TM., KT., TL., TUQ., Q. or empty"))
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices, default=Urgency.NORMAL)
    secrecy = models.PositiveSmallIntegerField(_("secrecy"), choices=Secrecy.choices, default=Secrecy.NONE)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    recipients_text = models.TextField(_("recipients (nơi nhận)"), blank=True)
    page_amount = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    business_type = models.PositiveSmallIntegerField(_("business type"), choices=BusinessType.choices,
                                                     default=BusinessType.NEW)
    related_document = models.ForeignKey("self", verbose_name=_("earlier document"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="followups")
    business_reason = models.CharField(_("reason"), max_length=500, blank=True)
    document_id = models.CharField(_("DocumentId"), max_length=100, blank=True, db_index=True,
                                   help_text=_("OrganId,yyyy/MM/dd,Number/Notation"))
    search_text = models.CharField(max_length=800, editable=False, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("first sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        # The issue date is the day of issue; issuing on another day is a separate, audited permission.
        permissions = [("issue_on_another_day", _("Can issue a document dated another day than today"))]
        constraints = [
            models.UniqueConstraint(fields=["register", "number"], condition=Q(number__isnull=False),
                                    name="documents_document_unique_register_number"),
            models.UniqueConstraint(fields=["document_id"], condition=~Q(document_id=""),
                                    name="documents_document_unique_document_id"),
            models.CheckConstraint(condition=Q(status="draft") | Q(number__isnull=False),
                                   name="documents_document_issued_has_number"),
            models.CheckConstraint(condition=Q(business_type=0) | Q(related_document__isnull=False),
                                   name="documents_document_followup_has_related"),
        ]
        indexes = [models.Index(fields=["owner_unit", "-created_at"], name="documents_doc_owner_created"),
                   # h17: the search index sweep reads the recently issued documents of every unit.
                   models.Index(fields=["issued_at"], name="documents_doc_issued",
                                condition=Q(issued_at__isnull=False))]

    def __str__(self) -> str:
        return f"{self.number_notation or _('Draft')} — {self.subject[:80]}"

    def save(self, *args, **kwargs):
        # Derived search key (diacritic-free), like Unit.search_text.
        self.search_text = search_key(self.subject, self.number_notation, self.signer_name)[:800]
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def type_name_vi(self) -> str:
        return DOCUMENT_TYPE_NAMES_VI.get(self.doc_type, self.doc_type)

    def build_notation(self, issuer_short_name: str | None = None) -> str:
        """NĐ 30: type abbreviation - issuer abbreviation [- drafting unit]; công văn has no type part."""
        parts = []
        if self.doc_type not in TYPES_WITHOUT_ABBREVIATION:
            parts.append(self.doc_type)
        parts.append(issuer_short_name or self.owner_unit.short_name)
        if self.notation_suffix:
            parts.append(self.notation_suffix)
        return "-".join(parts)

    @property
    def number_notation(self) -> str:
        """``15/QĐ-UBND``; numbers below 10 take a leading zero (``05/SNV-VP``)."""
        if self.number is None:
            return ""
        return f"{self.number:02d}/{self.notation}"

    @property
    def is_secret(self) -> bool:
        return self.secrecy != Secrecy.NONE


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    # Content-addressed: the name never comes from the user, so no path tricks and no clashes.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    """A file of a document: the main file or an appendix. Its SHA-256 is fixed when uploaded."""

    document = models.ForeignKey(Document, verbose_name=_("document"), on_delete=models.PROTECT,
                                 related_name="attachments")
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices, default=AttachmentKind.MAIN)
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    description = models.CharField(_("description"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    mime_type = models.CharField(_("type"), max_length=100)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    verification = models.ForeignKey(
        "signatures.Verification", verbose_name=_("signature verification"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", help_text=_("Checked when the file was uploaded."))
    # h17: the check at receipt runs once per document (the same bytes reach every recipient): the
    # first delivery batch of the document creates it, every later batch and recipient shares it.
    receipt_verification = models.ForeignKey(
        "signatures.Verification", verbose_name=_("signature verification at receipt"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False)
    # h13b: set when the content was destroyed after its retention ended (records' destruction);
    # the row keeps the metadata (name, size, SHA-256), the stored bytes and derived texts are gone.
    destroyed_at = models.DateTimeField(_("content destroyed at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["document", "position", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.UniqueConstraint(fields=["document"], condition=Q(kind="main"),
                                    name="documents_attachment_one_main_file"),
        ]

    def __str__(self) -> str:
        return self.original_name
