"""
API clients of a unit: registering, changing, rotating and revoking them, with the memberships
of their service users. A client's service user holds exactly the roles its scopes need in the
client's unit, so the services' own permission checks apply to API calls as to the UI. (The
model, token hashing and authentication are API plumbing of the base layer, egov.core.api.)
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.api.models import ApiClient
from egov.core.api.scopes import Scope
from egov.core.api.services import new_token, token_hash
from egov.core.audit import audit_record
from egov.core.db import service
from egov.core.errors import InvalidInput

from .choices import AuditVerb, Role
from .models import Membership, Unit

__all__ = ["SCOPE_ROLES", "roles_for_scopes", "api_client_create", "api_client_update", "api_client_rotate",
           "api_client_revoke"]

# The service user of a client holds these roles in the client's unit. A role may allow more
# than a scope (a leader may assign); the scope check in front of every endpoint narrows it
# down again.
SCOPE_ROLES: dict[str, tuple[str, ...]] = {
    Scope.DOCUMENTS_READ: (Role.LEADER,),          # unit-wide read of the inbox
    Scope.DOCUMENTS_SEND: (Role.CLERK,),           # create, issue and send are clerk work
    Scope.INBOX_ACT: (Role.CLERK, Role.LEADER),    # accept/reject (clerk), assign (leader)
    Scope.DRAFTS_READ: (Role.SPECIALIST,),         # drafts of the unit are read by its members
    Scope.DRAFTS_ACT: (Role.SPECIALIST,),          # an integrated system drafts; approvals stay personal
    Scope.UNITS_READ: (),
    Scope.SIGNATURES_VERIFY: (),
    Scope.WEBHOOKS_MANAGE: (),
    Scope.EDXML_IMPORT: (),
    Scope.RECORDS_READ: (Role.ARCHIVIST,),                  # unit-wide read of files and packages
    Scope.RECORDS_ACT: (Role.SPECIALIST, Role.ARCHIVIST),   # keep files (person in charge), archive intake
}


def roles_for_scopes(scopes) -> set[str]:
    roles: set[str] = set()
    for s in scopes:
        roles.update(SCOPE_ROLES.get(s, ()))
    return roles


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


@service
def api_client_create(*, name: str, unit: Unit, scopes, acting_user=None,
                      rate_limit_per_minute: int = 0) -> tuple[ApiClient, str]:
    """Register a client; returns it and its token, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the integration a name."), field="name")
    if ApiClient.objects.filter(unit=unit, name=name).exists():
        raise InvalidInput(_("This unit already has an API client named %(name)s.") % {"name": name}, field="name")
    scopes = _clean_scopes(scopes)
    prefix, token = new_token()
    User = get_user_model()
    user = User(username=f"api-{prefix}", first_name=name[:150], is_active=True)
    user.set_unusable_password()
    user.save()
    client = ApiClient.objects.create(name=name, unit=unit, scopes=scopes, service_user=user, token_prefix=prefix,
                                      token_hash=token_hash(token), created_by=acting_user,
                                      rate_limit_per_minute=rate_limit_per_minute)
    _sync_memberships(client)
    audit_record(actor=acting_user, unit=unit, verb=AuditVerb.API_CLIENT_CREATED, obj=client,
                 details={"name": name, "scopes": scopes})
    return client, token


@service
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
        audit_record(actor=acting_user, unit=client.unit, verb=AuditVerb.API_CLIENT_UPDATED, obj=client, details=changed)
    return client


@service
def api_client_rotate(*, client: ApiClient, acting_user=None) -> tuple[ApiClient, str]:
    """A new token replaces the old one at once; returns the new token (shown once)."""
    client = ApiClient.objects.select_for_update(no_key=True).get(pk=client.pk)
    prefix, token = new_token()
    client.token_prefix, client.token_hash, client.rotated_at = prefix, token_hash(token), timezone.now()
    client.save(update_fields=["token_prefix", "token_hash", "rotated_at"])
    audit_record(actor=acting_user, unit=client.unit, verb=AuditVerb.API_CLIENT_ROTATED, obj=client)
    return client, token


@service
def api_client_revoke(*, client: ApiClient, acting_user=None) -> ApiClient:
    """The token stops working and the service user loses its roles; the rows stay for the audit trail."""
    client = ApiClient.objects.select_for_update(no_key=True).get(pk=client.pk)
    if client.is_active:
        client.is_active, client.revoked_at = False, timezone.now()
        client.save(update_fields=["is_active", "revoked_at"])
        client.service_user.is_active = False
        client.service_user.save(update_fields=["is_active"])
        _sync_memberships(client)
        audit_record(actor=acting_user, unit=client.unit, verb=AuditVerb.API_CLIENT_REVOKED, obj=client)
    return client
