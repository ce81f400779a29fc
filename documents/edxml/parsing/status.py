"""A status package (MessageHeader with StatusCode and Timestamp): the recipient's processing status."""
from __future__ import annotations

from ..errors import EdxmlError
from ..types import STATUS_CODES, StatusPackage
from .tree import Node, organization, response_for, staff

__all__ = ["read_status"]

_STATUS_HEADER_CHILDREN = {"From", "ResponseFor", "StaffInfo", "StatusCode", "Description", "Timestamp"}


def read_status(header: Node, msg: Node) -> StatusPackage:
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
        from_=organization(msg.child("From", required=True), require_name=False, system_id_ok=True),
        response_for=response_for(msg.child("ResponseFor", required=True)),
        staff_info=staff(msg.child("StaffInfo")),
        status_code=code,
        description=description,
        timestamp=msg.timestamp("Timestamp", required=True),
    )
