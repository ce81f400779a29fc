"""
Plain dataclasses for edXML packages (QCVN 102:2016). No Django here: the documents app maps
these to and from its models. Field names are the snake_case of the element names, including
the standard's spelling ``Bussiness``. See docs/edxml.md for the element table.

Dates are ``datetime.date``; timestamps are aware ``datetime`` objects. The wire format has no
time zone: the builder writes Vietnam local time (UTC+07:00, no DST) and the parser returns
datetimes in that offset.
"""
from __future__ import annotations

import hashlib
import io
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import IntEnum
from typing import BinaryIO

__all__ = [
    "NAMESPACE",
    "VN_TZ",
    "ORGAN_ID_RE",
    "STATUS_CODES",
    "BussinessDocType",
    "Organization",
    "Code",
    "PromulgationInfo",
    "DocumentType",
    "SignerInfo",
    "OtherInfo",
    "ResponseFor",
    "MessageHeader",
    "TraceHeader",
    "Receiver",
    "BussinessDocumentInfo",
    "ReplacementInfo",
    "StaffInfo",
    "Bussiness",
    "TraceHeaderList",
    "Reference",
    "ZipMember",
    "Attachment",
    "SignatureInfo",
    "DocumentPackage",
    "StatusPackage",
    "make_document_id",
]

NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
# Vietnam has used UTC+07:00 without daylight saving since 1975; a fixed offset avoids tzdata.
VN_TZ = timezone(timedelta(hours=7), "ICT")
# V1V2V3.Z1Z2.Y1Y2.X1X2X3, the same rule as units.validators.UNIT_CODE_RE (kept separate so this
# package imports nothing from Django apps).
ORGAN_ID_RE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}$")

# Business status codes (standards.md §6). Codes 07-12 and 14 are not used by QCVN 102 status
# packages and are refused.
STATUS_CODES: dict[str, str] = {
    "01": "Received (not yet handled by the clerk)",
    "02": "Rejected",
    "03": "Accepted and registered",
    "04": "Assigned for handling",
    "05": "Being handled",
    "06": "Handling finished",
    "13": "Take-back requested by the sender",
    "15": "Update / take-back request accepted",
    "16": "Update / take-back request refused",
}

_CHUNK = 1024 * 1024


class BussinessDocType(IntEnum):
    NEW = 0
    REVOCATION = 1
    UPDATE = 2
    REPLACEMENT = 3


@dataclass(kw_only=True)
class Organization:
    """From and To of MessageHeader."""

    organ_id: str
    organization_in_charge: str = ""
    organ_name: str = ""
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(kw_only=True)
class Code:
    # Strings, not integers: "05" must keep its leading zero (NĐ 30: numbers below 10).
    code_number: str
    code_notation: str


@dataclass(kw_only=True)
class PromulgationInfo:
    promulgation_date: date
    place: str = ""


@dataclass(kw_only=True)
class DocumentType:
    # Type and TypeDetail semantics are not confirmed (samples: 1 and 0), so they stay strings.
    type_name: str
    type: str = "1"
    type_detail: str = "0"


@dataclass(kw_only=True)
class SignerInfo:
    full_name: str
    competence: str = ""
    position: str = ""


@dataclass(kw_only=True)
class OtherInfo:
    priority: int = 0  # 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int | None = None
    page_amount: int | None = None
    direction: bool = False
    appendixes: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class ResponseFor:
    """The document this package answers (MessageHeader/ResponseFor, and status packages)."""

    organ_id: str
    code: str  # "7816/VPCP-TTĐT": number/notation in one string
    promulgation_date: date
    document_id: str


@dataclass(kw_only=True)
class MessageHeader:
    from_: Organization
    to: list[Organization]
    document_id: str
    code: Code
    promulgation_info: PromulgationInfo
    document_type: DocumentType
    subject: str
    signer_info: SignerInfo
    content: str = ""
    due_date: date | None = None
    other_info: OtherInfo = field(default_factory=OtherInfo)
    response_for: list[ResponseFor] = field(default_factory=list)
    steering_type: str = ""
    to_places: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class TraceHeader:
    organ_id: str
    timestamp: datetime


