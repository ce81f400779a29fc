"""
The texts the documents app writes into notifications and timeline notes, as codes
(egov.core.messages): stored with their parameters, rendered in the reader's language. The
English source texts are the gettext msgids (their Vietnamese is in locale/vi). A code, once
used, keeps its meaning; a new wording of the same thing keeps the code.
"""
from __future__ import annotations

from django.utils.translation import gettext_noop  # by its name: makemessages does not know an alias such as N_

from egov.core.messages import define, define_choices

from .choices import ChaseKind, CommentVerdict, DeliveryState, RequestKind, StatusCode

STATUS = define_choices("documents.StatusCode", StatusCode)
DELIVERY_STATE = define_choices("documents.DeliveryState", DeliveryState)
REQUEST_KIND = define_choices("documents.RequestKind", RequestKind)
CHASE_KIND = define_choices("documents.ChaseKind", ChaseKind)

# --- timeline notes (DispatchEvent.note_code) ---------------------------------------------------
NOTE_INCOMING_NUMBER = define("documents.note.incoming_number", gettext_noop("Incoming number %(n)d"))
NOTE_LEAD_DIVISION = define("documents.note.lead_division", gettext_noop("Lead division: %(name)s"))
NOTE_MAIN_HANDLER = define("documents.note.main_handler", gettext_noop("Main handler: %(name)s"))
NOTE_REPLY = define("documents.note.reply", gettext_noop("Reply: %(n)s"))
NOTE_REQUEST = define("documents.note.request", gettext_noop("%(kind)s: %(reason)s"))
NOTE_ADDRESSEE_GONE = define("documents.note.addressee_gone",
                             gettext_noop("Addressed to %(name)s, which no longer exists"))
NOTE_RETRIED = define("documents.note.retried", gettext_noop("Retried"))
NOTE_REQUEUED = define("documents.note.requeued", gettext_noop("Queued again by the sweeper (was %(state)s)"))
NOTE_REVOKED = define("documents.note.revoked", gettext_noop("Revoked by %(number)s"))
NOTE_REPLACED = define("documents.note.replaced", gettext_noop("Replaced by %(number)s"))
NOTE_STATUS_RECEIVED = define("documents.note.status_received", gettext_noop("Status %(code)s received"))
NOTE_RECEIVED_FROM = define("documents.note.received_from", gettext_noop("Received from %(peer)s"))
NOTE_RECEIVED_TOLERATED = define("documents.note.received_tolerated",
                                 gettext_noop("Received from %(peer)s. Tolerated on import: %(warnings)s"))
NOTE_ANSWERED_BY = define("documents.note.answered_by", gettext_noop("Answered by %(n)s"))
NOTE_MANUAL_IMPORT = define("documents.note.manual_import", gettext_noop("manual import"))

# --- notifications (Notification.message_code) --------------------------------------------------
VERDICT = define_choices("documents.CommentVerdict", CommentVerdict)
DRAFT_CHANGED_AFTER_APPROVAL = define("documents.notify.draft_changed_after_approval",
                                      gettext_noop("A draft you approved was changed and awaits "
                                                   "your approval again: %(s)s"))
DRAFT_TO_REVIEW = define("documents.notify.draft_to_review", gettext_noop("A draft awaits your review: %(s)s"))
DRAFT_TO_SIGN = define("documents.notify.draft_to_sign", gettext_noop("A draft awaits your signature: %(s)s"))
DRAFT_RETURNED = define("documents.notify.draft_returned", gettext_noop("Your draft was returned: %(s)s — %(note)s"))
DRAFT_TO_ISSUE = define("documents.notify.draft_to_issue",
                        gettext_noop("A signed draft awaits its number and issue: %(s)s"))
COMMENTS_REQUESTED = define("documents.notify.comments_requested",
                            gettext_noop("Your comments on a draft are requested by %(date)s: %(s)s"))
COMMENTS_TO_SEND = define("documents.notify.comments_to_send",
                          gettext_noop("A comment request awaits sending to other units: %(s)s"))
COMMENTS_EXTENDED = define("documents.notify.comments_extended",
                           gettext_noop("The deadline for your comments was extended to %(date)s: %(s)s"))
COMMENT_ANSWERED = define("documents.notify.comment_answered", gettext_noop("%(who)s: %(verdict)s — %(s)s"))
COMMENTS_DUE = define("documents.notify.comments_due", gettext_noop("Comments due by %(date)s: %(s)s"))
CERTIFICATE_EXPIRING = define("documents.notify.certificate_expiring",
                              gettext_noop("Certificate %(subject)s expires on %(date)s"))
CRL_STALE = define("documents.notify.crl_stale",
                   gettext_noop("The revocation list %(crl)s was due on %(date)s and has not been refreshed"))
DISPATCH_WAITING = define("documents.notify.dispatch_waiting",
                          gettext_noop("A delivery has been waiting for %(minutes)d "
                                       "minutes: check the workers and the broker"))
AXIS_POLL_STALE = define("documents.notify.axis_poll_stale",
                         gettext_noop("The axis connection %(peer)s has not been polled successfully for "
                                      "%(minutes)d minutes: check the connection and its credentials"))
ARRIVED = define("documents.notify.arrived", gettext_noop("New incoming document %(number)s: %(subject)s"))
AWAITS_ASSIGNMENT = define("documents.notify.awaits_assignment",
                           gettext_noop("Incoming document no. %(n)d awaits assignment: %(subject)s"))
