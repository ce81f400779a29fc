"""Per-unit acceptance policy for incoming documents whose main file is not validly signed."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from egov.core.audit import audit_record
from egov.core.db import service

from ..choices import AuditVerb, PolicyMode, Verdict, VerificationStatus
from ..models import UnitSignaturePolicy, Verification

__all__ = ["policy_allows_accept", "unit_policy_set"]


def policy_allows_accept(*, unit, verification: Verification | None) -> tuple[bool, str]:
    """
    May ``unit`` accept an incoming document whose main file has ``verification``?
    Returns ``(allowed, message)``: valid → (True, ""); otherwise the unit's policy decides
    (default "warn": allowed with a warning message; "block": refused). A verification still
    pending is treated like an invalid one under "block" (the caller may retry later).
    """
    if verification is not None and verification.status == VerificationStatus.DONE and verification.is_valid:
        return True, ""
    mode = UnitSignaturePolicy.objects.filter(unit=unit).values_list("mode", flat=True).first() or PolicyMode.WARN
    if verification is None or verification.status != VerificationStatus.DONE:
        detail = str(_("The signature of the main file has not been verified yet."))
    elif verification.verdict == Verdict.UNSIGNED:
        detail = str(_("The main file is not signed."))
    else:
        detail = str(_("The signature of the main file is not valid: %(reason)s")) % {"reason": verification.reason_vi
                                                                                        if _lang_is_vi() else
                                                                                        verification.reason_en}
    if mode == PolicyMode.BLOCK:
        return False, str(_("Acceptance refused by the unit's signature policy. %(detail)s")) % {"detail": detail}
    return True, str(_("Warning: %(detail)s")) % {"detail": detail}


def _lang_is_vi() -> bool:
    from django.utils import translation

    return (translation.get_language() or "vi").startswith("vi")


@service
def unit_policy_set(*, unit, mode: str, acting_user=None) -> UnitSignaturePolicy:
    policy, _created = UnitSignaturePolicy.objects.update_or_create(unit=unit, defaults={"mode": mode})
    policy.full_clean()
    audit_record(actor=acting_user, unit=unit, verb=AuditVerb.POLICY_SET, obj=policy, details={"mode": mode})
    return policy
