"""
Services of the signatures app (business logic; views, tasks and commands call these).
The names other apps use are re-exported here:

- ``verification_run(*, content, filename="", detached_signature=None, extra_anchors=(),
  extra_crls=(), store=True) -> Verification``
- ``verification_create_pending(*, content, filename="", detached_signature=None) -> Verification``
- ``policy_allows_accept(*, unit, verification) -> (bool, message)``
- ``organisation_sign_pdf(*, pdf, unit, signing_key=None, appendix=False, notation="") -> bytes``
"""
from .policy import policy_allows_accept, unit_policy_set
from .verification import (
    detect_kind,
    library_versions,
    verification_create_pending,
    verification_execute,
    verification_run,
    verify_bytes,
)

__all__ = [
    "detect_kind",
    "library_versions",
    "verification_create_pending",
    "verification_execute",
    "verification_run",
    "verify_bytes",
    "policy_allows_accept",
    "unit_policy_set",
    "organisation_sign_pdf",
    *[
        "SigningRefused", "signing_method_set", "signing_method_of", "signature_image_check",
        "signature_image_upload", "signature_image_of", "delegation_create", "delegation_revoke",
        "signing_authority", "signer_block", "personal_sign_pdf", "signature_box_for", "pdf_text",
    ],
]
_PERSONAL = {"SigningRefused", "signing_method_set", "signing_method_of", "signature_image_check",
             "signature_image_upload", "signature_image_of", "delegation_create", "delegation_revoke",
             "signing_authority", "signer_block", "personal_sign_pdf"}


def __getattr__(name):
    # Signing pulls in fonts and PKCS#11 bindings; load it only when asked for.
    if name == "organisation_sign_pdf":
        from .signing import organisation_sign_pdf

        return organisation_sign_pdf
    if name in _PERSONAL:
        from . import personal

        return getattr(personal, name)
    if name in ("signature_box_for", "pdf_text"):
        from . import placement

        return getattr(placement, name)
    raise AttributeError(name)
