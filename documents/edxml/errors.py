"""The one exception type the edXML library raises, and its error codes."""

__all__ = ["EdxmlError", "ERROR_CODES"]

# Every code EdxmlError can carry, with what it means. docs/edxml.md repeats this table.
ERROR_CODES: dict[str, str] = {
    "not_xml": "The input is not well-formed XML (truncated, garbage, undefined entity, ...).",
    "forbidden_dtd": "The input has a DOCTYPE (and so possibly entity declarations): always refused.",
    "not_edxml": "Well-formed XML, but the root is not edXML or the package is neither a document nor a status.",
    "wrong_namespace": "An edXML element is outside the QCVN 102:2016 namespace.",
    "missing_element": "A required element is absent or empty.",
    "bad_value": "An element holds a value of the wrong kind (not an integer, out of range, ...).",
    "bad_date": "A date or timestamp matches none of the accepted formats.",
    "bad_organ_id": "An OrganId is not a 13-character QCVN 102 agency code.",
    "bad_status_code": "A StatusCode is not one of 01-06, 13, 15, 16.",
    "bad_base64": "An attachment's ContentTransferEncoded is not valid base64.",
    "bad_zip": "An application/zip attachment is not a readable (unencrypted) ZIP archive.",
    "zip_bomb": "A zipped attachment decompresses beyond the limits, or has too many members.",
    "too_large": "The package, or a decoded attachment, exceeds its size limit.",
    "missing_attachment": "The manifest references a ContentId that has no attachment.",
    "duplicate_content_id": "Two attachments or two references share a ContentId.",
    "internal_error": "A bug in this library; the original exception is chained. Should never happen.",
}


class EdxmlError(Exception):
    """
    A package was refused (parser) or cannot be produced (builder).

    ``code`` is one of ERROR_CODES; ``message`` is an English sentence for logs and for the
    rejection notice; ``element_path`` is the slash-separated path of local names
    (``edXML/edXMLEnvelope/edXMLHeader/MessageHeader/From/OrganId``) or "" when the problem
    is not tied to one element.
    """

    def __init__(self, code: str, message: str, element_path: str = "") -> None:
        assert code in ERROR_CODES, code
        super().__init__(message)
        self.code = code
        self.message = message
        self.element_path = element_path

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"

    def __repr__(self) -> str:
        return f"EdxmlError({self.code!r}, {self.message!r}, {self.element_path!r})"
