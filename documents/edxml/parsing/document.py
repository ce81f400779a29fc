"""
A document package: the MessageHeader of an official document, its TraceHeaderList (the
business of a new, revoked, updated or replaced document), the manifest, and its attachments.
"""
from __future__ import annotations

from ..errors import EdxmlError
from ..types import (
    Attachment,
    Bussiness,
    BussinessDocType,
    BussinessDocumentInfo,
    Code,
    DocumentPackage,
    DocumentType,
    MessageHeader,
    OtherInfo,
    PromulgationInfo,
    Receiver,
    Reference,
    ReplacementInfo,
    SignerInfo,
    TraceHeader,
    TraceHeaderList,
    make_document_id,
)
from .attachments import cid, match_attachments
from .tree import Node, organ_id_value, organization, response_for, staff

__all__ = ["read_document"]

_DOCUMENT_HEADER_CHILDREN = {
    "From", "To", "DocumentId", "Code", "PromulgationInfo", "DocumentType", "Subject", "Content", "SignerInfo",
    "DueDate", "OtherInfo", "ResponseFor", "SteeringType", "ToPlaces",
}


def read_document(header: Node, msg: Node, body: Node | None,
                   attachments: list[Attachment]) -> DocumentPackage:
    msg.expect(_DOCUMENT_HEADER_CHILDREN)
    sender = organization(msg.child("From", required=True), require_name=True, system_id_ok=True)
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
        to=[organization(node, require_name=False) for node in to_nodes],
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
        response_for=[response_for(node) for node in msg.children("ResponseFor")],
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
                           attachments=match_attachments(references, attachments, msg.warn))


def _places(node: Node | None) -> list[str]:
    if node is None:
        return []
    node.expect({"Place"})
    return [place.value for place in node.children("Place") if place.value]


def _other_info(node: Node | None) -> OtherInfo:
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


def _trace_header_list(node: Node) -> TraceHeaderList:
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
                ids = [organ_id_value(o) for o in organ_ids.children("OrganId")]
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
            staff_info=staff(b.child("StaffInfo")),
        ),
    )


def _bussiness_document_info(node: Node | None) -> BussinessDocumentInfo | None:
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


def _manifest(body: Node | None) -> list[Reference]:
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
        if cid(content_id) in seen:
            raise EdxmlError("duplicate_content_id", f"Two manifest references have ContentId {content_id!r}",
                             f"{ref.path}/ContentId")
        seen.add(cid(content_id))
        references.append(Reference(content_id=content_id, content_type=ref.text("ContentType")
                                    or "application/octet-stream",
                                    description=ref.text("Description"),
                                    attachment_name=ref.text("AttachmentName", required=True)))
    return references
