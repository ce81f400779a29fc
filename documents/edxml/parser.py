"""
Read edXML packages (QCVN 102:2016) safely and in bounded memory.

How: lxml's feed parser (libxml2) with ``resolve_entities=False, no_network=True,
load_dtd=False, huge_tree=False``, fed 64 KiB at a time, with a *parser target*: everything
but the attachments' base64 text is passed on to an ``etree.TreeBuilder`` (the envelope is
small), while the text of ``ContentTransferEncoded`` is decoded chunk by chunk straight into a
SpooledTemporaryFile with its SHA-256. ``etree.iterparse`` was the first candidate but it must
hold each element's whole text before the "end" event: a 40 MB attachment is one 40 MB text
node (and libxml2 refuses text nodes over 10 MB unless huge_tree is enabled, which we must not
do). The target parser keeps peak memory at a few chunks whatever the attachment size.

Any DOCTYPE is refused (``forbidden_dtd``), which rules out XXE and entity expansion (billion
laughs) before any entity is declared or used. Every failure is an EdxmlError; see
docs/edxml.md for the codes, the limits and the imperfections tolerated with a warning.
"""
from __future__ import annotations

import binascii
import functools
import hashlib
import io
import lzma
import os
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import BinaryIO

from lxml import etree

from .errors import EdxmlError
from .signing import envelope_signing_bytes, find_signature
from .types import (
    NAMESPACE,
    ORGAN_ID_RE,
    STATUS_CODES,
    VN_TZ,
    Attachment,
    Bussiness,
    BussinessDocType,
    BussinessDocumentInfo,
    Code,
    DocumentPackage,
    DocumentType,
    MessageHeader,
    Organization,
    OtherInfo,
    PromulgationInfo,
    Receiver,
    Reference,
    ReplacementInfo,
    ResponseFor,
    SignatureInfo,
    SignerInfo,
    StaffInfo,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    ZipMember,
    make_document_id,
)

__all__ = [
    "parse_package",
    "parse_date",
    "parse_timestamp",
    "DEFAULT_MAX_PACKAGE_BYTES",
    "DEFAULT_MAX_ATTACHMENT_BYTES",
    "DEFAULT_MAX_DECOMPRESSED_BYTES",
    "DEFAULT_MAX_ZIP_RATIO",
    "MAX_ZIP_MEMBERS",
    "MAX_ELEMENTS",
    "INLINE_ATTACHMENT_BYTES",
]

MiB = 1024 * 1024
DEFAULT_MAX_PACKAGE_BYTES = 128 * MiB  # a 50 MB document is ~67 MB of base64
DEFAULT_MAX_ATTACHMENT_BYTES = 64 * MiB  # each decoded attachment and each unzipped member
DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * MiB  # all unzipped members of one package together
DEFAULT_MAX_ZIP_RATIO = 500  # past 1 MiB, a member inflating over 500x is a bomb (deflate tops out near 1032x)
MAX_ZIP_MEMBERS = 1000
MAX_ELEMENTS = 100_000  # a real envelope has hundreds; bounds the tree built outside attachments
INLINE_ATTACHMENT_BYTES = MiB  # attachments up to this size come back as bytes, bigger ones as a temp file
MAX_WARNINGS = 200
_FEED_BYTES = 64 * 1024
_MAX_LEADING_JUNK = 64 * 1024

_ROOT = "edXML"
_ENVELOPE = "edXML/edXMLEnvelope"
_HEADER = f"{_ENVELOPE}/edXMLHeader"
_ATTACHMENT = "edXML/AttachmentEncoded/Attachment"
_CTE_PATH = ("edXML", "AttachmentEncoded", "Attachment", "ContentTransferEncoded")

_ORG_CHILDREN = {"OrganId", "OrganizationInCharge", "OrganName", "OrganAdd", "Email", "Telephone", "Fax", "Website"}
_STAFF_CHILDREN = {"Department", "Staff", "Email", "Mobile"}
_RESPONSE_CHILDREN = {"OrganId", "Code", "PromulgationDate", "DocumentId"}
_DOCUMENT_HEADER_CHILDREN = {
    "From", "To", "DocumentId", "Code", "PromulgationInfo", "DocumentType", "Subject", "Content", "SignerInfo",
    "DueDate", "OtherInfo", "ResponseFor", "SteeringType", "ToPlaces",
}
_STATUS_HEADER_CHILDREN = {"From", "ResponseFor", "StaffInfo", "StatusCode", "Description", "Timestamp"}

