"""The parser's size limits (keyword arguments of ``parse_package``) and fixed bounds."""
from __future__ import annotations

__all__ = [
    "MiB",
    "DEFAULT_MAX_PACKAGE_BYTES",
    "DEFAULT_MAX_ATTACHMENT_BYTES",
    "DEFAULT_MAX_DECOMPRESSED_BYTES",
    "DEFAULT_MAX_ZIP_RATIO",
    "MAX_ZIP_MEMBERS",
    "MAX_ELEMENTS",
    "MAX_DEPTH",
    "INLINE_ATTACHMENT_BYTES",
    "MAX_WARNINGS",
    "FEED_BYTES",
    "MAX_LEADING_JUNK",
    "Limits",
]

MiB = 1024 * 1024
DEFAULT_MAX_PACKAGE_BYTES = 128 * MiB  # a 50 MB document is ~67 MB of base64
DEFAULT_MAX_ATTACHMENT_BYTES = 64 * MiB  # each decoded attachment and each unzipped member
DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * MiB  # all unzipped members of one package together
DEFAULT_MAX_ZIP_RATIO = 500  # past 1 MiB, a member inflating over 500x is a bomb (deflate tops out near 1032x)
MAX_ZIP_MEMBERS = 1000
# Counted while streaming, before an element reaches the tree: the parse stops at the first one over.
MAX_ELEMENTS = 10_000  # a real envelope has tens to hundreds (a ToList of 2,000 units is ~6,000)
MAX_DEPTH = 32  # a real package nests 9 deep (XML-DSig a few more)
INLINE_ATTACHMENT_BYTES = MiB  # attachments up to this size come back as bytes, bigger ones as a temp file
MAX_WARNINGS = 200
FEED_BYTES = 64 * 1024  # the chunk size of every read: package input, base64 decoding, unzipping
MAX_LEADING_JUNK = 64 * 1024


class Limits:
    """The limits of one parse, and the decompressed bytes used so far (shared by all attachments)."""

    def __init__(self, package: int, attachment: int, decompressed: int, zip_ratio: float | None,
                 elements: int = MAX_ELEMENTS, depth: int = MAX_DEPTH) -> None:
        self.package = package
        self.elements = elements
        self.depth = depth
        self.attachment = attachment
        self.decompressed = decompressed
        self.zip_ratio = zip_ratio
        self.decompressed_used = 0
