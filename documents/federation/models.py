"""
Models of the federation app (label ``federation``; their tables keep the names they had in the
documents app). Federation with peer systems (other portals, the provincial LGSP, the national axis): the
peers, the log of packages received from them, the outbox of status packages going to them,
and the queue of packages waiting for systems that poll (pull mode). See docs/federation.md.
"""
from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from egov.core.crypto import EncryptedTextField

from .choices import HubItemState, InboundResult, OutboxState, PackageKind, PeerMode, PeerProtocol, PullState

__all__ = ["Peer", "InboundPackage", "StatusOutbox", "PullItem", "AxisSent", "AxisReceived", "HubItem", "HubNonce"]


class Peer(models.Model):
    """
    Another document system this portal exchanges edXML packages with. ``code`` is the value
    remote units carry in ``Unit.peer_ref``. Requests in both directions are signed with HMAC
    (one secret per direction); an optional client-certificate fingerprint pins mutual TLS at
    the proxy; ``signing_certificate`` is the certificate whose key signs its packages.
    """

    code = models.SlugField(_("code"), max_length=100, unique=True,
                            help_text=_("Matches the peer system reference of its units."))
    name = models.CharField(_("name"), max_length=200)
    base_url = models.URLField(_("base URL"), max_length=300, blank=True,
                               help_text=_("Root of its federation endpoints, e.g. https://peer.example.vn"))
    mode = models.CharField(_("mode"), max_length=4, choices=PeerMode.choices, default=PeerMode.PUSH)
    inbound_secret = EncryptedTextField(_("secret of its requests"), blank=True,
                                        help_text=_("HMAC key the peer signs its requests to this portal with "
                                                    "(stored encrypted)."))
    outbound_secret = EncryptedTextField(_("secret of our requests"), blank=True,
                                         help_text=_("HMAC key this portal signs its requests to the peer with "
                                                     "(stored encrypted)."))
    remote_code = models.CharField(_("our code at the peer"), max_length=100, blank=True,
                                   help_text=_("How the peer knows this portal; FEDERATION_PEER_CODE when empty."))
    client_cert_sha256 = models.CharField(_("client certificate SHA-256"), max_length=64, blank=True,
                                          help_text=_("When set, requests must come over mutual TLS with this "
                                                      "certificate (checked from the proxy's header)."))
    signing_certificate = models.TextField(_("package signing certificate (PEM)"), blank=True)
    require_signature = models.BooleanField(_("require signed packages"), default=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    # --- the axis / LGSP protocol (docs/federation.md, "Axis mode" and "Hub mode") ---
    protocol = models.CharField(_("protocol"), max_length=4, choices=PeerProtocol.choices, default=PeerProtocol.EGOV,
                                help_text=_("egov: another portal; axis: the national axis or an LGSP this portal is "
                                            "a client of; hub: an agency system connected to this portal's hub."))
    system_id = models.CharField(_("system id"), max_length=100, blank=True, db_index=True,
                                 help_text=_("axis: our systemId at the hub; hub: the connected system's systemId."))
    system_secret = EncryptedTextField(_("system secret"), blank=True,
                                       help_text=_("Shared secret of the systemId (stored encrypted)."))
    axis_from = models.CharField(_("polling agency"), max_length=100, blank=True,
                                 help_text=_("axis: OrganId named in the from header of polls and directory calls."))
    poll_interval = models.PositiveIntegerField(_("poll interval (s)"), default=0,
                                                help_text=_("0: AXIS_POLL_INTERVAL."))
    poll_next_at = models.DateTimeField(_("next poll"), null=True, blank=True, editable=False)
    poll_last_at = models.DateTimeField(_("last poll"), null=True, blank=True, editable=False)
    poll_last_ok_at = models.DateTimeField(_("last successful poll"), null=True, blank=True, editable=False)
    poll_failures = models.PositiveIntegerField(_("failed polls in a row"), default=0, editable=False)
    poll_error = models.TextField(_("last poll error"), blank=True, editable=False)
    reconciled_at = models.DateTimeField(_("last reconciliation"), null=True, blank=True, editable=False)
    directory_synced_at = models.DateTimeField(_("last directory sync"), null=True, blank=True, editable=False)
    hub_rate_per_minute = models.PositiveIntegerField(_("calls per minute"), default=0,
                                                      help_text=_("hub: 0 = HUB_RATE_PER_MINUTE."))
    hub_max_bytes = models.PositiveBigIntegerField(_("largest package (bytes)"), default=0,
                                                   help_text=_("hub: 0 = HUB_MAX_PACKAGE_BYTES."))
    stream_lease_until = models.DateTimeField(_("stream busy until"), null=True, blank=True, editable=False)
    stream_owner = models.CharField(_("stream owner"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "documents_peer"  # kept from when the federation lived in the documents app
        ordering = ["code"]
        verbose_name = _("peer system")
        verbose_name_plural = _("peer systems")
        constraints = [
            models.UniqueConstraint(fields=["system_id"], condition=Q(protocol="hub") & ~Q(system_id=""),
                                    name="federation_peer_unique_hub_system_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class InboundPackage(models.Model):
    """
    One package received from a peer (or imported by hand): the transport log. At most one
    *accepted* row per (peer, consignment id); repeats are logged as ``duplicate``.
    """

    peer = models.ForeignKey(Peer, verbose_name=_("peer"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="inbound_packages")
    consignment_id = models.CharField(_("consignment id"), max_length=64, blank=True)
    document_id = models.CharField(_("DocumentId"), max_length=100, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=8, choices=PackageKind.choices, blank=True)
    status_code = models.CharField(_("status code"), max_length=2, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    result = models.CharField(_("result"), max_length=10, choices=InboundResult.choices)
    code = models.CharField(_("answer code"), max_length=40, blank=True)
    message = models.CharField(_("message"), max_length=1000, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    signed_by = models.CharField(_("signed by"), max_length=300, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True,
                                help_text=_("What the import tolerated (shown to the clerk)."))
    stored_document = models.ForeignKey("documents.Document", verbose_name=_("document"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "documents_inboundpackage"  # kept from when the federation lived in the documents app
        ordering = ["-received_at", "-pk"]
        verbose_name = _("received package")
        verbose_name_plural = _("received packages")
        constraints = [
            models.UniqueConstraint(fields=["peer", "consignment_id"],
                                    condition=Q(result="accepted") & ~Q(consignment_id=""),
                                    name="documents_inboundpackage_unique_accepted_consignment"),
        ]

    def __str__(self) -> str:
        return f"{self.peer_id}:{self.consignment_id} {self.result}"


class StatusOutbox(models.Model):
    """
    A business status (DispatchEvent) that must travel to a peer as a status package. Sent in
    order by the peer's stream; the consignment id is kept across retries.
    """

    peer = models.ForeignKey(Peer, verbose_name=_("peer"), on_delete=models.PROTECT, related_name="status_outbox")
    # h17: no database foreign key: the events are partitioned by month on PostgreSQL (a foreign key
    # would have to name the partition key). Kept by the application: events are append-only and
    # never deleted, so a link cannot dangle; the unique index on event_id stays (docs/operations.md).
    event = models.OneToOneField("documents.DispatchEvent", verbose_name=_("status event"), on_delete=models.PROTECT,
                                 related_name="+", db_constraint=False)
    consignment_id = models.UUIDField(_("consignment id"), default=uuid.uuid4, editable=False, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        db_table = "documents_statusoutbox"  # kept from when the federation lived in the documents app
        ordering = ["peer", "pk"]
        verbose_name = _("outgoing status")
        verbose_name_plural = _("outgoing statuses")
        indexes = [models.Index(fields=["peer", "state"], name="documents_statusoutbox_queue",
                                condition=Q(state__in=["pending", "retrying"]))]

    def __str__(self) -> str:
        return f"{self.peer_id} ← event {self.event_id} [{self.state}]"


class PullItem(models.Model):
    """
    A package waiting for a peer that polls (pull mode, as the national axis works): listed,
    fetched, then acknowledged ``done`` or ``fail``. Exactly one of dispatch / event is set.
    """

    peer = models.ForeignKey(Peer, verbose_name=_("peer"), on_delete=models.PROTECT, related_name="pull_items")
    kind = models.CharField(_("kind"), max_length=8, choices=PackageKind.choices)
    dispatch = models.OneToOneField("documents.Dispatch", verbose_name=_("dispatch"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    event = models.OneToOneField("documents.DispatchEvent", verbose_name=_("status event"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+", db_constraint=False)  # h17: see StatusOutbox
    consignment_id = models.UUIDField(_("consignment id"), unique=True)
    document_id = models.CharField(_("DocumentId"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=PullState.choices, default=PullState.PENDING)
    fetch_count = models.PositiveSmallIntegerField(_("fetches"), default=0)
    ack_note = models.CharField(_("acknowledgement note"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    acked_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        db_table = "documents_pullitem"  # kept from when the federation lived in the documents app
        ordering = ["peer", "pk"]
        verbose_name = _("package to be pulled")
        verbose_name_plural = _("packages to be pulled")
        constraints = [
            models.CheckConstraint(condition=Q(dispatch__isnull=False, event__isnull=True)
                                   | Q(dispatch__isnull=True, event__isnull=False),
                                   name="documents_pullitem_dispatch_xor_event"),
        ]

    def __str__(self) -> str:
        return f"{self.peer_id} {self.kind} {self.consignment_id} [{self.state}]"


class AxisSent(models.Model):
    """
    A package this portal handed to an axis peer (``sendEdoc`` answered ``ErrorCode "0"``): the
    hub's DocId, so ``getSentEdocList`` reconciliation can find the dispatch again.
    """

    peer = models.ForeignKey(Peer, verbose_name=_("peer"), on_delete=models.PROTECT, related_name="axis_sent")
    dispatch = models.ForeignKey("documents.Dispatch", verbose_name=_("dispatch"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    outbox = models.OneToOneField(StatusOutbox, verbose_name=_("status"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    hub_item = models.OneToOneField("HubItem", verbose_name=_("relayed hub package"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    message_type = models.CharField(_("message type"), max_length=8)
    doc_id = models.CharField(_("hub DocId"), max_length=100)
    hub_status = models.CharField(_("status at the hub"), max_length=20, blank=True)
    hub_status_desc = models.CharField(_("status description"), max_length=1000, blank=True)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    reconciled_at = models.DateTimeField(_("reconciled at"), null=True, blank=True)

    class Meta:
        ordering = ["peer", "pk"]
        verbose_name = _("package sent to the axis")
        verbose_name_plural = _("packages sent to the axis")
        constraints = [models.UniqueConstraint(fields=["peer", "doc_id"], name="federation_axissent_unique_doc")]

    def __str__(self) -> str:
        return f"{self.peer_id}:{self.doc_id}"


class AxisReceived(models.Model):
    """
    A package pulled from an axis peer (``getEdoc``): recorded in the transaction of its import,
    acknowledged (``updateStatus``) only after that commit; a package listed again after a crash
    between the two is acknowledged without a second import.
    """

    peer = models.ForeignKey(Peer, verbose_name=_("peer"), on_delete=models.PROTECT, related_name="axis_received")
    doc_id = models.CharField(_("hub DocId"), max_length=100)
    message_type = models.CharField(_("message type"), max_length=8)
    result = models.CharField(_("result"), max_length=10, choices=InboundResult.choices)
    code = models.CharField(_("answer code"), max_length=40, blank=True)
    message = models.CharField(_("message"), max_length=1000, blank=True)
    inbound = models.ForeignKey(InboundPackage, verbose_name=_("received package"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    acked_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    ack_status = models.CharField(_("acknowledgement"), max_length=4, blank=True)

    class Meta:
        ordering = ["peer", "pk"]
        verbose_name = _("package pulled from the axis")
        verbose_name_plural = _("packages pulled from the axis")
        constraints = [models.UniqueConstraint(fields=["peer", "doc_id"], name="federation_axisreceived_unique_doc")]

    def __str__(self) -> str:
        return f"{self.peer_id}:{self.doc_id} {self.result}"


class HubItem(models.Model):
    """
    A package stored by this portal's hub (/vxp/) for a system that pulls it: sent by a connected
    system (``sender``) or by this portal (``dispatch`` / ``event``), addressed to one agency
    (``to_code``) hosted by ``recipient`` (a connected system, or the national axis peer it is relayed
    to). ``recipient`` empty: delivered to local units at once (kept for the sender's sent list).
    """

    doc_id = models.CharField(_("DocId"), max_length=64, unique=True)
    sender = models.ForeignKey(Peer, verbose_name=_("sending system"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="hub_sent")
    recipient = models.ForeignKey(Peer, verbose_name=_("receiving system"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="hub_received")
    from_code = models.CharField(_("from"), max_length=100)
    to_code = models.CharField(_("to"), max_length=100)
    message_type = models.CharField(_("message type"), max_length=8)
    document_id = models.CharField(_("DocumentId"), max_length=100, blank=True)
    blob = models.CharField(_("stored package"), max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=HubItemState.choices, default=HubItemState.PENDING)
    # Sent as is to the systems that read the queue (getSentEdocList): a peer's own words as it
    # sent them, or the portal's note rendered in the portal's language, whose code and
    # parameters are kept too so that people read it in their own language (status_display).
    status_desc = models.CharField(_("status description"), max_length=1000, blank=True)
    status_code = models.CharField(_("status code"), max_length=80, blank=True)
    status_params = models.JSONField(_("status parameters"), default=dict, blank=True)
    dispatch = models.ForeignKey("documents.Dispatch", verbose_name=_("dispatch"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    event = models.OneToOneField("documents.DispatchEvent", verbose_name=_("status event"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+", db_constraint=False)  # h17: see StatusOutbox
    fetch_count = models.PositiveIntegerField(_("fetches"), default=0)  # relayed to the axis: attempts
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)  # relay back-off
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("hub package")
        verbose_name_plural = _("hub packages")
        indexes = [
            models.Index(fields=["recipient", "message_type", "state"], name="federation_hubitem_inbox"),
            models.Index(fields=["sender", "message_type"], name="federation_hubitem_sent"),
        ]
        constraints = [models.UniqueConstraint(fields=["dispatch"], condition=Q(dispatch__isnull=False),
                                               name="federation_hubitem_unique_dispatch")]

    def __str__(self) -> str:
        return f"{self.doc_id} {self.from_code}→{self.to_code} [{self.state}]"

    @property
    def status_display(self) -> str:
        """The status in the active language (the reader's): its code rendered, else the stored text."""
        from egov.core.messages import render

        return render(self.status_code, self.status_params, fallback=self.status_desc)

    @staticmethod
    def status_fields(desc) -> dict:
        """``status_desc``, ``status_code`` and ``status_params`` for a ``Msg`` or a peer's own text."""
        from egov.core.messages import message_fields

        f = message_fields(desc, limit=1000)
        return {"status_desc": f["text"], "status_code": f["code"], "status_params": f["params"]}


class HubNonce(models.Model):
    """A signed header seen by the hub: refuses its replay inside the window; counts calls for the rate limit."""

    system = models.ForeignKey(Peer, verbose_name=_("system"), on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(_("header HMAC"), max_length=64)
    seen_at = models.DateTimeField(_("seen at"), db_index=True)

    class Meta:
        verbose_name = _("hub call")
        verbose_name_plural = _("hub calls")
        constraints = [models.UniqueConstraint(fields=["system", "digest"], name="federation_hubnonce_unique")]
