"""
Write edXML packages (QCVN 102:2016) from the dataclasses in documents.edxml.types.

The envelope (header and manifest) is small and is built as an lxml tree; the attachments are
streamed after it with lxml's incremental writer (``etree.xmlfile``), reading each attachment
in chunks and base64-encoding chunk by chunk, so a 50 MB package is never held several times
in memory. ``write_*`` functions write to a file or a binary stream; ``build_*`` return bytes.

Layout, element order and formats: docs/edxml.md.
"""
from __future__ import annotations

import base64
import io
import os
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import BinaryIO

from lxml import etree

from .errors import EdxmlError
from .signing import envelope_signing_bytes, insert_signature, safe_xml_parser
from .types import (
    NAMESPACE,
    ORGAN_ID_RE,
    STATUS_CODES,
    VN_TZ,
    Bussiness,
    BussinessDocType,
    DocumentPackage,
    Organization,
    StaffInfo,
    StatusPackage,
)

__all__ = [
    "Signer",
    "build_document_package",
    "build_status_package",
    "write_document_package",
    "write_status_package",
    "format_date",
    "format_timestamp",
]

# A signer receives envelope_signing_bytes() of the unsigned envelope and returns the
# <Signature> element (XML-DSig) to place in edXMLHeader. See docs/edxml.md, "Signature hook".
Signer = Callable[[bytes], etree._Element]

_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# 3 * 2**16 bytes encode to exactly 256 KiB of base64 with no padding in the middle.
_RAW_CHUNK = 3 * 2**16

_ENVELOPE = "edXML/edXMLEnvelope"
_HEADER = f"{_ENVELOPE}/edXMLHeader"
_MESSAGE = f"{_HEADER}/MessageHeader"
_TRACE = f"{_HEADER}/TraceHeaderList"
_MANIFEST = f"{_ENVELOPE}/edXMLBody/edXMLManifest"

# Organisation and StaffInfo children are written in the order of the official samples, which
# differs between document packages (standards.md layout) and status packages (status sample).
_ORG_ORDER_DOCUMENT = ("OrganId", "OrganizationInCharge", "OrganName", "OrganAdd", "Email", "Telephone", "Fax",
                       "Website")
_ORG_ORDER_STATUS = ("OrganId", "OrganName", "OrganizationInCharge", "OrganAdd", "Email", "Telephone", "Fax",
                     "Website")
_ORG_FIELDS = {"OrganId": "organ_id", "OrganizationInCharge": "organization_in_charge", "OrganName": "organ_name",
               "OrganAdd": "organ_add", "Email": "email", "Telephone": "telephone", "Fax": "fax",
               "Website": "website"}
_STAFF_ORDER_DOCUMENT = ("Department", "Staff", "Email", "Mobile")
_STAFF_ORDER_STATUS = ("Department", "Staff", "Mobile", "Email")
_STAFF_FIELDS = {"Department": "department", "Staff": "staff", "Email": "email", "Mobile": "mobile"}


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def format_date(value: date) -> str:
    """yyyy/MM/dd, the format of the official samples."""
    if isinstance(value, datetime):
        value = _local(value).date()
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


def format_timestamp(value: datetime) -> str:
    """yyyy/MM/dd HH:mm:ss in Vietnam time; naive datetimes are taken as Vietnam time already."""
    value = _local(value)
    return f"{format_date(value.date())} {value.hour:02d}:{value.minute:02d}:{value.second:02d}"


def _local(value: datetime) -> datetime:
    return value.astimezone(VN_TZ) if value.tzinfo is not None else value


# --- checks -------------------------------------------------------------------------------------

def _require(value, path: str) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise EdxmlError("missing_element", f"Missing required element {path}", path)


def _check_organ_id(value: str, path: str) -> None:
    _require(value, path)
    if not ORGAN_ID_RE.match(value):
        raise EdxmlError("bad_organ_id", f"{path}: {value!r} is not a 13-character QCVN 102 agency code "
                                         "(expected e.g. 000.00.00.H41)", path)


def _check_int(value, path: str, low: int, high: int | None = None) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
        bounds = f"{low}..{high}" if high is not None else f">= {low}"
        raise EdxmlError("bad_value", f"{path}: {value!r} is not an integer in {bounds}", path)


