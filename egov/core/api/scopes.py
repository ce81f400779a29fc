"""API scopes: what an API client may do (the roles they imply are in units.api_clients)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    DOCUMENTS_READ = "documents:read", _("Read outgoing and incoming documents, dispatches, registers")
    DOCUMENTS_SEND = "documents:send", _("Draft, number, send, revoke/update/replace outgoing documents")
    INBOX_ACT = "inbox:act", _("Accept, reject, assign, report on and finish incoming documents")
    DRAFTS_READ = "drafts:read", _("Read drafts, their versions, comments and trail")
    DRAFTS_ACT = "drafts:act", _("Draft, comment, approve, sign and issue drafts (as the person acting)")
    UNITS_READ = "units:read", _("Read the unit directory")
    SIGNATURES_VERIFY = "signatures:verify", _("Verify signatures and read certificates")
    WEBHOOKS_MANAGE = "webhooks:manage", _("Register webhooks and read their deliveries")
    RECORDS_READ = "records:read", _("Read file plans, case files, their contents and packages")
    RECORDS_ACT = "records:act", _("Open, fill, close and transfer case files; the archive's intake")
    EDXML_IMPORT = "edxml:import", _("Import edXML packages by hand on behalf of a peer (province office only)")
