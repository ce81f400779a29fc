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

from .choices import InboundResult, OutboxState, PackageKind, PeerMode, PullState

__all__ = ["Peer", "InboundPackage", "StatusOutbox", "PullItem"]


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
    stream_lease_until = models.DateTimeField(_("stream busy until"), null=True, blank=True, editable=False)
    stream_owner = models.CharField(_("stream owner"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "documents_peer"  # kept from when the federation lived in the documents app
        ordering = ["code"]
        verbose_name = _("peer system")
        verbose_name_plural = _("peer systems")

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
    event = models.OneToOneField("documents.DispatchEvent", verbose_name=_("status event"), on_delete=models.PROTECT,
                                 related_name="+")
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
                                 on_delete=models.PROTECT, related_name="+")
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