@dataclass(kw_only=True)
class Receiver:
    organ_id: str
    receiver_type: int  # 0 removed from the recipients, 1 added


@dataclass(kw_only=True)
class BussinessDocumentInfo:
    document_info: str = ""
    document_receiver: str = ""
    receiver_list: list[Receiver] = field(default_factory=list)


@dataclass(kw_only=True)
class ReplacementInfo:
    document_id: str
    organ_id_list: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class StaffInfo:
    department: str = ""
    staff: str = ""
    email: str = ""
    mobile: str = ""


@dataclass(kw_only=True)
class Bussiness:
    bussiness_doc_type: BussinessDocType = BussinessDocType.NEW
    document_id: str | None = None  # the earlier document a revocation/update/replacement is about
    bussiness_doc_reason: str = ""
    paper: int = 0  # 0: no paper copy follows
    bussiness_document_info: BussinessDocumentInfo | None = None
    replacement_info_list: list[ReplacementInfo] = field(default_factory=list)
    staff_info: StaffInfo | None = None


@dataclass(kw_only=True)
class TraceHeaderList:
    trace_headers: list[TraceHeader] = field(default_factory=list)
    bussiness: Bussiness = field(default_factory=Bussiness)


@dataclass(kw_only=True)
class Reference:
    """edXMLManifest/Reference: what the envelope (and so the signature) says about an attachment."""

    content_id: str  # "cid:…", the same value as the Attachment's ContentId
    attachment_name: str
    content_type: str = "application/octet-stream"
    description: str = ""


class _Content:
    """Bytes held in memory (``data``) or in a seekable binary file (``file``)."""

    data: bytes | None
    file: BinaryIO | None
    _size: int | None
    _sha256: str | None

    def _measure(self) -> None:
        if self.data is not None:
            self._size, self._sha256 = len(self.data), hashlib.sha256(self.data).hexdigest()
            return
        if self.file is None:
            raise ValueError("no content: set data or file")
        digest, size = hashlib.sha256(), 0
        with self.open() as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
        self._size, self._sha256 = size, digest.hexdigest()

    @property
    def size(self) -> int:
        if self._size is None:
            self._measure()
        return self._size

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            self._measure()
        return self._sha256

    def open(self) -> BinaryIO:
        """A fresh reader from the first byte. Closing it does not close ``file``."""
        if self.data is not None:
            return io.BytesIO(self.data)
        if self.file is None:
            raise ValueError("no content: set data or file")
        self.file.seek(0)
        return _Unclosable(self.file)

    def read_bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        with self.open() as stream:
            return stream.read()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


