"""
The contract between the edXML builder/parser and the package signature (XML-DSig, done with
signxml elsewhere). This module only defines *which bytes* are signed; it verifies nothing.

Signed bytes = inclusive Canonical XML 1.0 without comments
(http://www.w3.org/TR/2001/REC-xml-c14n-20010315) of the ``edXMLEnvelope`` element *in its
document* (so the namespace declarations in scope from the ``<edXML>`` root are rendered on
it), after removing ``edXMLHeader/Signature`` the way the enveloped-signature transform does
(the element goes, the text around it stays). Attachments sit outside the envelope: they are
covered through the manifest only if the signer adds digests of them (not done here).
"""
from __future__ import annotations

from lxml import etree

__all__ = ["safe_xml_parser", "envelope_signing_bytes", "find_signature", "insert_signature"]


def safe_xml_parser(**kwargs) -> etree.XMLParser:
    """An lxml parser that never loads a DTD, never resolves entities, never touches the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, **kwargs)


def find_signature(envelope: etree._Element) -> etree._Element | None:
    """The Signature child of edXMLHeader, whatever its namespace (XML-DSig normally)."""
    for header in envelope:
        if isinstance(header.tag, str) and etree.QName(header).localname == "edXMLHeader":
            for child in header:
                if isinstance(child.tag, str) and etree.QName(child).localname == "Signature":
                    return child
    return None


def insert_signature(envelope: etree._Element, signature: etree._Element) -> None:
    """
    Put ``signature`` last in edXMLHeader (after TraceHeaderList, or after MessageHeader in a
    status package) without changing any text node of the unsigned envelope: the Signature
    gets no tail, so removing it again restores the signed bytes exactly.
    """
    header = next(child for child in envelope if etree.QName(child).localname == "edXMLHeader")
    signature.tail = None
    header.append(signature)


def envelope_signing_bytes(envelope: etree._Element) -> bytes:
    """
    The bytes a package signature covers (see the module docstring). The Signature element is
    taken out for the canonicalisation and put back exactly where it was, so ``envelope`` ends
    unchanged. (Canonicalising a deep copy instead is wrong: lxml re-declares namespaces on
    copies and the result no longer matches the document.)
    """
    signature = find_signature(envelope)
    if signature is None:
        return etree.tostring(envelope, method="c14n", exclusive=False, with_comments=False)
    holder = signature.getparent()
    index = holder.index(signature)
    previous = signature.getprevious()
    tail = signature.tail
    saved = previous.tail if previous is not None else holder.text
    # Enveloped-signature transform: the element goes, the text around it stays.
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            holder.text = (holder.text or "") + tail
    holder.remove(signature)
    try:
        return etree.tostring(envelope, method="c14n", exclusive=False, with_comments=False)
    finally:
        if previous is not None:
            previous.tail = saved
        else:
            holder.text = saved
        holder.insert(index, signature)
        signature.tail = tail
