"""API tokens: their format, hashing, and authenticating a request's token (the base of API clients)."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from django.utils import timezone

from .models import ApiClient

__all__ = ["TOKEN_PREFIX", "token_hash", "new_token", "api_client_authenticate"]

TOKEN_PREFIX = "egov"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """``egov_<prefix>_<secret>``: the prefix finds the row, the whole token is compared by hash."""
    prefix = secrets.token_hex(6)
    return prefix, f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


LAST_USED_GRANULARITY = 60  # seconds: last use is written at most once a minute per client


def api_client_authenticate(*, token: str, ip: str | None = None) -> ApiClient | None:
    """The active client owning ``token``, or None. Records the last use (at most once a minute)."""
    parts = (token or "").split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    client = (ApiClient.objects.select_related("service_user", "unit")
              .filter(token_prefix=parts[1]).first())
    if client is None or not hmac.compare_digest(client.token_hash, token_hash(token)):
        return None
    if not client.is_active or not client.service_user.is_active:
        return None
    now = timezone.now()
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > LAST_USED_GRANULARITY:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now, last_used_ip=ip)
        client.last_used_at, client.last_used_ip = now, ip
    return client
