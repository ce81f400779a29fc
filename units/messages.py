"""
The texts the units app writes into a unit's history (UnitChange.note) by itself, as codes
(egov.core.messages): stored with their parameters, rendered in the reader's language. A
person's own note is stored as written. A code, once used, keeps its meaning.
"""
from __future__ import annotations

from django.utils.translation import gettext_noop  # by its name: makemessages does not know an alias such as N_

from egov.core.messages import define

PARENT_MERGED = define("units.note.parent_merged", gettext_noop("Parent %(name)s merged"))
DIRECTORY_SYNC = define("units.note.directory_sync", gettext_noop("Directory of %(peer)s"))
DIRECTORY_SYNC_QD20 = define("units.note.directory_sync_qd20", gettext_noop("Directory of %(peer)s (QĐ 20)"))
HOSTED_BY_HUB = define("units.note.hosted_by_hub", gettext_noop("Hosted by hub system %(id)s"))
NOW_HOSTED_BY_HUB = define("units.note.now_hosted_by_hub", gettext_noop("Now hosted by hub system %(id)s"))
REMOVED_BY_HUB = define("units.note.removed_by_hub", gettext_noop("Removed by hub system %(id)s"))
REGISTERED_BY_HUB = define("units.note.registered_by_hub", gettext_noop("Registered by hub system %(id)s"))
NOT_IN_DIRECTORY = define("units.note.not_in_directory", gettext_noop("Not in the directory any more"))

# Old history notes that read as one of these (plain parameters) get their code (units 0006).
LEGACY_NOTES = [PARENT_MERGED.code, HOSTED_BY_HUB.code, NOW_HOSTED_BY_HUB.code, REMOVED_BY_HUB.code,
                REGISTERED_BY_HUB.code]
