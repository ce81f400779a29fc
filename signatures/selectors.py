"""Reads of the signatures app that are more than trivial."""
from __future__ import annotations

from django.db.models import QuerySet

from .models import Certificate, Verification

__all__ = ["certificate_list", "verification_latest_for_sha256"]


def certificate_list(
    *,
    search: str = "",
    unit=None,
    user=None,
    expires_within_days: int | None = None,
    include_ca: bool = False,
    include_expired: bool = True,
) -> QuerySet[Certificate]:
    """
    The certificate registry filtered as the list page and API need it: free-text search
    (name, UID such as CCCD/MST, serial, fingerprint; diacritics optional), unit, user,
    "expires within N days" (still valid now), CA certificates excluded by default.
    """
    qs = Certificate.objects.select_related("unit", "user")
    if not include_ca:
        qs = qs.filter(is_ca=False)
    if search:
        qs = qs.search(search)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if user is not None:
        qs = qs.filter(user=user)
    if expires_within_days is not None:
        qs = qs.expiring_within(expires_within_days)
    elif not include_expired:
        qs = qs.valid_now()
    return qs.order_by("not_after", "pk")


def verification_latest_for_sha256(*, sha256: str) -> Verification | None:
    return Verification.objects.filter(file_sha256=sha256, status="done").order_by("-verified_at", "-pk").first()