_DATE_RE = re.compile(
    r"(?:(?P<y>\d{4})(?P<s1>[/-])(?P<m>\d{1,2})(?P=s1)(?P<d>\d{1,2})"
    r"|(?P<d2>\d{1,2})(?P<s2>[/-])(?P<m2>\d{1,2})(?P=s2)(?P<y2>\d{4}))"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d{1,6})?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
_DATE_FORMATS = "yyyy/MM/dd, yyyy-MM-dd or dd/MM/yyyy, optionally followed by HH:mm:ss"


# --- dates --------------------------------------------------------------------------------------

def _match_date(value: str, path: str) -> tuple[datetime, bool, bool]:
    """(naive-or-aware datetime, had a time part, was in the canonical format)."""
    match = _DATE_RE.fullmatch(value)
    if match is None:
        raise EdxmlError("bad_date", f"Bad date in {path}: {value!r} (expected {_DATE_FORMATS})", path)
    g = match.groupdict()
    year, month, day = (g["y"], g["m"], g["d"]) if g["y"] else (g["y2"], g["m2"], g["d2"])
    try:
        parsed = datetime(int(year), int(month), int(day), int(g["H"] or 0), int(g["M"] or 0), int(g["S"] or 0))
    except ValueError as exc:
        raise EdxmlError("bad_date", f"Bad date in {path}: {value!r} ({exc})", path) from exc
    if g["tz"]:
        tz = g["tz"].replace(":", "")
        if tz == "Z":
            offset = 0
        else:
            offset = (int(tz[1:3]) * 60 + int(tz[3:5])) * (1 if tz[0] == "+" else -1)
        parsed = parsed.replace(tzinfo=timezone(timedelta(minutes=offset))).astimezone(VN_TZ)
    canonical = bool(g["y"]) and g["s1"] == "/" and len(g["m"]) == 2 and len(g["d"]) == 2
    return parsed, g["H"] is not None, canonical


def parse_date(value: str, path: str = "", warn: Callable[[str], None] | None = None) -> date:
    """A date in any accepted format (time part, if any, dropped)."""
    parsed, _has_time, canonical = _match_date(value.strip(), path)
    if warn and (not canonical or _has_time):
        warn(f"{path}: date {value.strip()!r} is not in the standard yyyy/MM/dd format")
    return parsed.date()


def parse_timestamp(value: str, path: str = "", warn: Callable[[str], None] | None = None) -> datetime:
    """A timestamp in any accepted format, returned aware in Vietnam time (UTC+07:00)."""
    parsed, has_time, canonical = _match_date(value.strip(), path)
    if warn and (not canonical or not has_time or parsed.tzinfo is not None):
        warn(f"{path}: timestamp {value.strip()!r} is not in the standard yyyy/MM/dd HH:mm:ss format")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=VN_TZ)
    return parsed


# --- input --------------------------------------------------------------------------------------

