"""Exporting a sent document or one of its status events as an edXML package (command and API)."""
from __future__ import annotations

from typing import BinaryIO

from documents.edxml import build_status_package, write_document_package
from documents.models import DispatchEvent, Document

from .mapping import document_to_package, status_to_package

__all__ = ["document_export", "status_export"]


def document_export(*, document: Document, out: BinaryIO, sign: bool = True) -> None:
    """Write the document's package (addressed to all its recipients) to ``out``, streaming the files."""
    from .signing import portal_signer

    with document_to_package(document) as pkg:
        write_document_package(pkg, out, signer=portal_signer() if sign else None)


def status_export(*, event: DispatchEvent, sign: bool = True) -> bytes:
    from .signing import portal_signer

    return build_status_package(status_to_package(event), signer=portal_signer() if sign else None)