ASSIGNED = define("documents.notify.assigned", gettext_noop("You have been assigned: %(subject)s"))
DIVISION_ASSIGNED = define("documents.notify.division_assigned", gettext_noop("Assigned to your division: %(subject)s"))
REQUEST = define("documents.notify.request", gettext_noop("%(sender)s asks: %(kind)s — %(subject)s"))
TAKE_BACK_ASKED = define("documents.notify.take_back_asked", gettext_noop("%(sender)s asks to take back: %(subject)s"))
OPINION = define("documents.notify.opinion", gettext_noop("%(name)s gave an opinion: %(subject)s"))
STATUS_CHANGED = define("documents.notify.status", gettext_noop("%(unit)s: %(status)s — %(subject)s"))
DISPATCH_FAILED = define("documents.notify.dispatch_failed",
                         gettext_noop("Delivery of a document failed; a clerk can retry it."))
FOLLOWUP = define("documents.notify.followup", gettext_noop("%(reason)s: %(subject)s"))
OVERDUE = define("documents.notify.overdue", gettext_noop("Overdue since %(date)s: %(subject)s"))
DUE_SOON = define("documents.notify.due_soon", gettext_noop("Due on %(date)s: %(subject)s"))
CHASED = define("documents.notify.chased", gettext_noop("%(kind)s no. %(n)d from %(who)s: %(subject)s"))
CHASE_ACKNOWLEDGED = define("documents.notify.chase_acknowledged",
                            gettext_noop("%(who)s acknowledged chase no. %(n)d: %(subject)s"))
EXTENSION_REQUESTED = define("documents.notify.extension_requested",
                             gettext_noop("%(who)s asks for more time (until %(date)s): %(subject)s"))
EXTENSION_GRANTED = define("documents.notify.extension_granted",
                           gettext_noop("Extension granted until %(date)s: %(subject)s"))
EXTENSION_REFUSED = define("documents.notify.extension_refused",
                           gettext_noop("Extension refused (%(note)s): %(subject)s"))
EXTENSION_ASSIGNEE_REMOVED = define("documents.extension.assignee_removed", gettext_noop("Assignee removed"))
ASSIGNEE_REMOVED = define("documents.notify.assignee_removed",
                          gettext_noop("You were removed from: %(subject)s (%(reason)s)"))

# --- federation (axis, hub, portal-to-portal): timeline notes and notifications -----------------
NOTE_ATTEMPT = define("documents.federation.note.attempt", gettext_noop("Attempt %(n)d to %(peer)s"))
NOTE_STORED_AS = define("documents.federation.note.stored_as", gettext_noop("Stored by %(peer)s as DocId %(id)s"))
NOTE_FETCHED_BY = define("documents.federation.note.fetched_by", gettext_noop("Fetched by %(system)s"))
NOTE_PULLED_BY = define("documents.federation.note.pulled_by", gettext_noop("Fetched by %(peer)s"))
NOTE_TAKEN_BY = define("documents.federation.note.taken_by", gettext_noop("Taken by %(system)s"))
NOTE_REFUSED_BY = define("documents.federation.note.refused_by", gettext_noop("Refused by %(system)s"))
RECIPIENT_REFUSED = define("documents.federation.recipient_refused",
                           gettext_noop("%(peer)s reports the recipient's system refused it: %(desc)s"))
HUB_RELAYED = define("documents.federation.hub_relayed", gettext_noop("Relayed to %(peer)s as DocId %(id)s"))
PEER_REFUSED = define("documents.federation.notify.peer_refused",
                      gettext_noop("%(peer)s refused a document: %(message)s"))

# Messages whose parameters are all plain (text written by people, numbers, dates): the data
# migration 0011_h15 recognises old sentences of these, in Vietnamese or English, and stores their
# code and parameters. The others (with a status or a kind inside) keep their stored text.
LEGACY_NOTES = [NOTE_INCOMING_NUMBER.code, NOTE_MAIN_HANDLER.code, NOTE_LEAD_DIVISION.code, NOTE_REPLY.code,
                NOTE_RETRIED.code, NOTE_REVOKED.code, NOTE_REPLACED.code, NOTE_STATUS_RECEIVED.code,
                NOTE_ADDRESSEE_GONE.code]
LEGACY_NOTIFICATIONS = [ARRIVED.code, AWAITS_ASSIGNMENT.code, ASSIGNED.code, DIVISION_ASSIGNED.code,
                        TAKE_BACK_ASKED.code, OPINION.code, DISPATCH_FAILED.code, OVERDUE.code, DUE_SOON.code,
                        CHASE_ACKNOWLEDGED.code, EXTENSION_REQUESTED.code, EXTENSION_GRANTED.code,
                        EXTENSION_REFUSED.code, ASSIGNEE_REMOVED.code, DRAFT_CHANGED_AFTER_APPROVAL.code,
                        DRAFT_TO_REVIEW.code, DRAFT_TO_SIGN.code, DRAFT_RETURNED.code, DRAFT_TO_ISSUE.code,
                        COMMENTS_REQUESTED.code, COMMENTS_TO_SEND.code, COMMENTS_EXTENDED.code, COMMENTS_DUE.code,
                        CERTIFICATE_EXPIRING.code, CRL_STALE.code, DISPATCH_WAITING.code]
