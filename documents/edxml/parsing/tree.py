"""
Reading the envelope tree: an element with its slash path (for precise errors and warnings),
the element paths of the package, and the elements both kinds of package share.
"""
from __future__ import annotations

import re

from collections.abc import Callable
from datetime import date, datetime

from lxml import etree

from ..errors import EdxmlError
from ..types import NAMESPACE, ORGAN_ID_RE, Organization, ResponseFor, StaffInfo

# A systemId-like sender id (no dots, so never a mistyped agency code such as 000.00.00.h41).
SYSTEM_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$")
from .dates import parse_date, parse_timestamp

__all__ = ["ROOT", "ENVELOPE", "ATTACHMENT", "CTE_PATH", "Node", "organization", "staff", "response_for",
           "organ_id_value"]

ROOT = "edXML"
ENVELOPE = "edXML/edXMLEnvelope"
ATTACHMENT = "edXML/AttachmentEncoded/Attachment"
CTE_PATH = ("edXML", "AttachmentEncoded", "Attachment", "ContentTransferEncoded")

_ORG_CHILDREN = {"OrganId", "OrganizationInCharge", "OrganName", "OrganAdd", "Email", "Telephone", "Fax", "Website"}
_STAFF_CHILDREN = {"Department", "Staff", "Email", "Mobile"}
_RESPONSE_CHILDREN = {"OrganId", "Code", "PromulgationDate", "DocumentId"}


class Node:
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

    def child(self, name: str, required: bool = False) -> Node | None:
        found = self._children(name)
        if not found:
            if required:
                raise EdxmlError("missing_element", f"Missing required element {self.path}/{name}",
                                 f"{self.path}/{name}")
            return None
        if len(found) > 1:
            self.warn(f"{self.path}/{name} appears {len(found)} times; the first is used")
        return Node(found[0], f"{self.path}/{name}", self.warn)

    def children(self, name: str) -> list[Node]:
        return [Node(child, f"{self.path}/{name}", self.warn) for child in self._children(name)]

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

    def organ_id(self, name: str = "OrganId", *, system_id_ok: bool = False) -> str:
        value = self.text(name, required=True)
        if system_id_ok and not ORGAN_ID_RE.match(value) and SYSTEM_ID_RE.match(value):
            # Some senders put their systemId here; the receiver resolves it through the peer's directory.
            self.warn(f"{self.path}/{name} {value!r} is not a QCVN 102 agency code (a system id?); kept as it is")
            return value
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


def organization(node: Node, require_name: bool, *, system_id_ok: bool = False) -> Organization:
    node.expect(_ORG_CHILDREN)
    return Organization(
        organ_id=node.organ_id(system_id_ok=system_id_ok),
        organization_in_charge=node.text("OrganizationInCharge"),
        organ_name=node.text("OrganName", required=require_name),
        organ_add=node.text("OrganAdd"),
        email=node.text("Email"),
        telephone=node.text("Telephone"),
        fax=node.text("Fax"),
        website=node.text("Website"),
    )


def staff(node: Node | None) -> StaffInfo | None:
    if node is None:
        return None
    node.expect(_STAFF_CHILDREN)
    return StaffInfo(department=node.text("Department"), staff=node.text("Staff"), email=node.text("Email"),
                     mobile=node.text("Mobile"))


def response_for(node: Node) -> ResponseFor:
    node.expect(_RESPONSE_CHILDREN)
    return ResponseFor(organ_id=node.organ_id(), code=node.text("Code", required=True),
                       promulgation_date=node.date("PromulgationDate", required=True),
                       document_id=node.text("DocumentId", required=True))


def organ_id_value(node: Node) -> str:
    if not ORGAN_ID_RE.match(node.value):
        raise EdxmlError("bad_organ_id", f"Bad OrganId in {node.path}: {node.value!r} is not a 13-character QCVN 102 "
                                         "agency code (e.g. 000.00.00.H41)", node.path)
    return node.value

