"""
What a file is, from its bytes (magic numbers), never from its name or a declared type; and
whether a browser could run script from it (docs/security.md, "Active content").

``detect_mime`` names the type of a file's first bytes; ``active_content`` says what makes those
bytes scriptable (an HTML page, an SVG image, an XHTML document, an XML file calling a stylesheet,
a Flash movie), or ``None``. Every door that stores a file asks both: uploads through the UI and
the API, draft comments, and every edXML package (federation, axis, manual import).
"""
from __future__ import annotations

import re

import filetype

__all__ = ["detect_mime", "active_content", "ACTIVE_MIME_TYPES", "SNIFF_BYTES"]

SNIFF_BYTES = 8192  # how much of a file's head the checks read

# Types a browser renders with script, whatever the content turns out to be.
ACTIVE_MIME_TYPES = frozenset({
    "text/html", "application/xhtml+xml", "image/svg+xml", "application/xml-dtd", "text/xsl", "application/xslt+xml",
    "text/javascript", "application/javascript", "application/x-javascript", "application/ecmascript",
    "text/ecmascript", "application/x-shockwave-flash", "text/x-component", "application/hta", "text/vbscript",
    "application/x-msdownload",
})

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# The tags with which a browser's content sniffer (WHATWG MIME Sniffing, "identifying a resource
# with an unknown MIME type") recognises HTML, each followed by a space or ">".
_HTML_START = re.compile(rb"<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p"
                         rb"|!--)[\s>]", re.IGNORECASE)
# Anywhere in the head of a text or XML file: what makes it a page that runs script when opened.
_MARKERS = [
    (re.compile(rb"http://www\.w3\.org/2000/svg|<(?:[\w.-]+:)?svg[\s>/]|<!doctype\s+svg", re.IGNORECASE), "SVG"),
    (re.compile(rb"http://www\.w3\.org/1999/xhtml", re.IGNORECASE), "XHTML"),
    (re.compile(rb"<\?xml-stylesheet", re.IGNORECASE), "XML stylesheet"),
    (re.compile(rb"http://www\.w3\.org/1999/XSL/Transform", re.IGNORECASE), "XSLT"),
    (re.compile(rb"<(?:[\w.-]+:)?(?:html|script|iframe|body|object|embed)[\s>/]|<!doctype\s+html|javascript:",
                re.IGNORECASE), "HTML"),
]
_FLASH = {"application/x-shockwave-flash"}


def _text(head: bytes) -> bytes:
    """The head as ASCII-compatible bytes: a UTF-16 file (BOM or NUL pattern) is narrowed."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) > 3 and (head[1:4:2] == b"\0\0" or
                                                                           head[0:3:2] == b"\0\0")):
        codec = "utf-16-be" if head.startswith(b"\xfe\xff") or head[0:1] == b"\0" else "utf-16-le"
        try:
            return head[: len(head) // 2 * 2].decode(codec, errors="ignore").encode("utf-8", errors="ignore")
        except LookupError:  # pragma: no cover - both codecs ship with Python
            return head
    return head


def _stripped(head: bytes) -> bytes:
    text = _text(head)
    for bom in _BOMS:
        if text.startswith(bom):
            text = text[len(bom):]
    return text.lstrip(b" \t\r\n\f")


def detect_mime(head: bytes) -> str | None:
    """The MIME type from the file's first bytes (magic numbers), never from its name."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    stripped = _stripped(head)
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<edXML"):
        return "application/xml"
    return None


def active_content(head: bytes) -> str | None:
    """
    What makes these bytes scriptable in a browser ("HTML", "SVG", "XHTML", "XML stylesheet",
    "XSLT", "Flash"), or ``None``. Binary formats recognised by their magic numbers (PDF, Office,
    images, ZIP) are not searched: only text and XML, where a browser (or a content sniffer that
    ignores the declared type) would find markup.
    """
    mime = detect_mime(head)
    if mime in _FLASH:
        return "Flash"
    if mime is not None and mime != "application/xml":
        return None
    stripped = _stripped(head)
    if _HTML_START.match(stripped):
        return "HTML"
    sample = _text(head)
    for pattern, what in _MARKERS:
        if pattern.search(sample):
            return what
    return None
