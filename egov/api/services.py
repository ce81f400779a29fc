"""
Services of the REST API: registering, rotating and revoking API clients (with the
memberships of their service users), and idempotency bookkeeping helpers.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.services.common import InvalidInput, audit_record
from units.models import Membership, Unit

from .models import ApiClient
from .scopes import Scope, roles_for_scopes

__all__ = [
    "TOKEN_PREFIX",
    "token_hash",
    "api_client_create",
    "api_client_update",
    "api_client_rotate",
    "api_client_revoke",
    "api_client_authenticate",
]

TOKEN_PREFIX = "egov"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    """``egov_<prefix>_<secret>``: the prefix finds the row, the whole token is compared by hash."""
    prefix = secrets.token_hex(6)
    return prefix, f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def _clean_scopes(scopes) -> list[str]:
    scopes = sorted(set(scopes or []))
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown:
        raise InvalidInput(_("Unknown scopes: %(scopes)s") % {"scopes": ", ".join(unknown)}, field="scopes")
    if not scopes:
        raise InvalidInput(_("Choose at least one scope."), field="scopes")
    return scopes


def _sync_memberships(client: ApiClient) -> None:
    """The service user holds exactly the roles its scopes need, in the client's unit only."""
    wanted = roles_for_scopes(client.scopes) if client.is_active else set()
    current = Membership.objects.filter(user=client.service_user)
    current.exclude(unit=client.unit, role__in=wanted).delete()
    have = set(current.filter(unit=client.unit).values_list("role", flat=True))
    Membership.objects.bulk_create([Membership(user=client.service_user, unit=client.unit, role=r,
                                               position=_("API client"))
                                    for r in sorted(wanted - have)])


@transaction.atomic
def api_client_create(*, name: str, unit: Unit, scopes, acting_user=None,
                      rate_limit_per_minute: int = 0) -> tuple[ApiClient, str]:
    """Register a client; returns it and its token, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the integration a name."), field="name")
    if ApiClient.objects.filter(unit=unit, name=name).exists():
        raise InvalidInput(_("This unit already has an API client named %(name)s.") % {"name": name}, field="name")
    scopes = _clean_scopes(scopes)
    prefix, token = _new_token()
    User = get_user_model()
    user = User(username=f"api-{prefix}", first_name=name[:150], is_active=True)
    user.set_unusable_password()
    user.save()
    client = ApiClient.objects.create(name=name, unit=unit, scopes=scopes, service_user=user, token_prefix=prefix,
                                      token_hash=token_hash(token), created_by=acting_user,
                                      rate_limit_per_minute=rate_limit_per_minute)
    _sync_memberships(client)
    audit_record(actor=acting_user, unit=unit, verb="api_client.created", obj=client,
                 details={"name": name, "scopes": scopes})
    return client, token


@transaction.atomic
def api_client_update(*, client: ApiClient, acting_user=None, scopes=None, name: str | None = None,
                      rate_limit_per_minute: int | None = None) -> ApiClient:
    client = ApiClient.objects.select_for_update(no_key=True).get(pk=client.pk)
    changed = {}
    if scopes is not None:
        scopes = _clean_scopes(scopes)
        if scopes != client.scopes:
            changed["scopes"] = scopes
            client.scopes = scopes
    if name is not None and name.strip() and name.strip() != client.name:
        client.name = changed["name"] = name.strip()
    if rate_limit_per_minute is not None and rate_limit_per_minute != client.rate_limit_per_minute:
        client.rate_limit_per_minute = changed["rate_limit_per_minute"] = rate_limit_per_minute
    client.save()
    _sync_memberships(client)
    if changed:
        audit_record(actor=acting_user, unit=client.unit, verb="api_client.updated", obj=client, details=changed)
    return client


@transaction.atomic
def api_client_rotate(*, client: ApiClient, acting_user=None) -> tuple[ApiClient, str]:
    """A new token replaces the old one at once; returns the new token (shown once)."""
    client = ApiClient.objects.select_for_update(no_key=True).get(pk=client.pk)
    prefix, token = _new_token()
    client.token_prefix, client.token_hash, client.rotated_at = prefix, token_hash(token), timezone.now()
    client.save(update_fields=["token_prefix", "token_hash", "rotated_at"])
    audit_record(actor=acting_user, unit=client.unit, verb="api_client.rotated", obj=client)
    return client, token


@transaction.atomic
def api_client_revoke(*, client: ApiClient, acting_user=None) -> ApiClient:
    """The token stops working and the service user loses its roles; the rows stay for the audit trail."""
    client = ApiClient.objects.select_for_update(no_key=True).get(pk=client.pk)
    if client.is_active:
        client.is_active, client.revoked_at = False, timezone.now()
        client.save(update_fields=["is_active", "revoked_at"])
        client.service_user.is_active = False
        client.service_user.save(update_fields=["is_active"])
        _sync_memberships(client)
        audit_record(actor=acting_user, unit=client.unit, verb="api_client.revoked", obj=client)
    return client


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