def _check_document(pkg: DocumentPackage) -> None:
    h = pkg.header
    _check_organ_id(h.from_.organ_id, f"{_MESSAGE}/From/OrganId")
    _require(h.from_.organ_name, f"{_MESSAGE}/From/OrganName")
    if not h.to:
        _require(None, f"{_MESSAGE}/To")
    for to in h.to:
        _check_organ_id(to.organ_id, f"{_MESSAGE}/To/OrganId")
    _require(h.document_id, f"{_MESSAGE}/DocumentId")
    _require(h.code.code_number, f"{_MESSAGE}/Code/CodeNumber")
    _require(h.code.code_notation, f"{_MESSAGE}/Code/CodeNotation")
    _require(h.promulgation_info.promulgation_date, f"{_MESSAGE}/PromulgationInfo/PromulgationDate")
    _require(h.document_type.type_name, f"{_MESSAGE}/DocumentType/TypeName")
    _require(h.subject, f"{_MESSAGE}/Subject")
    _require(h.signer_info.full_name, f"{_MESSAGE}/SignerInfo/FullName")
    _check_int(h.other_info.priority, f"{_MESSAGE}/OtherInfo/Priority", 0, 4)
    for name in ("promulgation_amount", "page_amount"):
        if (value := getattr(h.other_info, name)) is not None:
            element = "".join(part.title() for part in name.split("_"))
            _check_int(value, f"{_MESSAGE}/OtherInfo/{element}", 0)
    for rf in h.response_for:
        _check_organ_id(rf.organ_id, f"{_MESSAGE}/ResponseFor/OrganId")
        _require(rf.code, f"{_MESSAGE}/ResponseFor/Code")
        _require(rf.promulgation_date, f"{_MESSAGE}/ResponseFor/PromulgationDate")
        _require(rf.document_id, f"{_MESSAGE}/ResponseFor/DocumentId")
    for th in pkg.trace_header_list.trace_headers:
        _check_organ_id(th.organ_id, f"{_TRACE}/TraceHeader/OrganId")
        _require(th.timestamp, f"{_TRACE}/TraceHeader/Timestamp")
    b = pkg.trace_header_list.bussiness
    bpath = f"{_TRACE}/Bussiness"
    if b.bussiness_doc_type not in set(BussinessDocType):
        raise EdxmlError("bad_value", f"{bpath}/BussinessDocType: {b.bussiness_doc_type!r} is not 0, 1, 2 or 3",
                         f"{bpath}/BussinessDocType")
    _check_int(b.paper, f"{bpath}/Paper", 0)
    if b.bussiness_doc_type == BussinessDocType.REPLACEMENT and not b.replacement_info_list:
        _require(None, f"{bpath}/ReplacementInfoList")
    for info in b.replacement_info_list:
        _require(info.document_id, f"{bpath}/ReplacementInfoList/ReplacementInfo/DocumentId")
        for organ_id in info.organ_id_list:
            _check_organ_id(organ_id, f"{bpath}/ReplacementInfoList/ReplacementInfo/OrganIdList/OrganId")
    if b.bussiness_document_info is not None:
        for receiver in b.bussiness_document_info.receiver_list:
            rpath = f"{bpath}/BussinessDocumentInfo/ReceiverList/Receiver"
            _check_organ_id(receiver.organ_id, f"{rpath}/OrganId")
            _check_int(receiver.receiver_type, f"{rpath}/ReceiverType", 0, 1)
    _check_manifest(pkg)


def _check_manifest(pkg: DocumentPackage) -> None:
    seen: set[str] = set()
    for ref in pkg.references:
        _require(ref.content_id, f"{_MANIFEST}/Reference/ContentId")
        _require(ref.attachment_name, f"{_MANIFEST}/Reference/AttachmentName")
        if ref.content_id in seen:
            raise EdxmlError("duplicate_content_id", f"Two manifest references have ContentId {ref.content_id!r}",
                             f"{_MANIFEST}/Reference/ContentId")
        seen.add(ref.content_id)
    attached: set[str] = set()
    for att in pkg.attachments:
        path = "edXML/AttachmentEncoded/Attachment"
        _require(att.content_id, f"{path}/ContentId")
        _require(att.attachment_name, f"{path}/AttachmentName")
        if att.content_id in attached:
            raise EdxmlError("duplicate_content_id", f"Two attachments have ContentId {att.content_id!r}",
                             f"{path}/ContentId")
        attached.add(att.content_id)
    if missing := seen - attached:
        cid = sorted(missing)[0]
        raise EdxmlError("missing_attachment", f"The manifest references ContentId {cid!r} but no attachment has it",
                         f"{_MANIFEST}/Reference/ContentId")
    if unlisted := attached - seen:
        cid = sorted(unlisted)[0]
        raise EdxmlError("missing_element", f"Missing required element {_MANIFEST}/Reference for attachment {cid!r}",
                         f"{_MANIFEST}/Reference")


