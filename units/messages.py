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
NOT_IN_DIRECTORY = define("units.note.not_in_directory", gettext_noop("Not in the directory any more"))

# Old history notes that read as one of these (plain parameters) get their code (units 0006).
LEGACY_NOTES = [PARENT_MERGED.code]
