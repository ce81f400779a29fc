"""
The texts the documents app writes into notifications and timeline notes, as codes
(egov.core.messages): stored with their parameters, rendered in the reader's language. The
English source texts are the gettext msgids (their Vietnamese is in locale/vi). A code, once
used, keeps its meaning; a new wording of the same thing keeps the code.
"""
from __future__ import annotations

from django.utils.translation import gettext_noop as N_

from egov.core.messages import define, define_choices

from .choices import ChaseKind, CommentVerdict, DeliveryState, RequestKind, StatusCode

STATUS = define_choices("documents.StatusCode", StatusCode)
DELIVERY_STATE = define_choices("documents.DeliveryState", DeliveryState)
REQUEST_KIND = define_choices("documents.RequestKind", RequestKind)
CHASE_KIND = define_choices("documents.ChaseKind", ChaseKind)

# --- timeline notes (DispatchEvent.note_code) ---------------------------------------------------
NOTE_INCOMING_NUMBER = define("documents.note.incoming_number", N_("Incoming number %(n)d"))
NOTE_LEAD_DIVISION = define("documents.note.lead_division", N_("Lead division: %(name)s"))
NOTE_MAIN_HANDLER = define("documents.note.main_handler", N_("Main handler: %(name)s"))
NOTE_REPLY = define("documents.note.reply", N_("Reply: %(n)s"))
NOTE_REQUEST = define("documents.note.request", N_("%(kind)s: %(reason)s"))
NOTE_ADDRESSEE_GONE = define("documents.note.addressee_gone", N_("Addressed to %(name)s, which no longer exists"))
NOTE_RETRIED = define("documents.note.retried", N_("Retried"))
NOTE_REQUEUED = define("documents.note.requeued", N_("Queued again by the sweeper (was %(state)s)"))
NOTE_REVOKED = define("documents.note.revoked", N_("Revoked by %(number)s"))
NOTE_REPLACED = define("documents.note.replaced", N_("Replaced by %(number)s"))
NOTE_STATUS_RECEIVED = define("documents.note.status_received", N_("Status %(code)s received"))
NOTE_RECEIVED_FROM = define("documents.note.received_from", N_("Received from %(peer)s"))
NOTE_RECEIVED_TOLERATED = define("documents.note.received_tolerated",
                                 N_("Received from %(peer)s. Tolerated on import: %(warnings)s"))
NOTE_MANUAL_IMPORT = define("documents.note.manual_import", N_("manual import"))

# --- notifications (Notification.message_code) --------------------------------------------------
VERDICT = define_choices("documents.CommentVerdict", CommentVerdict)
DRAFT_CHANGED_AFTER_APPROVAL = define("documents.notify.draft_changed_after_approval",
                                      N_("A draft you approved was changed and awaits your approval again: %(s)s"))
DRAFT_TO_REVIEW = define("documents.notify.draft_to_review", N_("A draft awaits your review: %(s)s"))
DRAFT_TO_SIGN = define("documents.notify.draft_to_sign", N_("A draft awaits your signature: %(s)s"))
DRAFT_RETURNED = define("documents.notify.draft_returned", N_("Your draft was returned: %(s)s — %(note)s"))
DRAFT_TO_ISSUE = define("documents.notify.draft_to_issue", N_("A signed draft awaits its number and issue: %(s)s"))
COMMENTS_REQUESTED = define("documents.notify.comments_requested",
                            N_("Your comments on a draft are requested by %(date)s: %(s)s"))
COMMENTS_TO_SEND = define("documents.notify.comments_to_send",
                          N_("A comment request awaits sending to other units: %(s)s"))
COMMENTS_EXTENDED = define("documents.notify.comments_extended",
                           N_("The deadline for your comments was extended to %(date)s: %(s)s"))