def _check_status(status: StatusPackage) -> None:
    _check_organ_id(status.from_.organ_id, f"{_MESSAGE}/From/OrganId")
    rf = status.response_for
    _check_organ_id(rf.organ_id, f"{_MESSAGE}/ResponseFor/OrganId")
    _require(rf.code, f"{_MESSAGE}/ResponseFor/Code")
    _require(rf.promulgation_date, f"{_MESSAGE}/ResponseFor/PromulgationDate")
    _require(rf.document_id, f"{_MESSAGE}/ResponseFor/DocumentId")
    if status.status_code not in STATUS_CODES:
        raise EdxmlError("bad_status_code", f"{_MESSAGE}/StatusCode: {status.status_code!r} is not one of "
                                            f"{', '.join(STATUS_CODES)}", f"{_MESSAGE}/StatusCode")
    if status.status_code in ("02", "13"):  # rejection and take-back carry their reason
        _require(status.description, f"{_MESSAGE}/Description")
    _require(status.timestamp, f"{_MESSAGE}/Timestamp")


# --- envelope -----------------------------------------------------------------------------------

class _Tree:
    """Small helper that appends namespaced children and turns lxml's ValueError into EdxmlError."""

    @staticmethod
    def add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, _q(name))
        if text is not None:
            try:
                element.text = text
            except ValueError as exc:  # control characters are not allowed in XML 1.0
                ancestors = [etree.QName(e).localname for e in element.iterancestors()][::-1]
                path = "/".join(["edXML", *ancestors, name])
                raise EdxmlError("bad_value", f"{name}: {text!r} cannot be written in XML ({exc})", path) from exc
        return element

    @classmethod
    def opt(cls, parent: etree._Element, name: str, text: str | None) -> None:
        """Write an optional element only when it has a value."""
        if text not in (None, ""):
            cls.add(parent, name, text)


def _add_organization(parent, name: str, org: Organization, order: Iterable[str]) -> None:
    element = _Tree.add(parent, name)
    for child in order:
        value = getattr(org, _ORG_FIELDS[child])
        if child == "OrganId":
            _Tree.add(element, child, value)
        else:
            _Tree.opt(element, child, value)


def _add_staff(parent, staff: StaffInfo | None, order: Iterable[str]) -> None:
    if staff is None:
        return
    element = _Tree.add(parent, "StaffInfo")
    for child in order:
        _Tree.opt(element, child, getattr(staff, _STAFF_FIELDS[child]))


def _new_envelope() -> tuple[etree._Element, etree._Element]:
    # The ID the package signature's Reference URI (#edXMLEnvelope) names, so that a standard
    # XML-DSig verifier (xmlsec1 --id-attr:Id edXMLEnvelope, the JDK with setIdAttributeNS) finds it.
    envelope = etree.Element(_q("edXMLEnvelope"), {"Id": "edXMLEnvelope"}, nsmap={"edXML": NAMESPACE})
    header = _Tree.add(envelope, "edXMLHeader")
    return envelope, header


