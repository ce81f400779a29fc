"""
What a file is, from its bytes (magic numbers), never from its name or a declared type; and
whether a browser could run script from it (docs/security.md, "Active content").

``detect_mime`` names the type of a file's first bytes; ``active_content`` says what makes those
bytes scriptable (an HTML page, an SVG image, an XHTML document, an XML file calling a stylesheet,
a Flash movie), or ``None``. Every door that stores a file asks both: uploads through the UI and
the API, draft comments, and every edXML package (federation, axis, manual import).

A PDF is not markup, but a PDF reader runs what the file asks it to: ``pdf_active_content``
looks at every object of the file (those packed in compressed object streams included) for
JavaScript (an action, the document's JavaScript name tree), actions that start a program or
pull data in (/Launch, /ImportData, /SubmitForm), embedded Flash/3D players (/RichMedia) and XFA
forms (which carry their own scripts). ``file_active_content`` is the door's question for a
whole file: the head's markup check, then, for a PDF, the whole file's objects.
"""
from __future__ import annotations

import re

import filetype

__all__ = ["detect_mime", "active_content", "pdf_active_content", "file_active_content", "ACTIVE_MIME_TYPES",
           "SNIFF_BYTES"]

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


# PDF names that make a reader run code or reach out on its own: (key or action type, what).
_PDF_ACTIONS = {"/JavaScript": "PDF JavaScript", "/Launch": "PDF Launch action", "/ImportData": "PDF ImportData action",
                "/SubmitForm": "PDF SubmitForm action", "/RichMedia": "PDF RichMedia"}
_PDF_KEYS = {"/JS": "PDF JavaScript", "/XFA": "PDF XFA form", "/RichMediaContent": "PDF RichMedia"}
# If the file cannot be parsed, its raw bytes are searched for the same names written as PDF
# syntax writes them — an action type after /S, /JS or /XFA followed by its value, a RichMedia
# subtype, a JavaScript name tree — so that random bytes (a compressed stream of a damaged file)
# do not read as an action by chance.
_REF = rb"\d+\s+\d+\s+R"
_PDF_RAW = re.compile(rb"/S\s*/(JavaScript|Launch|ImportData|SubmitForm)(?![A-Za-z0-9])"
                      rb"|/(JS)\s*(?:\(|<|" + _REF + rb")|/(XFA)\s*(?:\[|" + _REF + rb")"
                      rb"|/Subtype\s*/(RichMedia)(?![A-Za-z0-9])|/Names\s*<<[^>]{0,200}/(JavaScript)\s*" + _REF)
PDF_MAX_OBJECTS = 500_000


def _pdf_dict_verdict(obj, depth: int = 0) -> str | None:
    """The verdict on one object and the dictionaries and arrays written inside it (not followed references)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    if depth > 32:
        return "PDF nested too deep to check"
    if isinstance(obj, ArrayObject):
        for item in obj:
            if not isinstance(item, IndirectObject):
                verdict = _pdf_dict_verdict(item, depth + 1)
                if verdict:
                    return verdict
        return None
    if not isinstance(obj, DictionaryObject):
        return None
    for key, what in _PDF_KEYS.items():
        if key in obj:
            return what
    kind = obj.get("/S")
    if isinstance(kind, NameObject) and kind in _PDF_ACTIONS:
        return _PDF_ACTIONS[kind]
    subtype = obj.get("/Subtype")
    if isinstance(subtype, NameObject) and subtype == "/RichMedia":
        return _PDF_ACTIONS["/RichMedia"]
    for key in obj:
        if key == "/JavaScript":
            return "PDF JavaScript"  # a /Names tree of document scripts
        value = obj.raw_get(key) if hasattr(obj, "raw_get") else obj[key]
        if isinstance(value, (DictionaryObject, ArrayObject)):
            verdict = _pdf_dict_verdict(value, depth + 1)
            if verdict:
                return verdict
    return None


def pdf_active_content(data: bytes) -> str | None:
    """
    What in this PDF a reader would run or act on by itself ("PDF JavaScript", "PDF Launch
    action", …), or ``None``. Every indirect object is looked at — in the cross-reference
    table or packed in an object stream — without decoding page content streams. A file pypdf
    cannot read is searched byte by byte for the same names instead.
    """
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.generic import IndirectObject

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        refs = [(idnum, generation) for generation, table in reader.xref.items() for idnum in table]
        refs += [(idnum, 0) for idnum in reader.xref_objStm]
        if len(refs) > PDF_MAX_OBJECTS:
            return "PDF with too many objects to check"
        verdict = _pdf_dict_verdict(reader.trailer.get("/Root", None) and reader.trailer["/Root"].get_object())
        for idnum, generation in refs:
            if verdict:
                return verdict
            try:
                obj = reader.get_object(IndirectObject(idnum, generation, reader))
            except Exception:  # noqa: BLE001 - one broken object does not hide the others
                continue
            verdict = _pdf_dict_verdict(obj)
        return verdict
    except Exception:  # noqa: BLE001 - pypdf raises many kinds on a damaged file
        found = _PDF_RAW.search(data)
        if found is None:
            return None
        name = "/" + next(g for g in found.groups() if g).decode()
        return _PDF_KEYS.get(name) or _PDF_ACTIONS.get(name) or "PDF JavaScript"


def file_active_content(data: bytes) -> str | None:
    """The door's check of a whole file: markup in its head, or a PDF's active objects."""
    what = active_content(data[:SNIFF_BYTES])
    if what is None and detect_mime(data[:SNIFF_BYTES]) == "application/pdf":
        what = pdf_active_content(data)
    return what
