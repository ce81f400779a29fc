"""Content search (NĐ 30 Phụ lục VI III.6.d–h): extracted file text, the per-unit index, saved searches."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from units.models import Unit

from ..choices import TextStatus
from .documents import Attachment, Document
from .routing import IncomingRecord

__all__ = ["AttachmentText", "SearchEntry", "SavedSearch"]


class AttachmentText(models.Model):
    """
    The text of one stored file, extracted in the background (PDF text layer, DOCX, XLSX). A
    PDF without a text layer is marked ``scanned`` (OCR is not run). One row per file.
    """

    attachment = models.OneToOneField(Attachment, verbose_name=_("file"), on_delete=models.CASCADE,
                                      related_name="text")
    status = models.CharField(_("status"), max_length=12, choices=TextStatus.choices)
    text = models.TextField(_("text"), blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    extracted_at = models.DateTimeField(_("extracted at"), auto_now=True)

    class Meta:
        ordering = ["attachment"]
        verbose_name = _("file text")
        verbose_name_plural = _("file texts")

    def __str__(self) -> str:
        return f"{self.attachment_id} [{self.status}]"


class SearchEntry(models.Model):
    """
    One document as one unit finds it: the unit's own outgoing document (``incoming`` empty)
    or its incoming record. The searchable text is stored as unit-scoped tokens (``u<unit>x<word>``
    of the diacritic-free form): on PostgreSQL in a ``tsvector`` column with a GIN index
    (migration 0009_h14), on SQLite in an FTS5 table; ``meta_tsv`` (subject, number, signer, sender only) ranks.
    A word absent from the unit has no
    posting list at all, however common it is elsewhere, and a unit never matches another
    unit's tokens. The plain columns serve ordering and display.
    """

    # No index on unit: the only way into this table for a search is the GIN index of the
    # unit-scoped tokens (a plain unit index would tempt the planner to scan the whole unit).
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    document = models.ForeignKey(Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="+",
                                 db_index=False)  # documents_searchentry_doc (Meta) is its index
    incoming = models.OneToOneField(IncomingRecord, verbose_name=_("incoming document"), null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="search_entry")
    at = models.DateTimeField(_("date"))
    indexed_at = models.DateTimeField(_("indexed at"), auto_now=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(fields=["unit", "document"], condition=models.Q(incoming__isnull=True),
                                    name="documents_searchentry_one_outgoing"),
        ]
        indexes = [models.Index(fields=["document"], name="documents_searchentry_doc")]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.document_id}"


class SavedSearch(models.Model):
    """A user's saved query in one unit: the terms and filters, the chosen columns and the ordering."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="saved_searches")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    params = models.JSONField(_("query"), default=dict)
    columns = models.JSONField(_("columns"), default=list)
    ordering = models.CharField(_("ordering"), max_length=20, default="relevance")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["user", "name"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "name"],
                                               name="documents_savedsearch_unique_name")]

    def __str__(self) -> str:
        return self.name
