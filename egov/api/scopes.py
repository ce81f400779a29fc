"""API scopes and the unit roles an API client's service user gets for them."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from units.choices import Role


class Scope(models.TextChoices):
    DOCUMENTS_READ = "documents:read", _("Read outgoing and incoming documents, dispatches, registers")
    DOCUMENTS_SEND = "documents:send", _("Draft, number, send, revoke/update/replace outgoing documents")
    INBOX_ACT = "inbox:act", _("Accept, reject, assign, report on and finish incoming documents")
    UNITS_READ = "units:read", _("Read the unit directory")
    SIGNATURES_VERIFY = "signatures:verify", _("Verify signatures and read certificates")
    WEBHOOKS_MANAGE = "webhooks:manage", _("Register webhooks and read their deliveries")


# The service user of a client holds these roles in the client's unit, so the services'
# own permission checks (require_role) apply to API calls exactly as to the UI. A role may
# allow more than a scope (a leader may assign); the scope check in front of every endpoint
# narrows it down again.
SCOPE_ROLES: dict[str, tuple[str, ...]] = {
    Scope.DOCUMENTS_READ: (Role.LEADER,),          # unit-wide read of the inbox
    Scope.DOCUMENTS_SEND: (Role.CLERK,),           # create, issue and send are clerk work
    Scope.INBOX_ACT: (Role.CLERK, Role.LEADER),    # accept/reject (clerk), assign (leader)
    Scope.UNITS_READ: (),
    Scope.SIGNATURES_VERIFY: (),
    Scope.WEBHOOKS_MANAGE: (),
}


def roles_for_scopes(scopes) -> set[str]:
    roles: set[str] = set()
    for s in scopes:
        roles.update(SCOPE_ROLES.get(s, ()))
    return roles
