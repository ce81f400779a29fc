"""
The package as a whole: the top of the tree, which kind of package it is (a status
MessageHeader has StatusCode and Timestamp, a document's has neither), and the Signature
element captured with the bytes it should cover (verified elsewhere, never here).
"""
from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from ..signing import envelope_signing_bytes, find_signature
from ..types import Attachment, DocumentPackage, SignatureInfo, StatusPackage
from .document import read_document
from .status import read_status
from .tree import ROOT, Node

__all__ = ["interpret", "capture_signature"]


def interpret(root: etree._Element, attachments: list[Attachment],
              warn: Callable[[str], None]) -> DocumentPackage | StatusPackage:
    """The package read from the envelope tree and the attachments streamed aside."""
    top = Node(root, ROOT, warn)
    top.expect({"edXMLEnvelope", "AttachmentEncoded"})
    envelope = top.child("edXMLEnvelope", required=True)
    envelope.expect({"edXMLHeader", "edXMLBody"})
    header = envelope.child("edXMLHeader", required=True)
    header.expect({"MessageHeader", "TraceHeaderList", "Signature"})
    msg = header.child("MessageHeader", required=True)
    encoded = top.child("AttachmentEncoded")
    if encoded is not None:
        encoded.expect({"Attachment"})
    # A status MessageHeader has StatusCode and Timestamp; a document's has neither.
    if msg.child("StatusCode") is not None or msg.child("Timestamp") is not None:
        if attachments:
            warn("A status package carries attachments; they were ignored")
            for attachment in attachments:
                attachment.close()
        result = read_status(header, msg)
    else:
        result = read_document(header, msg, envelope.child("edXMLBody"), attachments)
    result.signature = capture_signature(envelope.element)
    return result


def capture_signature(envelope: etree._Element) -> SignatureInfo | None:
    """The edXMLHeader/Signature element re-serialised, and the signed bytes recomputed from ``envelope``."""
    signature = find_signature(envelope)
    if signature is None:
        return None
    return SignatureInfo(signature_xml=etree.tostring(signature, with_tail=False),
                         signed_bytes=envelope_signing_bytes(envelope))
