"""
Reason codes of verification results, with their messages (English msgids, translated by the
project catalogue). Each result stores the code and the message rendered in Vietnamese and in
English (TT 15/2025 asks for results in Vietnamese).

Verdict of each code, after ETSI EN 319 102-1 and the project issue:
- invalid: the signature is broken or can never become valid (tampering, changes after
  signing, certificate not yet valid, certificate not meant for signing, refused algorithm,
  unreadable file or signature);
- indeterminate: more trust information could change the answer (untrusted root, revoked
  without proof of earlier signing, expired without timestamp, unknown revocation status).
"""
from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..choices import Verdict

__all__ = ["Reason", "REASONS", "render", "verdict_of"]


class Reason:
    VALID = "VALID"
    UNSIGNED = "UNSIGNED"
    CORRUPT_FILE = "CORRUPT_FILE"
    UNKNOWN_FORMAT = "UNKNOWN_FORMAT"
    SIGNATURE_BROKEN = "SIGNATURE_BROKEN"
    MALFORMED_SIGNATURE = "MALFORMED_SIGNATURE"
    MODIFIED_AFTER_SIGNING = "MODIFIED_AFTER_SIGNING"
    PARTIAL_COVERAGE = "PARTIAL_COVERAGE"
    NOT_YET_VALID = "NOT_YET_VALID"
    KEY_USAGE = "KEY_USAGE"
    ALGORITHM = "ALGORITHM"
    TIMESTAMP_BROKEN = "TIMESTAMP_BROKEN"
    XML_UNSAFE = "XML_UNSAFE"
    XML_REFERENCE = "XML_REFERENCE"
    UNTRUSTED = "UNTRUSTED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    REVOCATION_UNKNOWN = "REVOCATION_UNKNOWN"
    CHAIN_FAILURE = "CHAIN_FAILURE"
    TIMESTAMP_UNTRUSTED = "TIMESTAMP_UNTRUSTED"


REASONS = {
    Reason.VALID: (Verdict.VALID, _("The signature is valid.")),
    Reason.UNSIGNED: (Verdict.UNSIGNED, _("The file carries no digital signature.")),
    Reason.CORRUPT_FILE: (Verdict.INVALID, _("The file is damaged or not in the format it claims to be.")),
    Reason.UNKNOWN_FORMAT: (Verdict.UNSIGNED, _("The file is neither a PDF nor an XML document and has no detached signature.")),
    Reason.SIGNATURE_BROKEN: (Verdict.INVALID, _("The signed content was altered or the signature value is wrong.")),
    Reason.MALFORMED_SIGNATURE: (Verdict.INVALID, _("The signature cannot be decoded.")),
    Reason.MODIFIED_AFTER_SIGNING: (
        Verdict.INVALID,
        _("The document was changed after signing beyond filling in forms or adding signatures."),
    ),
    Reason.PARTIAL_COVERAGE: (Verdict.INVALID, _("The signature does not cover the whole signed revision of the file.")),
    Reason.NOT_YET_VALID: (Verdict.INVALID, _("The signer's certificate is not yet valid.")),
    Reason.KEY_USAGE: (Verdict.INVALID, _("The signer's certificate is not meant for signing documents (key usage).")),
    Reason.ALGORITHM: (Verdict.INVALID, _("The signature uses an algorithm or key size that the policy does not accept.")),
    Reason.TIMESTAMP_BROKEN: (Verdict.INVALID, _("The timestamp of the signature is damaged or does not match.")),
    Reason.XML_UNSAFE: (
        Verdict.INVALID,
        _("The XML file is malformed or uses forbidden constructs (document type declarations, entities)."),
    ),
    Reason.XML_REFERENCE: (Verdict.INVALID, _("The XML signature does not sign the whole document it is in.")),
    Reason.UNTRUSTED: (Verdict.INDETERMINATE, _("The signer's certificate does not lead to a trusted root certificate.")),
    Reason.REVOKED: (Verdict.INDETERMINATE, _("The signer's certificate has been revoked.")),
    Reason.EXPIRED: (
        Verdict.INDETERMINATE,
        _("The signer's certificate has expired and no timestamp proves that the signature was made before."),
    ),
    Reason.REVOCATION_UNKNOWN: (
        Verdict.INDETERMINATE,
        _("The revocation status of the signer's certificate could not be determined."),
    ),
    Reason.CHAIN_FAILURE: (Verdict.INDETERMINATE, _("The signer's certificate chain could not be validated.")),
    Reason.TIMESTAMP_UNTRUSTED: (Verdict.INDETERMINATE, _("The timestamp authority is not trusted.")),
}

_SIGNATURE_PREFIX = _("Signature %(number)d (%(signer)s): %(reason)s")
_ALL_VALID = _("All %(count)d signatures are valid.")
_NO_SIGNATURE_DETAIL = _("%(reason)s")


def verdict_of(code: str) -> str:
    return REASONS[code][0]


def render(code: str, *, language: str, number: int | None = None, signer: str = "", count: int = 1) -> str:
    """The message of ``code`` in ``language``, prefixed by the signature it is about."""
    with translation.override(language):
        if code == Reason.VALID and count > 1:
            return str(_ALL_VALID) % {"count": count}
        text = str(REASONS[code][1])
        if number is not None:
            return str(_SIGNATURE_PREFIX) % {"number": number, "signer": signer or "?", "reason": text}
        return text


def both(code: str, **kwargs) -> tuple[str, str]:
    """(reason_vi, reason_en)."""
    return render(code, language="vi", **kwargs), render(code, language="en", **kwargs)