def _document_envelope(pkg: DocumentPackage) -> etree._Element:
    h = pkg.header
    envelope, header = _new_envelope()
    msg = _Tree.add(header, "MessageHeader")
    _add_organization(msg, "From", h.from_, _ORG_ORDER_DOCUMENT)
    for to in h.to:
        _add_organization(msg, "To", to, _ORG_ORDER_DOCUMENT)
    _Tree.add(msg, "DocumentId", h.document_id)
    code = _Tree.add(msg, "Code")
    _Tree.add(code, "CodeNumber", h.code.code_number)
    _Tree.add(code, "CodeNotation", h.code.code_notation)
    promulgation = _Tree.add(msg, "PromulgationInfo")
    _Tree.opt(promulgation, "Place", h.promulgation_info.place)
    _Tree.add(promulgation, "PromulgationDate", format_date(h.promulgation_info.promulgation_date))
    doc_type = _Tree.add(msg, "DocumentType")
    _Tree.opt(doc_type, "Type", h.document_type.type)
    _Tree.opt(doc_type, "TypeDetail", h.document_type.type_detail)
    _Tree.add(doc_type, "TypeName", h.document_type.type_name)
    _Tree.add(msg, "Subject", h.subject)
    _Tree.opt(msg, "Content", h.content)
    signer = _Tree.add(msg, "SignerInfo")
    _Tree.opt(signer, "Competence", h.signer_info.competence)
    _Tree.opt(signer, "Position", h.signer_info.position)
    _Tree.add(signer, "FullName", h.signer_info.full_name)
    if h.due_date is not None:
        _Tree.add(msg, "DueDate", format_date(h.due_date))
    o = h.other_info
    other = _Tree.add(msg, "OtherInfo")
    _Tree.add(other, "Priority", str(o.priority))
    _Tree.opt(other, "SphereOfPromulgation", o.sphere_of_promulgation)
    _Tree.opt(other, "TyperNotation", o.typer_notation)
    _Tree.opt(other, "PromulgationAmount", None if o.promulgation_amount is None else str(o.promulgation_amount))
    _Tree.opt(other, "PageAmount", None if o.page_amount is None else str(o.page_amount))
    _Tree.add(other, "Direction", "true" if o.direction else "false")
    if o.appendixes:
        appendixes = _Tree.add(other, "Appendixes")
        for appendix in o.appendixes:
            _Tree.add(appendixes, "Appendix", appendix)
    for rf in h.response_for:
        response = _Tree.add(msg, "ResponseFor")
        _Tree.add(response, "OrganId", rf.organ_id)
        _Tree.add(response, "Code", rf.code)
        _Tree.add(response, "PromulgationDate", format_date(rf.promulgation_date))
        _Tree.add(response, "DocumentId", rf.document_id)
    _Tree.opt(msg, "SteeringType", h.steering_type)
    if h.to_places:
        places = _Tree.add(msg, "ToPlaces")
        for place in h.to_places:
            _Tree.add(places, "Place", place)

    trace_list = _Tree.add(header, "TraceHeaderList")
    for th in pkg.trace_header_list.trace_headers:
        trace = _Tree.add(trace_list, "TraceHeader")
        _Tree.add(trace, "OrganId", th.organ_id)
        _Tree.add(trace, "Timestamp", format_timestamp(th.timestamp))
    _add_bussiness(trace_list, pkg.trace_header_list.bussiness)

    body = _Tree.add(envelope, "edXMLBody")
    manifest = _Tree.add(body, "edXMLManifest")
    manifest.set("version", "1.0")
    for ref in pkg.references:
        reference = _Tree.add(manifest, "Reference")
        _Tree.add(reference, "ContentId", ref.content_id)
        _Tree.add(reference, "ContentType", ref.content_type)
        _Tree.opt(reference, "Description", ref.description)
        _Tree.add(reference, "AttachmentName", ref.attachment_name)
    return envelope


def _add_bussiness(parent, b: Bussiness) -> None:
    element = _Tree.add(parent, "Bussiness")
    _Tree.opt(element, "DocumentId", b.document_id)
    _Tree.add(element, "BussinessDocType", str(int(b.bussiness_doc_type)))
    _Tree.opt(element, "BussinessDocReason", b.bussiness_doc_reason)
    _Tree.add(element, "Paper", str(b.paper))
    if (info := b.bussiness_document_info) is not None:
        info_el = _Tree.add(element, "BussinessDocumentInfo")
        _Tree.opt(info_el, "DocumentInfo", info.document_info)
        _Tree.opt(info_el, "DocumentReceiver", info.document_receiver)
        if info.receiver_list:
            receivers = _Tree.add(info_el, "ReceiverList")
            for receiver in info.receiver_list:
                receiver_el = _Tree.add(receivers, "Receiver")
                _Tree.add(receiver_el, "OrganId", receiver.organ_id)
                _Tree.add(receiver_el, "ReceiverType", str(receiver.receiver_type))
    if b.replacement_info_list:
        replacements = _Tree.add(element, "ReplacementInfoList")
        for info in b.replacement_info_list:
            info_el = _Tree.add(replacements, "ReplacementInfo")
            _Tree.add(info_el, "DocumentId", info.document_id)
            organ_ids = _Tree.add(info_el, "OrganIdList")
            for organ_id in info.organ_id_list:
                _Tree.add(organ_ids, "OrganId", organ_id)
    _add_staff(element, b.staff_info, _STAFF_ORDER_DOCUMENT)


