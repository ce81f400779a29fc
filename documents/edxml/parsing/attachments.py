"""
Attachments: strict base64 decoding of text that streams in, content spooled with its size and
SHA-256, ZIP archives extracted with bounded reads (zip bombs), and attachments matched to the
manifest by ContentId.
"""
from __future__ import annotations

import binascii
import hashlib
import lzma
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable

from lxml import etree

from ..errors import EdxmlError
from ..types import Attachment, Reference, ZipMember
from .limits import FEED_BYTES, INLINE_ATTACHMENT_BYTES, MAX_ZIP_MEMBERS, Limits, MiB
from .tree import ATTACHMENT, ENVELOPE, Node

__all__ = ["Sink", "Base64Decoder", "read_attachment", "unzip", "cid", "match_attachments"]


class Sink:
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


_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_STRAY = bytes(b for b in range(256) if b not in _ALPHABET + b"-_" + b" \t\r\n")
_URLSAFE = bytes.maketrans(b"-_", b"+/")


class Base64Decoder:
    """
    Base64 decoding of text that arrives in arbitrary pieces, lenient where the bytes are still
    unambiguous (as the parsers in the field are), each leniency reported once through ``warn``:
    stray characters outside the alphabet (non-ASCII, punctuation) are skipped when what is left
    still divides into whole groups of four (they were insertions), the URL-safe
    alphabet (``-``/``_``) is read as ``+``/``/``, missing final padding is added (when nothing was skipped). Refused: data
    after the final padding, and a length that leaves one character over (truncated: the last
    byte cannot be known).
    """

    _WHITESPACE = b" \t\r\n"

    def __init__(self, label: str, max_bytes: int, warn: Callable[[str], None] | None = None) -> None:
        self.label = label  # 'ContentId "cid:…"' or "attachment #3", for messages
        self.max_bytes = max_bytes
        self.pending = bytearray()
        self.padded = False
        self.sink = Sink()
        self.warn = warn or (lambda _message: None)
        self.stray = 0
        self.urlsafe = False

    def _error(self, why: str) -> EdxmlError:
        return EdxmlError("bad_base64", f"Attachment {self.label}: ContentTransferEncoded is not valid base64 ({why})",
                          f"{ATTACHMENT}/ContentTransferEncoded")

    def feed(self, text: str) -> None:
        raw = text.encode("ascii", errors="replace")  # non-ASCII characters become "?", a stray character
        raw = raw.translate(None, self._WHITESPACE)
        cleaned = raw.translate(None, _STRAY)
        self.stray += len(raw) - len(cleaned)
        if b"-" in cleaned or b"_" in cleaned:
            self.urlsafe = True
            cleaned = cleaned.translate(_URLSAFE)
        self.pending += cleaned
        usable = len(self.pending) // 4 * 4
        if usable >= FEED_BYTES:
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
                             f"{ATTACHMENT}/ContentTransferEncoded")
        self.sink.write(decoded)

    def finish(self) -> Sink:
        left = len(self.pending) % 4
        if left and self.stray:
            raise self._error(f"{self.stray} characters outside the base64 alphabet and a length that is not a "
                              "multiple of 4: it cannot be decoded unambiguously")
        if left == 1:
            raise self._error("1 character left over: truncated?")
        if left:
            if self.padded or self.pending.endswith(b"="):
                raise self._error(f"{left} characters left over: truncated?")
            self.pending += b"=" * (4 - left)
            self.warn(f"Attachment {self.label}: base64 without its final padding; padding added")
        if self.pending:
            self._decode(bytes(self.pending))
            self.pending.clear()
        if self.stray:
            self.warn(f"Attachment {self.label}: {self.stray} characters outside the base64 alphabet were skipped")
        if self.urlsafe:
            self.warn(f"Attachment {self.label}: URL-safe base64 alphabet (-, _) read as standard (+, /)")
        return self.sink

    def discard(self) -> None:
        self.sink.file.close()


def read_attachment(element: etree._Element, sink: Sink | None, limits: Limits,
                    warn: Callable[[str], None]) -> Attachment:
    """The Attachment of a finished <Attachment> element whose decoded content is in ``sink``."""
    node = Node(element, ATTACHMENT, warn)
    node.expect({"ContentId", "AttachmentName", "Description", "ContentType", "ContentTransferEncoded"})
    cte = node.child("ContentTransferEncoded")
    content_id = node.text("ContentId", required=True)
    if cte is None:
        raise EdxmlError("missing_element", f"Missing required element {ATTACHMENT}/ContentTransferEncoded "
                                            f"(attachment {content_id!r})", f"{ATTACHMENT}/ContentTransferEncoded")
    attachment = Attachment(
        content_id=content_id,
        attachment_name=node.text("AttachmentName", required=True),
        description=node.text("Description"),
        content_type=node.text("ContentType") or "application/octet-stream",
        **sink.content(),
    )
    if attachment.is_zipped:
        try:
            attachment.zip_members = unzip(attachment, limits, warn)
        except EdxmlError:
            attachment.close()
            raise
    return attachment


_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError,
               NotImplementedError, RuntimeError, struct.error, KeyError, UnicodeDecodeError, OverflowError)


def unzip(attachment: Attachment, limits: Limits, warn: Callable[[str], None]) -> list[ZipMember]:
    """
    Extract every member with a bounded read loop: sizes are counted on the bytes actually
    produced, never taken from the archive's directory, and extraction stops at the first
    byte over a limit.
    """
    label = f"Attachment {attachment.content_id!r}"
    path = f"{ATTACHMENT}/ContentTransferEncoded"
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
                    limits: Limits) -> ZipMember:
    sink = Sink()
    try:
        with archive.open(info) as member:
            while chunk := member.read(FEED_BYTES):
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



def cid(value: str) -> str:
    """ContentIds compare without the "cid:" scheme and angle brackets (senders differ)."""
    value = value.strip()
    if value.lower().startswith("cid:"):
        value = value[4:]
    return value.strip("<>")


def match_attachments(references: list[Reference], attachments: list[Attachment],
                       warn: Callable[[str], None]) -> list[Attachment]:
    by_cid: dict[str, Attachment] = {}
    for attachment in attachments:
        key = cid(attachment.content_id)
        if key in by_cid:
            raise EdxmlError("duplicate_content_id", f"Two attachments have ContentId {attachment.content_id!r}",
                             f"{ATTACHMENT}/ContentId")
        by_cid[key] = attachment
    listed = set()
    for ref in references:
        key = cid(ref.content_id)
        if key not in by_cid:
            raise EdxmlError("missing_attachment",
                             f"The manifest references ContentId {ref.content_id!r} but no attachment has it",
                             f"{ENVELOPE}/edXMLBody/edXMLManifest/Reference/ContentId")
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