class _Unclosable(io.RawIOBase):
    """Read view of a shared file that leaves the file open when the view is closed."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._raw.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def read(self, size: int = -1) -> bytes:
        return self._raw.read(size)

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()


@dataclass(kw_only=True, eq=False)
class ZipMember(_Content):
    """One file inside a zipped attachment, as extracted (under the limits) by the parser."""

    name: str
    data: bytes | None = None
    file: BinaryIO | None = field(default=None, repr=False)
    _size: int | None = field(default=None, repr=False)
    _sha256: str | None = field(default=None, repr=False)


@dataclass(kw_only=True, eq=False)
class Attachment(_Content):
    """
    AttachmentEncoded/Attachment. The content is ``data`` (bytes) or ``file`` (a seekable binary
    file, read in chunks by the builder); the parser sets ``data`` for small attachments and a
    SpooledTemporaryFile for big ones. For an ``application/zip`` attachment the content is the
    archive itself and the parser also fills ``zip_members``.

    Two attachments are equal when their metadata, size and SHA-256 are equal.
    """

    content_id: str
    attachment_name: str
    content_type: str = "application/octet-stream"
    description: str = ""
    data: bytes | None = field(default=None, repr=False)
    file: BinaryIO | None = field(default=None, repr=False)
    zip_members: list[ZipMember] = field(default_factory=list, repr=False)
    _size: int | None = field(default=None, repr=False)
    _sha256: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.data is None and self.file is None:
            raise ValueError("an Attachment needs data or file")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Attachment):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None

    def _key(self) -> tuple:
        return (self.content_id, self.attachment_name, self.content_type, self.description, self.size, self.sha256)

    @property
    def is_zipped(self) -> bool:
        return self.content_type.lower() == "application/zip"

    def close(self) -> None:
        super().close()
        for member in self.zip_members:
            member.close()

    def reference(self) -> Reference:
        """The manifest Reference that describes this attachment."""
        return Reference(
            content_id=self.content_id,
            attachment_name=self.attachment_name,
            content_type=self.content_type,
            description=self.description,
        )

    @classmethod
    def zipped(
        cls,
        *,
        content_id: str,
        attachment_name: str,
        source: bytes | BinaryIO,
        description: str = "",
        member_name: str | None = None,
    ) -> Attachment:
        """
        Wrap ``source`` in a ZIP archive of one member (named ``member_name``, by default the
        attachment name) and return it as an ``application/zip`` attachment. AttachmentName
        keeps the original file name, as the exchange systems in the field do. The archive is
        deterministic (fixed timestamp) so the same input gives the same bytes.
        """
        info = zipfile.ZipInfo(member_name or attachment_name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        # Bytes in, bytes out; a file in gives a spooled temporary file (on disk past 8 MiB).
        sink: BinaryIO
        sink = io.BytesIO() if isinstance(source, bytes) else tempfile.SpooledTemporaryFile(max_size=8 * _CHUNK)
        with zipfile.ZipFile(sink, "w") as archive, archive.open(info, "w") as member:
            if isinstance(source, bytes):
                member.write(source)
            else:
                shutil.copyfileobj(source, member, _CHUNK)
        common = {"content_id": content_id, "attachment_name": attachment_name, "content_type": "application/zip",
                  "description": description}
        if isinstance(sink, io.BytesIO):
            return cls(**common, data=sink.getvalue())
        return cls(**common, file=sink)


@dataclass(kw_only=True)
class SignatureInfo:
    """
    What the parser found in edXMLHeader/Signature, for the signature engineer to verify.
    ``signature_xml`` is the Signature element re-serialised by lxml (with the namespace
    declarations it needs); ``signed_bytes`` is exactly what the builder handed to the signer:
    see builder.envelope_signing_bytes and docs/edxml.md.
    """

    signature_xml: bytes
    signed_bytes: bytes


@dataclass(kw_only=True)
class DocumentPackage:
    header: MessageHeader
    trace_header_list: TraceHeaderList = field(default_factory=TraceHeaderList)
    references: list[Reference] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    # Filled by the parser; not part of the package's value.
    signature: SignatureInfo | None = field(default=None, compare=False, repr=False)
    warnings: list[str] = field(default_factory=list, compare=False)

    def close(self) -> None:
        """Release the temporary files of parsed attachments."""
        for attachment in self.attachments:
            attachment.close()

    def __enter__(self) -> DocumentPackage:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass(kw_only=True)
class StatusPackage:
    """A business receipt (status codes 01-16) about a document received earlier."""

    from_: Organization
    response_for: ResponseFor
    status_code: str
    timestamp: datetime
    description: str = ""
    staff_info: StaffInfo | None = None
    signature: SignatureInfo | None = field(default=None, compare=False, repr=False)
    warnings: list[str] = field(default_factory=list, compare=False)

    def close(self) -> None:
        """Nothing to release; present so callers can close any parsed package."""

    def __enter__(self) -> StatusPackage:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def make_document_id(organ_id: str, promulgation_date: date, code_number: str, code_notation: str) -> str:
    """DocumentId as the samples write it: ``000.00.00.G22,2015/09/30,7816/VPCP-TTĐT``."""
    return f"{organ_id},{promulgation_date:%Y/%m/%d},{code_number}/{code_notation}"