def _status_envelope(status: StatusPackage) -> etree._Element:
    envelope, header = _new_envelope()
    msg = _Tree.add(header, "MessageHeader")
    _add_organization(msg, "From", status.from_, _ORG_ORDER_STATUS)
    rf = status.response_for
    response = _Tree.add(msg, "ResponseFor")
    _Tree.add(response, "OrganId", rf.organ_id)
    _Tree.add(response, "Code", rf.code)
    _Tree.add(response, "PromulgationDate", format_date(rf.promulgation_date))
    _Tree.add(response, "DocumentId", rf.document_id)
    _add_staff(msg, status.staff_info, _STAFF_ORDER_STATUS)
    _Tree.add(msg, "StatusCode", status.status_code)
    _Tree.opt(msg, "Description", status.description)
    _Tree.add(msg, "Timestamp", format_timestamp(status.timestamp))
    return envelope


def _finish_envelope(envelope: etree._Element, signer: Signer | None) -> bytes:
    """Indent, sign if asked, and serialise the envelope as it will appear in the package."""
    etree.indent(envelope, space="  ", level=1)
    if signer is not None:
        unsigned = etree.tostring(envelope)
        # Re-read the envelope inside an <edXML> root, exactly as the parser will see it, so both
        # sides compute the signed bytes with the same function on the same tree.
        wrapped = etree.fromstring(b'<edXML xmlns="%s">\n  %s\n</edXML>' % (NAMESPACE.encode(), unsigned),
                                   safe_xml_parser())
        signature = signer(envelope_signing_bytes(wrapped[0]))
        if not isinstance(signature, etree._Element) or etree.QName(signature).localname != "Signature":
            raise TypeError("the signer must return an lxml <Signature> element")
        insert_signature(envelope, signature)
    return etree.tostring(envelope, encoding="UTF-8")


# --- package writing ----------------------------------------------------------------------------

def _open_output(out: BinaryIO | str | os.PathLike):
    if isinstance(out, (str, os.PathLike)):
        return open(out, "wb"), True
    return out, False


def _write_package(out, envelope_bytes: bytes, attachments) -> None:
    stream, owned = _open_output(out)
    try:
        stream.write(_XML_DECLARATION)
        with etree.xmlfile(stream, encoding="UTF-8", buffered=False) as xf:
            with xf.element(_q("edXML"), nsmap={None: NAMESPACE}):
                xf.write("\n  ")
                xf.flush()
                stream.write(envelope_bytes)  # already serialised (and perhaps signed); written verbatim
                if attachments:
                    xf.write("\n  ")
                    with xf.element(_q("AttachmentEncoded")):
                        for attachment in attachments:
                            xf.write("\n    ")
                            _write_attachment(xf, attachment)
                        xf.write("\n  ")
                xf.write("\n")
        stream.write(b"\n")
    finally:
        if owned:
            stream.close()


def _write_attachment(xf, attachment) -> None:
    with xf.element(_q("Attachment")):
        for name, value in (("ContentId", attachment.content_id), ("AttachmentName", attachment.attachment_name),
                            ("Description", attachment.description), ("ContentType", attachment.content_type)):
            if value or name != "Description":
                xf.write("\n      ")
                with xf.element(_q(name)):
                    xf.write(value)
        xf.write("\n      ")
        with xf.element(_q("ContentTransferEncoded"), nsmap={"edXML": NAMESPACE}):
            with attachment.open() as source:
                for chunk in _read_blocks(source, _RAW_CHUNK):
                    xf.write(base64.b64encode(chunk).decode("ascii"))
        xf.write("\n    ")


def _read_blocks(source: BinaryIO, size: int):
    """Yield blocks of exactly ``size`` bytes (the last may be shorter), even from short reads."""
    buffer = bytearray()
    while chunk := source.read(size - len(buffer)):
        buffer += chunk
        if len(buffer) == size:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def write_document_package(pkg: DocumentPackage, out: BinaryIO | str | os.PathLike, *,
                           signer: Signer | None = None) -> None:
    """Check ``pkg`` and write it to ``out`` (path or binary stream), streaming the attachments."""
    _check_document(pkg)
    _write_package(out, _finish_envelope(_document_envelope(pkg), signer), pkg.attachments)


def build_document_package(pkg: DocumentPackage, signer: Signer | None = None) -> bytes:
    """The package as bytes. For big packages prefer write_document_package to a file."""
    buffer = io.BytesIO()
    write_document_package(pkg, buffer, signer=signer)
    return buffer.getvalue()


def write_status_package(status: StatusPackage, out: BinaryIO | str | os.PathLike, *,
                         signer: Signer | None = None) -> None:
    _check_status(status)
    _write_package(out, _finish_envelope(_status_envelope(status), signer), [])


def build_status_package(status: StatusPackage, signer: Signer | None = None) -> bytes:
    buffer = io.BytesIO()
    write_status_package(status, buffer, signer=signer)
    return buffer.getvalue()