COMMENT_ANSWERED = define("documents.notify.comment_answered", N_("%(who)s: %(verdict)s — %(s)s"))
COMMENTS_DUE = define("documents.notify.comments_due", N_("Comments due by %(date)s: %(s)s"))
CERTIFICATE_EXPIRING = define("documents.notify.certificate_expiring",
                              N_("Certificate %(subject)s expires on %(date)s"))
CRL_STALE = define("documents.notify.crl_stale",
                   N_("The revocation list %(crl)s was due on %(date)s and has not been refreshed"))
DISPATCH_WAITING = define("documents.notify.dispatch_waiting",
                          N_("A delivery has been waiting for %(minutes)d minutes: check the workers and the broker"))
ARRIVED = define("documents.notify.arrived", N_("New incoming document %(number)s: %(subject)s"))
AWAITS_ASSIGNMENT = define("documents.notify.awaits_assignment",
                           N_("Incoming document no. %(n)d awaits assignment: %(subject)s"))
ASSIGNED = define("documents.notify.assigned", N_("You have been assigned: %(subject)s"))
DIVISION_ASSIGNED = define("documents.notify.division_assigned", N_("Assigned to your division: %(subject)s"))
REQUEST = define("documents.notify.request", N_("%(sender)s asks: %(kind)s — %(subject)s"))
TAKE_BACK_ASKED = define("documents.notify.take_back_asked", N_("%(sender)s asks to take back: %(subject)s"))
OPINION = define("documents.notify.opinion", N_("%(name)s gave an opinion: %(subject)s"))
STATUS_CHANGED = define("documents.notify.status", N_("%(unit)s: %(status)s — %(subject)s"))
DISPATCH_FAILED = define("documents.notify.dispatch_failed", N_("Delivery of a document failed; a clerk can retry it."))
FOLLOWUP = define("documents.notify.followup", N_("%(reason)s: %(subject)s"))
OVERDUE = define("documents.notify.overdue", N_("Overdue since %(date)s: %(subject)s"))
DUE_SOON = define("documents.notify.due_soon", N_("Due on %(date)s: %(subject)s"))
CHASED = define("documents.notify.chased", N_("%(kind)s no. %(n)d from %(who)s: %(subject)s"))
CHASE_ACKNOWLEDGED = define("documents.notify.chase_acknowledged",
                            N_("%(who)s acknowledged chase no. %(n)d: %(subject)s"))
EXTENSION_REQUESTED = define("documents.notify.extension_requested",
                             N_("%(who)s asks for more time (until %(date)s): %(subject)s"))
EXTENSION_GRANTED = define("documents.notify.extension_granted", N_("Extension granted until %(date)s: %(subject)s"))
EXTENSION_REFUSED = define("documents.notify.extension_refused", N_("Extension refused (%(note)s): %(subject)s"))
ASSIGNEE_REMOVED = define("documents.notify.assignee_removed", N_("You were removed from: %(subject)s (%(reason)s)"))

# --- federation (axis, hub, portal-to-portal): timeline notes and notifications -----------------
NOTE_ATTEMPT = define("documents.federation.note.attempt", N_("Attempt %(n)d to %(peer)s"))
NOTE_STORED_AS = define("documents.federation.note.stored_as", N_("Stored by %(peer)s as DocId %(id)s"))
NOTE_FETCHED_BY = define("documents.federation.note.fetched_by", N_("Fetched by %(system)s"))
NOTE_PULLED_BY = define("documents.federation.note.pulled_by", N_("Fetched by %(peer)s"))
NOTE_TAKEN_BY = define("documents.federation.note.taken_by", N_("Taken by %(system)s"))
NOTE_REFUSED_BY = define("documents.federation.note.refused_by", N_("Refused by %(system)s"))
RECIPIENT_REFUSED = define("documents.federation.recipient_refused",
                           N_("%(peer)s reports the recipient's system refused it: %(desc)s"))
PEER_REFUSED = define("documents.federation.notify.peer_refused", N_("%(peer)s refused a document: %(message)s"))

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
