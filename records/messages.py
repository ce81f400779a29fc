"""
The texts the records app writes into notifications, as codes (egov.core.messages): stored with
their parameters, rendered in the reader's language. The English source texts are the gettext
msgids (their Vietnamese is in locale/vi). A code, once used, keeps its meaning.
"""
from __future__ import annotations

from django.utils.translation import gettext_noop  # by its name: makemessages does not know an alias such as N_

from egov.core.messages import define, define_choices

from .choices import CopyForm

COPY_FORM = define_choices("records.CopyForm", CopyForm)

FILE_SUBMITTED = define("records.notify.file_submitted",
                        gettext_noop("File %(code)s awaits the archive's check: %(title)s"))
FILE_ACCEPTED = define("records.notify.file_accepted", gettext_noop("The archive accepted file %(code)s."))
FILE_RETURNED = define("records.notify.file_returned", gettext_noop("The archive returned file %(code)s: %(reason)s"))
ACCESS_REQUESTED = define("records.notify.access_requested", gettext_noop("Access to file %(code)s requested."))
ACCESS_GRANTED = define("records.notify.access_granted", gettext_noop("Access to file %(code)s granted."))
ACCESS_REFUSED = define("records.notify.access_refused", gettext_noop("Access to file %(code)s refused."))
TRANSFER_DUE = define("records.notify.transfer_due",
                      gettext_noop("File %(code)s is due for transfer to the archive by %(due)s."))
COPY_ORDERED = define("records.notify.copy_ordered", gettext_noop("A copy (%(form)s) awaits signing."))
DESTRUCTION_PROPOSED = define("records.notify.destruction_proposed",
                              gettext_noop("%(n)d files whose retention has ended await the council's decision."))

# --- the file's trail (FileEvent.detail): the portal's own wording ---------------------------
EVENT_TRANSFER = define("records.event.transfer", gettext_noop("Transfer to the agency archive"))
EVENT_ACCEPTED = define("records.event.accepted", gettext_noop("Accepted by the agency archive"))
EVENT_DISSEMINATION = define("records.event.dissemination", gettext_noop("Dissemination package"))
EVENT_HISTORICAL_PACKAGE = define("records.event.historical_package", gettext_noop("Package for the historical archive"))
EVENT_DOWNLOAD = define("records.event.download", gettext_noop("Download of the %(kind)s package %(id)s"))
EVENT_DESTRUCTION = define("records.event.destruction", gettext_noop("Destruction proposal %(id)d (%(ref)s)"))
EVENT_DOCUMENTS = define("records.event.documents", gettext_noop("Documents in the file: %(n)d"))

# Old notifications and trail details that read as one of these (plain parameters) get their
# code and parameters (records 0004): shown in the reader's language from then on.
LEGACY_NOTIFICATIONS = [FILE_SUBMITTED.code, FILE_ACCEPTED.code, FILE_RETURNED.code, ACCESS_REQUESTED.code,
                        ACCESS_GRANTED.code, ACCESS_REFUSED.code, TRANSFER_DUE.code, DESTRUCTION_PROPOSED.code]
LEGACY_EVENTS = [EVENT_TRANSFER.code, EVENT_ACCEPTED.code, EVENT_DISSEMINATION.code, EVENT_HISTORICAL_PACKAGE.code]
