"""Dispatches (one per document × recipient), their events, and the recipient's incoming records."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from units.models import Unit

from ..choices import (
    DeliveryState,
    EventKind,
    HandlerRole,
    IncomingStatus,
    NoteKind,
    RequestKind,
    StatusCode,
    Urgency,
)
from .documents import Document
from .registers import Register

__all__ = ["Dispatch", "DispatchEvent", "IncomingRecord", "IncomingAssignment", "HandlingNote", "IncomingRead"]


class Dispatch(models.Model):
    """
    Hand-over of one Document to one recipient Unit: the delivery state machine
    (pending → sending → delivered, or retrying → failed) and the latest business status the
    recipient reported (edXML 01–16). Never deleted: with its events it is the proof of dispatch.
    """

    # No index of its own on document: the unique (document, recipient) index starts with it.
    document = models.ForeignKey(Document, verbose_name=_("document"), on_delete=models.PROTECT,
                                 related_name="dispatches", db_index=False)
    recipient = models.ForeignKey(Unit, verbose_name=_("recipient"), on_delete=models.PROTECT,
                                  related_name="received_dispatches")
    addressed_to = models.ForeignKey(
        Unit, verbose_name=_("addressed to"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,  # nearly always empty: a partial index (Meta)
        help_text=_("The unit the sender picked, when it no longer existed and its successor received instead."))
    sender = models.ForeignKey(Unit, verbose_name=_("sender"), on_delete=models.PROTECT, related_name="sent_dispatches")
    is_remote = models.BooleanField(_("remote"), default=False)
    state = models.CharField(_("delivery state"), max_length=10, choices=DeliveryState.choices,
                             default=DeliveryState.PENDING)
    state_reason = models.CharField(_("reason"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    # h17: the lease — the worker that took the latest message of this dispatch, and when. Held as long
    # as that worker's heartbeat is fresh; the sweeper re-enqueues the work of a dead one at once.
    claimed_by = models.CharField(_("claimed by"), max_length=255, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    consignment_id = models.UUIDField(_("consignment id"), default=uuid.uuid4, editable=False)
    status_code = models.CharField(_("status"), max_length=2, choices=StatusCode.choices, blank=True)
    status_at = models.DateTimeField(_("status time"), null=True, blank=True)
    status_by = models.CharField(_("status reported by"), max_length=200, blank=True)
    status_note = models.CharField(_("status note"), max_length=500, blank=True)
    # The incoming number (số đến) a recipient served by another system gave the document, read from
    # its status 03 (a local recipient's is on its IncomingRecord).
    remote_incoming_number = models.CharField(_("recipient's incoming number"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["document", "pk"]
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        constraints = [
            models.UniqueConstraint(fields=["document", "recipient"], name="documents_dispatch_unique_document_recipient"),
        ]
        indexes = [
            # The sweeper's work queue: unfinished dispatches by age.
            models.Index(fields=["state", "enqueued_at"], name="documents_dispatch_queue",
                         condition=Q(state__in=["pending", "sending", "retrying"])),
            # h17: foreign keys that are nearly always empty are indexed where set only (each index
            # is one more insertion per delivered row).
            models.Index(fields=["addressed_to"], name="documents_dispatch_addressed",
                         condition=Q(addressed_to__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.recipient_id} [{self.state}]"


class DispatchEvent(models.Model):
    """
    One transition of a dispatch: a delivery state (kind ``transport``) or a business status
    from the recipient (kind ``business``, edXML code), with time and actor. Append-only.
    """

    dispatch = models.ForeignKey(Dispatch, verbose_name=_("dispatch"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices)
    code = models.CharField(_("code"), max_length=12)
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+", db_index=False)  # partial (Meta)
    actor_name = models.CharField(_("actor name"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    # A note the portal writes (not a person) as a code and parameters (egov.core.messages), shown
    # in the reader's language; blank for people's notes and rows written before codes existed.
    note_code = models.CharField(_("note code"), max_length=80, blank=True)
    note_params = models.JSONField(_("note parameters"), default=dict, blank=True)

    class Meta:
        ordering = ["dispatch", "at", "pk"]
        verbose_name = _("dispatch event")
        verbose_name_plural = _("dispatch events")
        indexes = [models.Index(fields=["actor"], name="documents_event_actor", condition=Q(actor__isnull=False))]

    def __str__(self) -> str:
        return f"{self.dispatch_id} {self.kind}:{self.code} @ {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def note_display(self) -> str:
        """The note in the active language (the reader's)."""
        from egov.core.messages import render

        return render(self.note_code, self.note_params, fallback=self.note)

    @staticmethod
    def note_fields(note) -> dict:
        """``note``, ``note_code`` and ``note_params`` for a note that is a ``Msg`` or a person's text."""
        from egov.core.messages import message_fields

        f = message_fields(note, limit=1000)
        return {"note": f["text"], "note_code": f["code"], "note_params": f["params"]}


class IncomingRecord(models.Model):
    """
    A document as received by one unit (văn bản đến): arrival, registration with an incoming
    number, assignment, handling, completion. Exactly one per dispatch: the unique dispatch
    key makes a repeated or concurrent delivery harmless.
    """

    dispatch = models.OneToOneField(Dispatch, verbose_name=_("dispatch"), on_delete=models.PROTECT,
                                    related_name="incoming")
    # No index of its own on unit: the inbox, status and id indexes start with it.
    unit = models.ForeignKey(Unit, verbose_name=_("recipient unit"), on_delete=models.PROTECT, related_name="incoming",
                             db_index=False)
    document = models.ForeignKey(Document, verbose_name=_("document"), on_delete=models.PROTECT, related_name="+")
    sender = models.ForeignKey(Unit, verbose_name=_("sender"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=IncomingStatus.choices,
                              default=IncomingStatus.ARRIVED)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices, default=Urgency.NORMAL)
    arrived_at = models.DateTimeField(_("arrived at"))
    register = models.ForeignKey(Register, verbose_name=_("register"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="incoming_records", db_index=False)
    incoming_number = models.PositiveIntegerField(_("incoming number"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)
    rejected_reason = models.CharField(_("reason for rejection"), max_length=500, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    main_handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("main handler"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+", db_index=False)
    instruction = models.TextField(_("instruction"), blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    reply_document = models.ForeignKey(Document, verbose_name=_("reply document"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+", db_index=False)
    open_request = models.CharField(_("open request"), max_length=10, choices=RequestKind.choices, blank=True)
    open_request_reason = models.CharField(_("request reason"), max_length=500, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=500, blank=True)
    last_reminded_on = models.DateField(_("last reminder"), null=True, blank=True)
    verification = models.ForeignKey(
        "signatures.Verification", verbose_name=_("signature verification at receipt"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("The main file's signatures as checked when the document arrived: the evidence of receipt."))
    search_text = models.CharField(max_length=800, default="", editable=False)

    class Meta:
        ordering = ["-arrived_at", "-pk"]
        verbose_name = _("incoming document")
        verbose_name_plural = _("incoming documents")
        constraints = [
            models.UniqueConstraint(fields=["register", "incoming_number"], condition=Q(incoming_number__isnull=False),
                                    name="documents_incoming_unique_register_number"),
        ]
        indexes = [
            # The inbox: one unit's records newest first, optionally by status.
            models.Index(fields=["unit", "-arrived_at", "-id"], name="documents_incoming_inbox"),
            models.Index(fields=["unit", "status", "-arrived_at"], name="documents_incoming_status"),
            # The API pages by id (stable under equal arrival times).
            models.Index(fields=["unit", "-id"], name="documents_incoming_unit_id"),
            models.Index(fields=["deadline"], name="documents_incoming_deadline",
                         condition=Q(status__in=["accepted", "assigned", "in_progress"])),
            # h17: the foreign keys empty when a record arrives are indexed where set only: a
            # delivered row makes four index insertions fewer.
            models.Index(fields=["register"], name="documents_incoming_register", condition=Q(register__isnull=False)),
            models.Index(fields=["accepted_by"], name="documents_incoming_accepted_by",
                         condition=Q(accepted_by__isnull=False)),
            models.Index(fields=["main_handler"], name="documents_incoming_handler",
                         condition=Q(main_handler__isnull=False)),
            models.Index(fields=["reply_document"], name="documents_incoming_reply",
                         condition=Q(reply_document__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} ← {self.document_id} [{self.status}]"


class IncomingAssignment(models.Model):
    """A person assigned to an incoming document: main handler, co-handler or for information."""

    incoming = models.ForeignKey(IncomingRecord, verbose_name=_("incoming document"), on_delete=models.PROTECT,
                                 related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT,
                             related_name="incoming_assignments")
    role = models.CharField(_("role"), max_length=10, choices=HandlerRole.choices)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), on_delete=models.PROTECT,
                                    related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"))
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    division = models.ForeignKey("units.Division", verbose_name=_("through division"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+",
                                 help_text=_("Set when the division head made this assignment."))
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("removed by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    removed_reason = models.CharField(_("reason for removal"), max_length=500, blank=True)

    class Meta:
        ordering = ["incoming", "role", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [models.Index(fields=["user", "is_active"], name="documents_assign_user_active")]

    def __str__(self) -> str:
        return f"{self.user} {self.role} #{self.incoming_id}"


class HandlingNote(models.Model):
    """A handler's note on an incoming document, with the progress reported."""

    incoming = models.ForeignKey(IncomingRecord, verbose_name=_("incoming document"), on_delete=models.PROTECT,
                                 related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=NoteKind.choices, default=NoteKind.PROGRESS)
    text = models.TextField(_("note"))
    # A note the portal writes itself ("Answered by …") as a code and parameters
    # (egov.core.messages), shown in the reader's language; blank for a handler's own words.
    text_code = models.CharField(_("note code"), max_length=80, blank=True)
    text_params = models.JSONField(_("note parameters"), default=dict, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["incoming", "created_at", "pk"]
        verbose_name = _("handling note")
        verbose_name_plural = _("handling notes")

    @property
    def text_display(self) -> str:
        """The text in the active language (the reader's): its code rendered, else the stored text."""
        from egov.core.messages import render

        return render(self.text_code, self.text_params, fallback=self.text)

    def __str__(self) -> str:
        return self.text[:60]


class IncomingRead(models.Model):
    """
    The first time a user opened an incoming record: the inbox shows the others in bold and
    counts them in the "unread" tab. One row per user and record, never updated.
    """

    incoming = models.ForeignKey(IncomingRecord, verbose_name=_("incoming document"), on_delete=models.CASCADE,
                                 related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="+")
    read_at = models.DateTimeField(_("first read at"))

    class Meta:
        ordering = ["incoming", "user"]
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [models.UniqueConstraint(fields=["user", "incoming"], name="documents_incomingread_unique_user")]

    def __str__(self) -> str:
        return f"{self.user_id} read #{self.incoming_id}"
