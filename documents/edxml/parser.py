"""
Read edXML packages (QCVN 102:2016) safely and in bounded memory: the public entry point.

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

The work is done in ``documents.edxml.parsing``, one module per concern (its docstring lists
them); this module wires them together and keeps the names callers import from here.
"""
from __future__ import annotations

import os
from typing import BinaryIO

from lxml import etree

from .errors import EdxmlError
from .parsing.dates import parse_date, parse_timestamp
from .parsing.envelope import interpret
from .parsing.limits import (
    DEFAULT_MAX_ATTACHMENT_BYTES,
    DEFAULT_MAX_DECOMPRESSED_BYTES,
    DEFAULT_MAX_PACKAGE_BYTES,
    DEFAULT_MAX_ZIP_RATIO,
    INLINE_ATTACHMENT_BYTES,
    MAX_DEPTH,
    MAX_ELEMENTS,
    MAX_WARNINGS,
    MAX_ZIP_MEMBERS,
    Limits,
)
from .parsing.reader import Input, Target, feed
from .types import DocumentPackage, StatusPackage

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
    "MAX_DEPTH",
    "INLINE_ATTACHMENT_BYTES",
]


def parse_package(
    source: bytes | bytearray | memoryview | str | os.PathLike | BinaryIO,
    *,
    max_package_bytes: int = DEFAULT_MAX_PACKAGE_BYTES,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    max_zip_ratio: float | None = DEFAULT_MAX_ZIP_RATIO,
    max_elements: int = MAX_ELEMENTS,
    max_depth: int = MAX_DEPTH,
) -> DocumentPackage | StatusPackage:
    """
    Parse an edXML package from bytes, a path or a binary file object and tell its kind.

    Raises EdxmlError, and nothing else, for any input. The caller owns the result: call
    ``close()`` (or use it as a context manager) to delete the temporary files of big
    attachments. ``max_elements`` and ``max_depth`` bound the XML outside attachment content:
    they are enforced while the bytes stream in, so an oversized package stops being read at
    the first element over the limit.
    """
    try:
        return _parse(source, Limits(max_package_bytes, max_attachment_bytes, max_decompressed_bytes, max_zip_ratio,
                                     max_elements, max_depth))
    except EdxmlError:
        raise
    except Exception as exc:  # noqa: BLE001 - the contract is "EdxmlError or a result"
        raise EdxmlError("internal_error", f"Unexpected {type(exc).__name__} while reading the package: {exc}",
                         "") from exc


def _parse(source, limits: Limits) -> DocumentPackage | StatusPackage:
    warnings: list[str] = []

    def warn(message: str) -> None:
        if len(warnings) < MAX_WARNINGS:
            warnings.append(message)
        elif len(warnings) == MAX_WARNINGS:
            warnings.append("Further warnings suppressed")

    target = Target(limits, warn)
    parser = etree.XMLParser(target=target, resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    data = Input(source, limits.package)
    try:
        root = feed(parser, target, data, warn)
        result = interpret(root, target.attachments, warn)
    except BaseException:
        target.discard()
        raise
    finally:
        data.close()
    result.warnings = warnings
    return result