class _Input:
    """The package bytes, read in chunks, never more than ``limit`` of them."""

    def __init__(self, source, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self._close: Callable[[], None] | None = None
        if isinstance(source, (bytes, bytearray, memoryview)):
            view = memoryview(source).cast("B")
            self._check_size(len(view))
            self._chunks = (bytes(view[i:i + _FEED_BYTES]) for i in range(0, len(view), _FEED_BYTES))
        elif isinstance(source, (str, os.PathLike)):
            stream = open(source, "rb")  # noqa: SIM115 - closed by close()
            self._close = stream.close
            try:
                self._check_size(os.fstat(stream.fileno()).st_size)
            except EdxmlError:
                stream.close()
                raise
            self._chunks = iter(lambda: stream.read(_FEED_BYTES), b"")
        elif hasattr(source, "read"):
            self._chunks = iter(lambda: source.read(_FEED_BYTES), b"")
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


# --- streaming parts ----------------------------------------------------------------------------

class _Limits:
    def __init__(self, package: int, attachment: int, decompressed: int, zip_ratio: float | None) -> None:
        self.package = package
        self.attachment = attachment
        self.decompressed = decompressed
        self.zip_ratio = zip_ratio
        self.decompressed_used = 0


class _Sink:
    """Bytes written in chunks to a SpooledTemporaryFile, with their size and SHA-256."""

    def __init__(self) -> None:
        self.file = tempfile.SpooledTemporaryFile(max_size=INLINE_ATTACHMENT_BYTES)
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        self.digest.update(data)
        self.file.write(data)

    def content(self) -> dict:
        """Keyword arguments for Attachment/ZipMember: small content as bytes, big as the file."""
        self.file.seek(0)
        common = {"_size": self.size, "_sha256": self.digest.hexdigest()}
        if self.size <= INLINE_ATTACHMENT_BYTES:
            data = self.file.read()
            self.file.close()
            return {**common, "data": data}
        return {**common, "file": self.file}


class _Base64Decoder:
    """Strict base64 decoding of text that arrives in arbitrary pieces."""

    _WHITESPACE = b" \t\r\n"

    def __init__(self, label: str, max_bytes: int) -> None:
        self.label = label  # 'ContentId "cid:…"' or "attachment #3", for messages
        self.max_bytes = max_bytes
        self.pending = bytearray()
        self.padded = False
        self.sink = _Sink()

    def _error(self, why: str) -> EdxmlError:
        return EdxmlError("bad_base64", f"Attachment {self.label}: ContentTransferEncoded is not valid base64 ({why})",
                          f"{_ATTACHMENT}/ContentTransferEncoded")

    def feed(self, text: str) -> None:
        try:
            raw = text.encode("ascii")
        except UnicodeEncodeError:
            raise self._error("non-ASCII character") from None
        self.pending += raw.translate(None, self._WHITESPACE)
        usable = len(self.pending) // 4 * 4
        if usable >= _FEED_BYTES:
            self._decode(bytes(self.pending[:usable]))
            del self.pending[:usable]

    def _decode(self, block: bytes) -> None:
        if self.padded:
            raise self._error("data after the final padding")
        try:
            decoded = binascii.a2b_base64(block, strict_mode=True)
        except binascii.Error as exc:
            raise self._error(str(exc)) from None
        self.padded = block.endswith(b"=")
        if self.sink.size + len(decoded) > self.max_bytes:
            raise EdxmlError("too_large", f"Attachment {self.label} is over the limit of {self.max_bytes} bytes",
                             f"{_ATTACHMENT}/ContentTransferEncoded")
        self.sink.write(decoded)

    def finish(self) -> _Sink:
        if len(self.pending) % 4:
            raise self._error(f"{len(self.pending) % 4} characters left over: truncated?")
        if self.pending:
            self._decode(bytes(self.pending))
            self.pending.clear()
        return self.sink

    def discard(self) -> None:
        self.sink.file.close()


def _guard(method):
    """
    lxml may replace an exception raised in a target callback by its own, vaguer syntax error
    ("...ing end tags"): remember the first real one so _feed can raise it instead.
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


class _Target:
    """lxml parser target: builds the envelope tree, streams attachment content aside."""

    def __init__(self, limits: _Limits, warn: Callable[[str], None]) -> None:
        self.limits = limits
        self.warn = warn
        self.builder = etree.TreeBuilder()
        self.stack: list[etree._Element] = []
        self.names: list[str] = []
        self.decoder: _Base64Decoder | None = None
        self.attachments: list[Attachment] = []
        self.elements = 0
        self.error: Exception | None = None
        self._sink: _Sink | None = None  # content of the attachment being read

    def _fail(self, error: EdxmlError) -> None:
        raise error

    @_guard
    def doctype(self, name, public_id, system_url) -> None:
        self._fail(EdxmlError("forbidden_dtd", "DOCTYPE declarations are not allowed in edXML packages "
                                               "(no DTD, no entity declarations)", ""))

    @_guard
    def start(self, tag, attrib, nsmap=None) -> None:
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            self._fail(EdxmlError("too_large", f"The package has more than {MAX_ELEMENTS} elements", ""))
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
            if qname.localname != _ROOT:
                self._fail(EdxmlError("not_edxml", f"The root element is <{qname.localname}>, not <edXML>", ""))
            if qname.namespace != NAMESPACE:
                self._fail(EdxmlError("wrong_namespace", f"The root element edXML is in namespace "
                                                         f"{qname.namespace or '(none)'!r}, not {NAMESPACE!r}", _ROOT))
        self.names.append(qname.localname)
        if tuple(self.names) == _CTE_PATH:
            if self.decoder is not None or self._attachment_has_cte():
                self._fail(EdxmlError("bad_value", f"Attachment {self._attachment_label()} has more than one "
                                                   "ContentTransferEncoded", f"{_ATTACHMENT}/ContentTransferEncoded"))
            self.decoder = _Base64Decoder(self._attachment_label(), self.limits.attachment)
        nsmap = {prefix or None: uri for prefix, uri in (nsmap or {}).items()}
        try:
            self.stack.append(self.builder.start(tag, attrib, nsmap))
        except ValueError as exc:  # e.g. "Invalid namespace URI"
            raise EdxmlError("not_xml", f"Not namespace-well-formed XML: {exc}") from None

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
        if path == _CTE_PATH:
            self._sink = self.decoder.finish()
            self.decoder = None
        elif path == _CTE_PATH[:3]:
            self.attachments.append(self._finish_attachment(element))
            element.getparent().remove(element)  # keep the tree small: the content is in the sink

    def _finish_attachment(self, element: etree._Element) -> Attachment:
        node = _Node(element, _ATTACHMENT, self.warn)
        node.expect({"ContentId", "AttachmentName", "Description", "ContentType", "ContentTransferEncoded"})
        cte = node.child("ContentTransferEncoded")
        content_id = node.text("ContentId", required=True)
        if cte is None:
            raise EdxmlError("missing_element", f"Missing required element {_ATTACHMENT}/ContentTransferEncoded "
                                                f"(attachment {content_id!r})", f"{_ATTACHMENT}/ContentTransferEncoded")
        sink, self._sink = self._sink, None
        attachment = Attachment(
            content_id=content_id,
            attachment_name=node.text("AttachmentName", required=True),
            description=node.text("Description"),
            content_type=node.text("ContentType") or "application/octet-stream",
            **sink.content(),
        )
        if attachment.is_zipped:
            try:
                attachment.zip_members = _unzip(attachment, self.limits, self.warn)
            except EdxmlError:
                attachment.close()
                raise
        return attachment

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


_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError,
               NotImplementedError, RuntimeError, struct.error, KeyError, UnicodeDecodeError, OverflowError)


def _unzip(attachment: Attachment, limits: _Limits, warn: Callable[[str], None]) -> list[ZipMember]:
    """
    Extract every member with a bounded read loop: sizes are counted on the bytes actually
    produced, never taken from the archive's directory, and extraction stops at the first
    byte over a limit.
    """
    label = f"Attachment {attachment.content_id!r}"
    path = f"{_ATTACHMENT}/ContentTransferEncoded"
    members: list[ZipMember] = []
    try:
        with attachment.open() as raw, zipfile.ZipFile(raw) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise EdxmlError("zip_bomb", f"{label}: the ZIP archive has {len(infos)} members, over the limit of "
                                             f"{MAX_ZIP_MEMBERS}", path)
            for info in infos:
                if info.is_dir():
                    continue
                if info.flag_bits & 0x1:
                    raise EdxmlError("bad_zip", f"{label}: member {info.filename!r} is encrypted", path)
                if info.filename.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", info.filename):
                    warn(f"{label}: ZIP member name {info.filename!r} points outside the archive; never use it as a "
                         "file path")
                members.append(_extract_member(archive, info, label, path, limits))
    except EdxmlError:
        for member in members:
            member.close()
        raise
    except _ZIP_ERRORS as exc:
        for member in members:
            member.close()
        raise EdxmlError("bad_zip", f"{label}: not a readable ZIP archive ({type(exc).__name__}: {exc})",
                         path) from exc
    return members


def _extract_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, path: str,
                    limits: _Limits) -> ZipMember:
    sink = _Sink()
    try:
        with archive.open(info) as member:
            while chunk := member.read(_FEED_BYTES):
                limits.decompressed_used += len(chunk)
                sink.write(chunk)
                bomb = None
                if sink.size > limits.attachment:
                    bomb = f"member {info.filename!r} inflates past the limit of {limits.attachment} bytes"
                elif limits.decompressed_used > limits.decompressed:
                    bomb = f"the zipped attachments inflate past the limit of {limits.decompressed} bytes"
                elif (limits.zip_ratio and sink.size > MiB
                      and sink.size > limits.zip_ratio * max(info.compress_size, 1)):
                    bomb = (f"member {info.filename!r} inflates more than {limits.zip_ratio} times its compressed "
                            f"size of {info.compress_size} bytes")
                if bomb:
                    raise EdxmlError("zip_bomb", f"{label}: {bomb}", path)
    except BaseException:
        sink.file.close()
        raise
    return ZipMember(name=info.filename, **sink.content())


# --- reading the tree ---------------------------------------------------------------------------

class _Node:
    """An element of the envelope with its path, for precise errors and warnings."""

    def __init__(self, element: etree._Element, path: str, warn: Callable[[str], None]) -> None:
        self.element = element
        self.path = path
        self.warn = warn

    def _children(self, name: str) -> list[etree._Element]:
        found = []
        for child in self.element:
            if not isinstance(child.tag, str):
                continue
            qname = etree.QName(child)
            if qname.localname == name:
                if qname.namespace != NAMESPACE:
                    raise EdxmlError("wrong_namespace", f"{self.path}/{name} is in namespace "
                                                        f"{qname.namespace or '(none)'!r}, not {NAMESPACE!r}",
                                     f"{self.path}/{name}")
                found.append(child)
        return found

    def expect(self, known: set[str]) -> None:
        """Warn about children this library does not know (they are ignored)."""
        for child in self.element:
            if isinstance(child.tag, str):
                qname = etree.QName(child)
                if qname.localname not in known:
                    self.warn(f"Unknown element {self.path}/{qname.localname} ignored")

    def child(self, name: str, required: bool = False) -> _Node | None:
        found = self._children(name)
        if not found:
            if required:
                raise EdxmlError("missing_element", f"Missing required element {self.path}/{name}",
                                 f"{self.path}/{name}")
            return None
        if len(found) > 1:
            self.warn(f"{self.path}/{name} appears {len(found)} times; the first is used")
        return _Node(found[0], f"{self.path}/{name}", self.warn)

    def children(self, name: str) -> list[_Node]:
        return [_Node(child, f"{self.path}/{name}", self.warn) for child in self._children(name)]

    @property
    def value(self) -> str:
        return (self.element.text or "").strip()

    def text(self, name: str, required: bool = False) -> str:
        node = self.child(name, required)
        if node is None:
            return ""
        if required and not node.value:
            raise EdxmlError("missing_element", f"Missing required element {node.path} (the element is empty)",
                             node.path)
        return node.value

    def integer(self, name: str, default: int | None, low: int, high: int | None = None) -> int | None:
        node = self.child(name)
        if node is None or not node.value:
            return default
        try:
            number = int(node.value)
        except ValueError:
            number = None
        if number is None or number < low or (high is not None and number > high):
            bounds = f"{low}..{high}" if high is not None else f">= {low}"
            raise EdxmlError("bad_value", f"Bad value in {node.path}: {node.value!r} is not an integer in {bounds}",
                             node.path)
        return number

    def organ_id(self, name: str = "OrganId") -> str:
        value = self.text(name, required=True)
        if not ORGAN_ID_RE.match(value):
            raise EdxmlError("bad_organ_id", f"Bad OrganId in {self.path}/{name}: {value!r} is not a 13-character "
                                             "QCVN 102 agency code (e.g. 000.00.00.H41)", f"{self.path}/{name}")
        return value

    def date(self, name: str, required: bool = False) -> date | None:
        value = self.text(name, required)
        return parse_date(value, f"{self.path}/{name}", self.warn) if value else None

    def timestamp(self, name: str, required: bool = False) -> datetime | None:
        value = self.text(name, required)
        return parse_timestamp(value, f"{self.path}/{name}", self.warn) if value else None


def _organization(node: _Node, require_name: bool) -> Organization:
    node.expect(_ORG_CHILDREN)
    return Organization(
        organ_id=node.organ_id(),
        organization_in_charge=node.text("OrganizationInCharge"),
        organ_name=node.text("OrganName", required=require_name),
        organ_add=node.text("OrganAdd"),
        email=node.text("Email"),
        telephone=node.text("Telephone"),
        fax=node.text("Fax"),
        website=node.text("Website"),
    )


def _staff(node: _Node | None) -> StaffInfo | None:
    if node is None:
        return None
    node.expect(_STAFF_CHILDREN)
    return StaffInfo(department=node.text("Department"), staff=node.text("Staff"), email=node.text("Email"),
                     mobile=node.text("Mobile"))


def _response_for(node: _Node) -> ResponseFor:
    node.expect(_RESPONSE_CHILDREN)
    return ResponseFor(organ_id=node.organ_id(), code=node.text("Code", required=True),
                       promulgation_date=node.date("PromulgationDate", required=True),
                       document_id=node.text("DocumentId", required=True))


def _read_status(header: _Node, msg: _Node) -> StatusPackage:
    msg.expect(_STATUS_HEADER_CHILDREN)
    code_node = msg.child("StatusCode", required=True)
    code = code_node.value
    if code.isdigit() and len(code) == 1:
        msg.warn(f"{code_node.path}: status code {code!r} read as {code.zfill(2)!r}")
        code = code.zfill(2)
    if code not in STATUS_CODES:
        raise EdxmlError("bad_status_code", f"Bad status code in {code_node.path}: {code!r} is not one of "
                                            f"{', '.join(STATUS_CODES)}", code_node.path)
    description = msg.text("Description")
    if code in ("02", "13") and not description:
        msg.warn(f"Status {code} should give its reason in {msg.path}/Description")
    return StatusPackage(
        from_=_organization(msg.child("From", required=True), require_name=False),
        response_for=_response_for(msg.child("ResponseFor", required=True)),
        staff_info=_staff(msg.child("StaffInfo")),
        status_code=code,
        description=description,
        timestamp=msg.timestamp("Timestamp", required=True),
    )


def _read_document(header: _Node, msg: _Node, body: _Node | None,
                   attachments: list[Attachment]) -> DocumentPackage:
    msg.expect(_DOCUMENT_HEADER_CHILDREN)
    sender = _organization(msg.child("From", required=True), require_name=True)
    to_nodes = msg.children("To")
    if not to_nodes:
        raise EdxmlError("missing_element", f"Missing required element {msg.path}/To", f"{msg.path}/To")
    code = msg.child("Code", required=True)
    code.expect({"CodeNumber", "CodeNotation"})
    promulgation = msg.child("PromulgationInfo", required=True)
    promulgation.expect({"Place", "PromulgationDate"})
    doc_type = msg.child("DocumentType", required=True)
    doc_type.expect({"Type", "TypeDetail", "TypeName"})
    signer = msg.child("SignerInfo", required=True)
    signer.expect({"Competence", "Position", "FullName"})
    header_value = MessageHeader(
        from_=sender,
        to=[_organization(node, require_name=False) for node in to_nodes],
        document_id=msg.text("DocumentId"),
        code=Code(code_number=code.text("CodeNumber", required=True),
                  code_notation=code.text("CodeNotation", required=True)),
        promulgation_info=PromulgationInfo(place=promulgation.text("Place"),
                                           promulgation_date=promulgation.date("PromulgationDate", required=True)),
        document_type=DocumentType(type=doc_type.text("Type"), type_detail=doc_type.text("TypeDetail"),
                                   type_name=doc_type.text("TypeName", required=True)),
        subject=msg.text("Subject", required=True),
        content=msg.text("Content"),
        signer_info=SignerInfo(competence=signer.text("Competence"), position=signer.text("Position"),
                               full_name=signer.text("FullName", required=True)),
        due_date=msg.date("DueDate"),
        other_info=_other_info(msg.child("OtherInfo")),
        response_for=[_response_for(node) for node in msg.children("ResponseFor")],
        steering_type=msg.text("SteeringType"),
        to_places=_places(msg.child("ToPlaces")),
    )
    if not header_value.document_id:
        header_value.document_id = make_document_id(sender.organ_id, header_value.promulgation_info.promulgation_date,
                                                    header_value.code.code_number, header_value.code.code_notation)
        msg.warn(f"{msg.path}/DocumentId is missing; derived as {header_value.document_id!r}")
    trace_node = header.child("TraceHeaderList")
    if trace_node is None:
        msg.warn(f"{header.path}/TraceHeaderList is missing; treated as a new document (BussinessDocType 0)")
        trace = TraceHeaderList()
    else:
        trace = _trace_header_list(trace_node)
    references = _manifest(body)
    return DocumentPackage(header=header_value, trace_header_list=trace, references=references,
                           attachments=_match_attachments(references, attachments, msg.warn))


def _places(node: _Node | None) -> list[str]:
    if node is None:
        return []
    node.expect({"Place"})
    return [place.value for place in node.children("Place") if place.value]


def _other_info(node: _Node | None) -> OtherInfo:
    if node is None:
        return OtherInfo()
    node.expect({"Priority", "SphereOfPromulgation", "TyperNotation", "PromulgationAmount", "PageAmount",
                 "Direction", "Appendixes"})
    direction_node = node.child("Direction")
    direction = False
    if direction_node is not None and direction_node.value:
        flag = direction_node.value.lower()
        if flag not in ("true", "false", "1", "0"):
            raise EdxmlError("bad_value", f"Bad value in {direction_node.path}: {direction_node.value!r} is not "
                                          "true or false", direction_node.path)
        direction = flag in ("true", "1")
    appendixes = node.child("Appendixes")
    if appendixes is not None:
        appendixes.expect({"Appendix"})
    return OtherInfo(
        priority=node.integer("Priority", 0, 0, 4),
        sphere_of_promulgation=node.text("SphereOfPromulgation"),
        typer_notation=node.text("TyperNotation"),
        promulgation_amount=node.integer("PromulgationAmount", None, 0),
        page_amount=node.integer("PageAmount", None, 0),
        direction=direction,
        appendixes=[a.value for a in appendixes.children("Appendix") if a.value] if appendixes is not None else [],
    )


def _trace_header_list(node: _Node) -> TraceHeaderList:
    node.expect({"TraceHeader", "Bussiness"})
    traces = []
    for trace in node.children("TraceHeader"):
        trace.expect({"OrganId", "Timestamp"})
        traces.append(TraceHeader(organ_id=trace.organ_id(), timestamp=trace.timestamp("Timestamp", required=True)))
    b = node.child("Bussiness")
    if b is None:
        node.warn(f"{node.path}/Bussiness is missing; treated as a new document (BussinessDocType 0)")
        return TraceHeaderList(trace_headers=traces)
    b.expect({"DocumentId", "BussinessDocType", "BussinessDocReason", "Paper", "BussinessDocumentInfo",
              "ReplacementInfoList", "StaffInfo"})
    if b.child("BussinessDocType") is None:
        b.warn(f"{b.path}/BussinessDocType is missing; treated as 0 (new document)")
    doc_type = BussinessDocType(b.integer("BussinessDocType", 0, 0, 3))
    replacements = []
    replacement_list = b.child("ReplacementInfoList")
    if replacement_list is not None:
        replacement_list.expect({"ReplacementInfo"})
        for info in replacement_list.children("ReplacementInfo"):
            info.expect({"DocumentId", "OrganIdList"})
            organ_ids = info.child("OrganIdList")
            ids = []
            if organ_ids is not None:
                organ_ids.expect({"OrganId"})
                ids = [_organ_id_value(o) for o in organ_ids.children("OrganId")]
            replacements.append(ReplacementInfo(document_id=info.text("DocumentId", required=True), organ_id_list=ids))
    if doc_type == BussinessDocType.REPLACEMENT and not replacements:
        raise EdxmlError("missing_element", f"Missing required element {b.path}/ReplacementInfoList "
                                            "(BussinessDocType 3 is a replacement)", f"{b.path}/ReplacementInfoList")
    return TraceHeaderList(
        trace_headers=traces,
        bussiness=Bussiness(
            document_id=b.text("DocumentId") or None,
            bussiness_doc_type=doc_type,
            bussiness_doc_reason=b.text("BussinessDocReason"),
            paper=b.integer("Paper", 0, 0),
            bussiness_document_info=_bussiness_document_info(b.child("BussinessDocumentInfo")),
            replacement_info_list=replacements,
            staff_info=_staff(b.child("StaffInfo")),
        ),
    )


def _organ_id_value(node: _Node) -> str:
    if not ORGAN_ID_RE.match(node.value):
        raise EdxmlError("bad_organ_id", f"Bad OrganId in {node.path}: {node.value!r} is not a 13-character QCVN 102 "
                                         "agency code (e.g. 000.00.00.H41)", node.path)
    return node.value


def _bussiness_document_info(node: _Node | None) -> BussinessDocumentInfo | None:
    if node is None:
        return None
    node.expect({"DocumentInfo", "DocumentReceiver", "ReceiverList"})
    receivers = []
    receiver_list = node.child("ReceiverList")
    if receiver_list is not None:
        receiver_list.expect({"Receiver"})
        for receiver in receiver_list.children("Receiver"):
            receiver.expect({"OrganId", "ReceiverType"})
            receivers.append(Receiver(organ_id=receiver.organ_id(),
                                      receiver_type=receiver.integer("ReceiverType", 1, 0, 1)))
    return BussinessDocumentInfo(document_info=node.text("DocumentInfo"),
                                 document_receiver=node.text("DocumentReceiver"), receiver_list=receivers)


def _manifest(body: _Node | None) -> list[Reference]:
    if body is None:
        return []
    body.expect({"edXMLManifest"})
    manifest = body.child("edXMLManifest")
    if manifest is None:
        return []
    manifest.expect({"Reference"})
    references = []
    seen = set()
    for ref in manifest.children("Reference"):
        ref.expect({"ContentId", "ContentType", "Description", "AttachmentName"})
        content_id = ref.text("ContentId", required=True)
        if _cid(content_id) in seen:
            raise EdxmlError("duplicate_content_id", f"Two manifest references have ContentId {content_id!r}",
                             f"{ref.path}/ContentId")
        seen.add(_cid(content_id))
        references.append(Reference(content_id=content_id, content_type=ref.text("ContentType")
                                    or "application/octet-stream",
                                    description=ref.text("Description"),
                                    attachment_name=ref.text("AttachmentName", required=True)))
    return references


def _cid(value: str) -> str:
    """ContentIds compare without the "cid:" scheme and angle brackets (senders differ)."""
    value = value.strip()
    if value.lower().startswith("cid:"):
        value = value[4:]
    return value.strip("<>")


def _match_attachments(references: list[Reference], attachments: list[Attachment],
                       warn: Callable[[str], None]) -> list[Attachment]:
    by_cid: dict[str, Attachment] = {}
    for attachment in attachments:
        key = _cid(attachment.content_id)
        if key in by_cid:
            raise EdxmlError("duplicate_content_id", f"Two attachments have ContentId {attachment.content_id!r}",
                             f"{_ATTACHMENT}/ContentId")
        by_cid[key] = attachment
    listed = set()
    for ref in references:
        key = _cid(ref.content_id)
        if key not in by_cid:
            raise EdxmlError("missing_attachment",
                             f"The manifest references ContentId {ref.content_id!r} but no attachment has it",
                             f"{_ENVELOPE}/edXMLBody/edXMLManifest/Reference/ContentId")
        listed.add(key)
        attachment = by_cid[key]
        if attachment.content_id != ref.content_id:
            warn(f"Attachment ContentId {attachment.content_id!r} and manifest ContentId {ref.content_id!r} differ "
                 "in form")
    for key, attachment in by_cid.items():
        if key not in listed:
            warn(f"Attachment {attachment.content_id!r} is not listed in the manifest (not covered by a signature "
                 "of the envelope)")
    return attachments


# --- entry point --------------------------------------------------------------------------------

def parse_package(
    source: bytes | bytearray | memoryview | str | os.PathLike | BinaryIO,
    *,
    max_package_bytes: int = DEFAULT_MAX_PACKAGE_BYTES,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    max_zip_ratio: float | None = DEFAULT_MAX_ZIP_RATIO,
) -> DocumentPackage | StatusPackage:
    """
    Parse an edXML package from bytes, a path or a binary file object and tell its kind.

    Raises EdxmlError, and nothing else, for any input. The caller owns the result: call
    ``close()`` (or use it as a context manager) to delete the temporary files of big
    attachments.
    """
    try:
        return _parse(source, _Limits(max_package_bytes, max_attachment_bytes, max_decompressed_bytes, max_zip_ratio))
    except EdxmlError:
        raise
    except Exception as exc:  # noqa: BLE001 - the contract is "EdxmlError or a result"
        raise EdxmlError("internal_error", f"Unexpected {type(exc).__name__} while reading the package: {exc}",
                         "") from exc


def _parse(source, limits: _Limits) -> DocumentPackage | StatusPackage:
    warnings: list[str] = []

    def warn(message: str) -> None:
        if len(warnings) < MAX_WARNINGS:
            warnings.append(message)
        elif len(warnings) == MAX_WARNINGS:
            warnings.append("Further warnings suppressed")

    target = _Target(limits, warn)
    parser = etree.XMLParser(target=target, resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    data = _Input(source, limits.package)
    try:
        root = _feed(parser, target, data, warn)
        result = _interpret(root, target.attachments, warn)
    except BaseException:
        target.discard()
        raise
    finally:
        data.close()
    result.warnings = warnings
    return result


def _feed(parser: etree.XMLParser, target: _Target, data: _Input, warn: Callable[[str], None]) -> etree._Element:
    head = b""
    started = False
    try:
        for chunk in data:
            if not started:
                head += chunk
                start = head.find(b"<")
                if start < 0:
                    if len(head) > _MAX_LEADING_JUNK:
                        raise EdxmlError("not_xml", f"No XML markup in the first {_MAX_LEADING_JUNK} bytes")
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


def _interpret(root: etree._Element, attachments: list[Attachment],
               warn: Callable[[str], None]) -> DocumentPackage | StatusPackage:
    top = _Node(root, _ROOT, warn)
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
        result = _read_status(header, msg)
    else:
        result = _read_document(header, msg, envelope.child("edXMLBody"), attachments)
    signature = find_signature(envelope.element)
    if signature is not None:
        result.signature = SignatureInfo(signature_xml=etree.tostring(signature, with_tail=False),
                                         signed_bytes=envelope_signing_bytes(envelope.element))
    return result
