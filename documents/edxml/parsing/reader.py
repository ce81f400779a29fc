"""
Safe, bounded reading of the package bytes.

The input is read 64 KiB at a time and never past ``max_package_bytes``. lxml's feed parser
(libxml2, with entities, DTDs and the network off) hands every event to a *parser target*: the
envelope goes to an ``etree.TreeBuilder`` (it is small: elements are counted, and their depth
measured, as they stream in, before they reach the tree, and the parse stops at the first one over
``max_elements`` / ``max_depth``, naming it), while
the text of ``ContentTransferEncoded`` is diverted to a streaming base64 decoder, so an
attachment of any size costs a few chunks of memory. Any DOCTYPE is refused before an entity can
be declared or used (XXE, billion laughs).
"""
from __future__ import annotations

import functools
import os
from collections.abc import Callable

from lxml import etree

from ..errors import EdxmlError
from ..types import NAMESPACE, Attachment
from .attachments import Base64Decoder, Sink, read_attachment
from .limits import FEED_BYTES, MAX_LEADING_JUNK, Limits
from .tree import ATTACHMENT, CTE_PATH, ROOT

__all__ = ["Input", "Target", "feed"]


class Input:
    """The package bytes, read in chunks, never more than ``limit`` of them."""

    def __init__(self, source, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self._close: Callable[[], None] | None = None
        if isinstance(source, (bytes, bytearray, memoryview)):
            view = memoryview(source).cast("B")
            self._check_size(len(view))
            self._chunks = (bytes(view[i:i + FEED_BYTES]) for i in range(0, len(view), FEED_BYTES))
        elif isinstance(source, (str, os.PathLike)):
            stream = open(source, "rb")  # noqa: SIM115 - closed by close()
            self._close = stream.close
            try:
                self._check_size(os.fstat(stream.fileno()).st_size)
            except EdxmlError:
                stream.close()
                raise
            self._chunks = iter(lambda: stream.read(FEED_BYTES), b"")
        elif hasattr(source, "read"):
            self._chunks = iter(lambda: source.read(FEED_BYTES), b"")
        else:
            raise EdxmlError("not_xml", f"Cannot read a package from a {type(source).__name__}")

    def _check_size(self, size: int) -> None:
        if size > self.limit:
            raise EdxmlError("too_large", f"The package is {size} bytes, over the limit of {self.limit} bytes")

    def __iter__(self):
        for chunk in self._chunks:
            if not isinstance(chunk, bytes):
                raise EdxmlError("not_xml", "The package stream must give bytes, not text")
            self.total += len(chunk)
            self._check_size(self.total)
            yield chunk

    def close(self) -> None:
        if self._close is not None:
            self._close()


def _guard(method):
    """
    lxml may replace an exception raised in a target callback by its own, vaguer syntax error
    ("...ing end tags"): remember the first real one so feed can raise it instead.
    """

    @functools.wraps(method)
    def guarded(self, *args):
        try:
            return method(self, *args)
        except Exception as exc:
            if self.error is None:
                self.error = exc
            raise

    return guarded


class Target:
    """lxml parser target: builds the envelope tree, streams attachment content aside."""

    def __init__(self, limits: Limits, warn: Callable[[str], None]) -> None:
        self.limits = limits
        self.warn = warn
        self.builder = etree.TreeBuilder()
        self.stack: list[etree._Element] = []
        self.names: list[str] = []
        self.decoder: Base64Decoder | None = None
        self.attachments: list[Attachment] = []
        self.elements = 0
        self.error: Exception | None = None
        self._sink: Sink | None = None  # content of the attachment being read

    def _fail(self, error: EdxmlError) -> None:
        raise error

    @_guard
    def doctype(self, name, public_id, system_url) -> None:
        self._fail(EdxmlError("forbidden_dtd", "DOCTYPE declarations are not allowed in edXML packages "
                                               "(no DTD, no entity declarations)", ""))

    @_guard
    def start(self, tag, attrib, nsmap=None) -> None:
        self.elements += 1
        if self.elements > self.limits.elements or len(self.names) >= self.limits.depth:
            self._over_limit(tag)
        # libxml2 reports namespace errors (undeclared prefix, bad URI) as recoverable and hands
        # the raw name on; they are malformed packages, not bugs.
        local = tag.rpartition("}")[2]
        if ":" in local:
            self._fail(EdxmlError("not_xml", f"Not namespace-well-formed XML: the prefix of <{local}> is not declared"))
        try:
            qname = etree.QName(tag)
        except ValueError as exc:
            raise EdxmlError("not_xml", f"Not namespace-well-formed XML: {exc}") from None
        if not self.stack:
            if qname.localname != ROOT:
                self._fail(EdxmlError("not_edxml", f"The root element is <{qname.localname}>, not <edXML>", ""))
            if qname.namespace != NAMESPACE:
                self._fail(EdxmlError("wrong_namespace", f"The root element edXML is in namespace "
                                                         f"{qname.namespace or '(none)'!r}, not {NAMESPACE!r}", ROOT))
        self.names.append(qname.localname)
        if tuple(self.names) == CTE_PATH:
            if self.decoder is not None or self._attachment_has_cte():
                self._fail(EdxmlError("bad_value", f"Attachment {self._attachment_label()} has more than one "
                                                   "ContentTransferEncoded", f"{ATTACHMENT}/ContentTransferEncoded"))
            self.decoder = Base64Decoder(self._attachment_label(), self.limits.attachment, self.warn)
        nsmap = {prefix or None: uri for prefix, uri in (nsmap or {}).items()}
        try:
            self.stack.append(self.builder.start(tag, attrib, nsmap))
        except ValueError as exc:  # e.g. "Invalid namespace URI"
            raise EdxmlError("not_xml", f"Not namespace-well-formed XML: {exc}") from None

    def _over_limit(self, tag: str) -> None:
        """Stop at the first element over a limit, named with its path; nothing after it is read."""
        local = tag.rpartition("}")[2]
        names = self.names if len(self.names) <= 8 else [*self.names[:4], "…", *self.names[-3:]]
        path = "/".join([*names, local])
        if self.elements > self.limits.elements:
            why = (f"The package has more than {self.limits.elements} elements: refused at element "
                   f"#{self.elements}, <{local}>")
        else:
            why = f"The package nests elements more than {self.limits.depth} deep: refused at <{local}>"
        self._fail(EdxmlError("too_large", f"{why} ({path})", path))

    def _attachment_label(self) -> str:
        attachment = self.stack[2] if len(self.stack) > 2 else None
        if attachment is not None:
            for child in attachment:
                if etree.QName(child).localname == "ContentId" and (child.text or "").strip():
                    return f"ContentId {child.text.strip()!r}"
        return f"#{len(self.attachments) + 1}"

    def _attachment_has_cte(self) -> bool:
        return any(etree.QName(child).localname == "ContentTransferEncoded" for child in self.stack[2])

    @_guard
    def data(self, text: str) -> None:
        if self.decoder is not None:
            self.decoder.feed(text)
        else:
            self.builder.data(text)

    @_guard
    def end(self, tag) -> None:
        element = self.builder.end(tag)
        self.stack.pop()
        path = tuple(self.names)
        self.names.pop()
        if path == CTE_PATH:
            self._sink = self.decoder.finish()
            self.decoder = None
        elif path == CTE_PATH[:3]:
            self.attachments.append(self._finish_attachment(element))
            element.getparent().remove(element)  # keep the tree small: the content is in the sink

    def _finish_attachment(self, element: etree._Element) -> Attachment:
        sink, self._sink = self._sink, None
        return read_attachment(element, sink, self.limits, self.warn)

    def close(self) -> etree._Element | None:
        # When libxml2 stopped on an error the tree is incomplete; returning None (instead of
        # TreeBuilder's vague "missing end tags") lets lxml raise libxml2's precise error.
        try:
            return self.builder.close()
        except etree.XMLSyntaxError:
            return None

    def discard(self) -> None:
        for attachment in self.attachments:
            attachment.close()
        if self.decoder is not None:
            self.decoder.discard()


def feed(parser: etree.XMLParser, target: Target, data: Input, warn: Callable[[str], None]) -> etree._Element:
    """Feed ``data`` to ``parser`` from its first ``<`` (junk before it is skipped with a warning); the root."""
    head = b""
    started = False
    try:
        for chunk in data:
            if not started:
                head += chunk
                start = head.find(b"<")
                if start < 0:
                    if len(head) > MAX_LEADING_JUNK:
                        raise EdxmlError("not_xml", f"No XML markup in the first {MAX_LEADING_JUNK} bytes")
                    continue
                _report_junk(head[:start], warn)
                chunk, head, started = head[start:], b"", True
            parser.feed(chunk)
        if not started:
            raise EdxmlError("not_xml", "The package is empty" if not head else "The package holds no XML markup")
        root = parser.close()
        if root is None:
            raise EdxmlError("not_xml", "Not well-formed XML: the document ends before its root element is closed")
        return root
    except etree.XMLSyntaxError as exc:
        if target.error is not None:
            raise target.error from None
        raise EdxmlError("not_xml", f"Not well-formed XML: {_syntax_message(exc)}", "") from None
    except EdxmlError:
        raise
    except Exception:
        if target.error is not None:
            raise target.error from None
        raise


def _syntax_message(exc: etree.XMLSyntaxError) -> str:
    message = (exc.msg or str(exc)).strip()
    if exc.position and exc.position[0] and ", line " not in message:
        message += f" (line {exc.position[0]}, column {exc.position[1]})"
    return message


def _report_junk(junk: bytes, warn: Callable[[str], None]) -> None:
    if not junk:
        return
    if junk == b"\xef\xbb\xbf":
        warn("A UTF-8 byte order mark before the XML prolog was ignored")
    elif not junk.strip():
        warn(f"{len(junk)} whitespace bytes before the XML prolog were ignored")
    else:
        warn(f"{len(junk)} stray bytes before the XML prolog were ignored: {junk[:32]!r}")
