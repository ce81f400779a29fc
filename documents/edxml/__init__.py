"""
edXML (QCVN 102:2016) packages: dataclasses, a streaming builder and a safe, bounded parser.
Pure Python + lxml, no Django models. Design note: docs/edxml.md.
"""
from .builder import (
    Signer,
    build_document_package,
    build_status_package,
    write_document_package,
    write_status_package,
)
from .errors import ERROR_CODES, EdxmlError
from .parser import parse_package
from .signing import envelope_signing_bytes
from .types import *  # noqa: F403
from .types import __all__ as _types_all

__all__ = [
    "EdxmlError",
    "ERROR_CODES",
    "Signer",
    "build_document_package",
    "build_status_package",
    "write_document_package",
    "write_status_package",
    "parse_package",
    "envelope_signing_bytes",
    *_types_all,
]
