"""
Drafts (dự thảo) on their road to issue: versions, comment requests and answers, the
approval path and its trail. The fields of the future document live on its ``Document``
(status draft) so numbering and sending stay the documents' own; a draft adds what happens
before. See docs/drafting.md.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.models import Unit

from ..choices import CommentVerdict, DraftEventKind, DraftState
from .documents import Document
from .routing import IncomingRecord

__all__ = ["Draft", "DraftVersion", "DraftEvent", "CommentRequest", "CommentTarget", "CommentAnswer"]


class Draft(models.Model):
    """
    A draft of an outgoing document of ``owner_unit``, written in ``division``. Its versions
    are files that are never overwritten; its events are the trail kept with the issued
    document. ``replies_to`` are the incoming records it answers: issuing closes their
    handling (status 06) and links the reply at both ends.
    """

    owner_unit = models.ForeignKey(Unit, verbose_name=_("drafting unit"), on_delete=models.PROTECT,
                                   related_name="drafts")
    division = models.ForeignKey("units.Division", verbose_name=_("drafting division"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="drafts")
    document = models.OneToOneField(Document, verbose_name=_("document"), on_delete=models.PROTECT,
                                    related_name="draft")
    state = models.CharField(_("state"), max_length=16, choices=DraftState.choices, default=DraftState.DRAFTING,
                             db_index=True)
    drafter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("drafter"), on_delete=models.PROTECT,
                                related_name="drafts")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signer"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="drafts_to_sign")
    on_behalf_of = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signs for"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    competence = models.CharField(_("signing competence"), max_length=4, blank=True,
                                  help_text=_("Empty, TM., KT., TL., TUQ. or Q."))
    approved_version = models.ForeignKey("documents.DraftVersion", verbose_name=_("version approved by the signer"),
                                         null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signed_path = models.CharField(_("signed file"), max_length=500, blank=True)
    signed_sha256 = models.CharField(_("signed file SHA-256"), max_length=64, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signing_method = models.CharField(_("signing method"), max_length=10, blank=True)
    delegation = models.ForeignKey("signatures.Delegation", verbose_name=_("delegation used"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    sign_ticket = models.ForeignKey("signatures.SigningTicket", verbose_name=_("browser signing ticket"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    replies_to = models.ManyToManyField(IncomingRecord, verbose_name=_("answers"), blank=True,
                                        related_name="reply_drafts")
    last_note = models.TextField(_("last reviewer's note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        indexes = [models.Index(fields=["owner_unit", "state", "-updated_at"], name="documents_draft_queue")]

    def __str__(self) -> str:
        return f"{_('Draft')} #{self.pk}"


def draft_version_upload_to(instance: "DraftVersion", filename: str) -> str:
    return f"drafts/{instance.sha256[:2]}/{instance.sha256}"


class DraftVersion(models.Model):
    """One file of a draft, with its author and time. Numbered 1, 2, …; never overwritten."""

    draft = models.ForeignKey(Draft, verbose_name=_("draft"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    path = models.CharField(_("file"), max_length=500)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    made_in = models.CharField(_("made during"), max_length=16, choices=DraftState.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    text = models.TextField(_("extracted text"), blank=True, editable=False)

    class Meta:
        ordering = ["draft", "number"]
        verbose_name = _("draft version")
        verbose_name_plural = _("draft versions")
        constraints = [models.UniqueConstraint(fields=["draft", "number"], name="documents_draftversion_unique_number")]

    def __str__(self) -> str:
        return f"v{self.number}"


class DraftEvent(models.Model):
    """One step of a draft's trail: who did what, when, on which version, with which note. Append-only."""

    draft = models.ForeignKey(Draft, verbose_name=_("draft"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=DraftEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("actor name"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    version = models.ForeignKey(DraftVersion, verbose_name=_("version"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state after"), max_length=16, choices=DraftState.choices)
    note = models.TextField(_("note"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["draft", "at", "pk"]
        verbose_name = _("draft event")
        verbose_name_plural = _("draft events")

    def __str__(self) -> str:
        return f"#{self.draft_id} {self.kind}"


class CommentRequest(models.Model):
    """
    A request for opinions on one version of a draft (lấy ý kiến), to named people and/or
    other units, with a deadline that can be extended. Units receive it through the exchange
    as a document (``document``) whose due date is the deadline.
    """

    draft = models.ForeignKey(Draft, verbose_name=_("draft"), on_delete=models.PROTECT, related_name="comment_requests")
    version = models.ForeignKey(DraftVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("message"), blank=True)
    deadline = models.DateField(_("deadline"))
    extensions = models.PositiveSmallIntegerField(_("extensions"), default=0)
    document = models.OneToOneField(Document, verbose_name=_("request sent to units"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="comment_request")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["draft", "-created_at", "-pk"]
        verbose_name = _("comment request")
        verbose_name_plural = _("comment requests")
        indexes = [models.Index(fields=["deadline"], condition=Q(closed_at__isnull=True),
                                name="documents_commentreq_open")]

    def __str__(self) -> str:
        return f"{_('Comments')} #{self.pk} ({self.deadline})"


class CommentTarget(models.Model):
    """One person or one unit asked for an opinion."""

    request = models.ForeignKey(CommentRequest, verbose_name=_("request"), on_delete=models.PROTECT,
                                related_name="targets")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="comment_targets")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    reminded_on = models.DateField(_("last reminder"), null=True, blank=True)

    class Meta:
        ordering = ["request", "pk"]
        verbose_name = _("comment target")
        verbose_name_plural = _("comment targets")
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False, unit__isnull=True) | Q(user__isnull=True,
                                                                                           unit__isnull=False),
                                   name="documents_commenttarget_person_or_unit"),
            models.UniqueConstraint(fields=["request", "user"], condition=Q(user__isnull=False),
                                    name="documents_commenttarget_unique_user"),
            models.UniqueConstraint(fields=["request", "unit"], condition=Q(unit__isnull=False),
                                    name="documents_commenttarget_unique_unit"),
        ]

    def __str__(self) -> str:
        return str(self.user or self.unit)


class CommentAnswer(models.Model):
    """An opinion: agree, disagree or another opinion; a comment unless agreeing; optionally a file."""

    target = models.OneToOneField(CommentTarget, verbose_name=_("asked"), on_delete=models.PROTECT,
                                  related_name="answer")
    verdict = models.CharField(_("opinion"), max_length=10, choices=CommentVerdict.choices)
    comment = models.TextField(_("comment"), blank=True)
    file_path = models.CharField(_("file"), max_length=500, blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(_("answered at"))
    incoming = models.ForeignKey(IncomingRecord, verbose_name=_("received as"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["target", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} — {self.comment[:40]}"
