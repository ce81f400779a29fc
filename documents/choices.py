"""Choices of the documents app: NĐ 30/2020 document types, urgency, secrecy, edXML statuses."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DocumentType(models.TextChoices):
    """NĐ 30/2020 Phụ lục III. The value is the abbreviation used in notations (công văn has none)."""

    CONG_VAN = "CV", _("Official letter")
    NGHI_QUYET = "NQ", _("Resolution")
    QUYET_DINH = "QĐ", _("Decision")
    CHI_THI = "CT", _("Directive")
    QUY_CHE = "QC", _("Regulation")
    QUY_DINH = "QyĐ", _("Rules")
    THONG_CAO = "TC", _("Communiqué")
    THONG_BAO = "TB", _("Notice")
    HUONG_DAN = "HD", _("Guidance")
    CHUONG_TRINH = "CTr", _("Programme")
    KE_HOACH = "KH", _("Plan")
    PHUONG_AN = "PA", _("Scheme")
    DE_AN = "ĐA", _("Project proposal")
    DU_AN = "DA", _("Project")
    BAO_CAO = "BC", _("Report")
    BIEN_BAN = "BB", _("Minutes")
    TO_TRINH = "TTr", _("Submission")
    HOP_DONG = "HĐ", _("Contract")
    CONG_DIEN = "CĐ", _("Official telegram")
    BAN_GHI_NHO = "BGN", _("Memorandum")
    BAN_THOA_THUAN = "BTT", _("Agreement")
    GIAY_UY_QUYEN = "GUQ", _("Power of attorney")
    GIAY_MOI = "GM", _("Invitation")
    GIAY_GIOI_THIEU = "GGT", _("Letter of introduction")
    GIAY_NGHI_PHEP = "GNP", _("Leave permit")
    PHIEU_GUI = "PG", _("Dispatch slip")
    PHIEU_CHUYEN = "PC", _("Transfer slip")
    PHIEU_BAO = "PB", _("Notification slip")
    THU_CONG = "THU", _("Public letter")
    SAO_Y = "SY", _("Certified copy")
    TRICH_SAO = "TrS", _("Extract copy")
    SAO_LUC = "SL", _("Transcribed copy")


# Vietnamese type names as they appear in registers and edXML TypeName.
DOCUMENT_TYPE_NAMES_VI = {
    "CV": "Công văn", "NQ": "Nghị quyết", "QĐ": "Quyết định", "CT": "Chỉ thị", "QC": "Quy chế", "QyĐ": "Quy định",
    "TC": "Thông cáo", "TB": "Thông báo", "HD": "Hướng dẫn", "CTr": "Chương trình", "KH": "Kế hoạch",
    "PA": "Phương án", "ĐA": "Đề án", "DA": "Dự án", "BC": "Báo cáo", "BB": "Biên bản", "TTr": "Tờ trình",
    "HĐ": "Hợp đồng", "CĐ": "Công điện", "BGN": "Bản ghi nhớ", "BTT": "Bản thỏa thuận", "GUQ": "Giấy ủy quyền",
    "GM": "Giấy mời", "GGT": "Giấy giới thiệu", "GNP": "Giấy nghỉ phép", "PG": "Phiếu gửi", "PC": "Phiếu chuyển",
    "PB": "Phiếu báo", "THU": "Thư công", "SY": "Bản sao y", "TrS": "Bản trích sao", "SL": "Bản sao lục",
}
# Types whose notation carries no type abbreviation (NĐ 30: công văn, thư công).
TYPES_WITHOUT_ABBREVIATION = {"CV", "THU"}


class Urgency(models.IntegerChoices):
    """edXML OtherInfo/Priority values."""

    NORMAL = 0, _("Normal")
    URGENT = 1, _("Urgent")
    VERY_URGENT = 2, _("Very urgent")
    FLASH = 3, _("Flash")
    FLASH_TIMED = 4, _("Flash, timed")


class Secrecy(models.IntegerChoices):
    NONE = 0, _("Not secret")
    CONFIDENTIAL = 1, _("Confidential (Mật)")
    SECRET = 2, _("Secret (Tối mật)")
    TOP_SECRET = 3, _("Top secret (Tuyệt mật)")


class BusinessType(models.IntegerChoices):
    """edXML Bussiness/BussinessDocType."""

    NEW = 0, _("New")
    REVOCATION = 1, _("Revocation")
    UPDATE = 2, _("Update")
    REPLACEMENT = 3, _("Replacement")


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    REVOKED = "revoked", _("Revoked")


class AttachmentKind(models.TextChoices):
    MAIN = "main", _("Main file")
    APPENDIX = "appendix", _("Appendix")


class RegisterDirection(models.TextChoices):
    OUTGOING = "outgoing", pgettext_lazy("register", "Outgoing")
    INCOMING = "incoming", pgettext_lazy("register", "Incoming")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class StatusCode(models.TextChoices):
    """edXML business status codes (QCVN 102:2016), reported by the recipient to the sender."""

    ARRIVED = "01", _("Arrived")
    REJECTED = "02", _("Rejected")
    ACCEPTED = "03", _("Accepted")
    ASSIGNED = "04", _("Assigned")
    IN_PROGRESS = "05", _("In progress")
    DONE = "06", _("Done")
    TAKE_BACK_REQUESTED = "13", _("Take-back requested")
    REQUEST_AGREED = "15", _("Request agreed")
    REQUEST_REFUSED = "16", _("Request refused")


class IncomingStatus(models.TextChoices):
    ARRIVED = "arrived", _("Arrived")
    REJECTED = "rejected", _("Rejected")
    ACCEPTED = "accepted", _("Accepted")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class RequestKind(models.TextChoices):
    TAKE_BACK = "take_back", _("Take back")
    UPDATE = "update", _("Update")


class HandlerRole(models.TextChoices):
    MAIN = "main", _("Main handler")
    CO = "co", _("Co-handler")
    INFO = "info", _("For information")


# The actor name the state machine stores for its own steps (in the language of the process
# that wrote it); shown in the reader's language.
SYSTEM_ACTOR_NAMES = frozenset({"System", "Hệ thống"})


def actor_label(actor_id, actor_name: str) -> str:
    """Who did a step, for display: "System" is translated for the reader, people's names are not."""
    from django.utils.translation import gettext

    if not actor_id and actor_name in SYSTEM_ACTOR_NAMES:
        return gettext("System")
    return actor_name


class NoteKind(models.TextChoices):
    """What a handler writes on an incoming document."""

    PROGRESS = "progress", _("Handling note")
    OPINION = "opinion", _("Co-handler's opinion")


class DraftState(models.TextChoices):
    """Where a draft stands on its road to issue (NĐ 30 Điều 10–13)."""

    DRAFTING = "drafting", _("Being drafted")
    CONTENT_REVIEW = "content_review", _("Content review (division head)")
    FORM_REVIEW = "form_review", _("Form check (office)")
    SIGNER_REVIEW = "signer_review", _("Awaiting the signer's approval")
    APPROVED = "approved", _("Approved, awaiting signature")
    SIGNED = "signed", _("Signed, awaiting issue")
    ISSUED = "issued", _("Issued")


class DraftEventKind(models.TextChoices):
    """One entry of a draft's trail (kept with the document: NĐ 30 Phụ lục VI III.5.a)."""

    CREATED = "created", _("Draft created")
    VERSION = "version", _("New version")
    UPDATED = "updated", _("Fields changed")
    COMMENTS_REQUESTED = "comments_requested", _("Comments requested")
    COMMENTS_SENT = "comments_sent", _("Comment request sent to other units")
    COMMENT = "comment", _("Comment received")
    COMMENTS_EXTENDED = "comments_extended", _("Comment deadline extended")
    SUBMITTED = "submitted", _("Submitted for approval")
    CONTENT_APPROVED = "content_approved", _("Content approved")
    FORM_APPROVED = "form_approved", _("Form approved")
    SIGNER_APPROVED = "signer_approved", _("Approved by the signer")
    RETURNED = "returned", _("Returned with a note")
    BACK_TO_SIGNER = "back_to_signer", _("Changed after approval: back to the signer")
    SIGNED = "signed", _("Signed by the competent person")
    ISSUED = "issued", _("Numbered, sealed and issued")
    REPLY_CLOSED = "reply_closed", _("Incoming document answered")


class CommentVerdict(models.TextChoices):
    AGREE = "agree", _("Agree")
    DISAGREE = "disagree", _("Disagree")
    OTHER = "other", _("Other opinion")


class ChaseKind(models.TextChoices):
    """Đôn đốc: how firmly a handler is chased."""

    REMINDER = "reminder", _("Reminder (nhắc nhở)")
    CRITICISM = "criticism", _("Criticism (phê bình)")
    REVIEW = "review", _("Self-review required (kiểm điểm)")


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class TextStatus(models.TextChoices):
    """What text extraction found in a file."""

    EXTRACTED = "extracted", _("Text extracted")
    SCANNED = "scanned", _("Scanned PDF without a text layer")
    UNSUPPORTED = "unsupported", _("Format without extractable text")
    FAILED = "failed", _("Extraction failed")


class EventKind(models.TextChoices):
    TRANSPORT = "transport", _("Delivery")
    BUSINESS = "business", _("Status")
    NOTE = "note", _("Note")


class AuditVerb(models.TextChoices):
    """What the documents services write in the audit trail."""

    DOCUMENT_CREATED = "document.created", _("Document drafted")
    DOCUMENT_UPDATED = "document.updated", _("Draft changed")
    DOCUMENT_ISSUED = "document.issued", _("Document numbered and issued")
    DOCUMENT_ISSUE_DATE_SET = "document.issue_date_set", _("Document issued with a date other than today")
    DOCUMENT_SENT = "document.sent", _("Document sent")
    DOCUMENT_IMPORTED = "edxml.document_imported", _("Document received as a package")
    ATTACHMENT_ADDED = "attachment.added", _("File added")
    ATTACHMENT_REMOVED = "attachment.removed", _("File removed")
    CONTENT_DESTROYED = "document.content_destroyed", _("Content destroyed after its retention ended")
    DISPATCH_SENDING = "dispatch.sending", _("Delivery attempt started")
    DISPATCH_DELIVERED = "document.delivered", _("Delivered")
    DISPATCH_RETRYING = "dispatch.retrying", _("Delivery attempt failed; will retry")
    DISPATCH_FAILED = "dispatch.failed", _("Delivery failed")
    DISPATCH_REQUEUED = "dispatch.requeued", _("Delivery requeued by the sweeper")
    HELD_FILE_REMOVED = "compose.held_file_removed", _("Held compose file removed by the sweeper")
    DISPATCH_RETRIED = "dispatch.retried", _("Failed delivery retried by a clerk")
    DISPATCH_STATUS = "dispatch.status", _("Status reported by the recipient")
    DISPATCH_REQUEST = "dispatch.request", _("Take-back or update requested")
    INCOMING_ACCEPTED = "incoming.accepted", _("Incoming document registered")
    INCOMING_REJECTED = "incoming.rejected", _("Incoming document rejected")
    INCOMING_ASSIGNED = "incoming.assigned", _("Incoming document assigned")
    INCOMING_PROGRESS = "incoming.progress", _("Progress reported")
    INCOMING_FINISHED = "incoming.finished", _("Handling finished")
    INCOMING_REQUEST_ANSWERED = "incoming.request_answered", _("Sender's request answered")
    INCOMING_CANCELLED = "incoming.cancelled", _("Incoming document cancelled")
    INCOMING_OPINION = "incoming.opinion", _("Co-handler's opinion recorded")
    INCOMING_READ = "incoming.read", _("Incoming document opened for the first time")
    WEBHOOK_EVENT = "webhook.event", _("Event queued for webhooks")
    INCOMING_DIVISIONS_ASSIGNED = "incoming.divisions_assigned", _("Incoming document assigned to divisions")
    INCOMING_DIVISION_HANDED_ON = "incoming.division_handed_on", _("Division head assigned the handlers")
    DRAFT_CREATED = "draft.created", _("Draft created")
    DRAFT_VERSION_ADDED = "draft.version_added", _("Draft version added")
    DRAFT_UPDATED = "draft.updated", _("Draft fields changed")
    DRAFT_SUBMITTED = "draft.submitted", _("Draft submitted")
    DRAFT_APPROVED = "draft.approved", _("Draft approved")
    DRAFT_RETURNED = "draft.returned", _("Draft returned")
    DRAFT_BACK_TO_SIGNER = "draft.back_to_signer", _("Draft changed after approval")
    DRAFT_SIGNED = "draft.signed", _("Draft signed")
    DRAFT_ISSUED = "draft.issued", _("Draft issued")
    COMMENTS_REQUESTED = "comments.requested", _("Comments requested")
    COMMENTS_SENT = "comments.sent", _("Comment request sent to units")
    COMMENT_ANSWERED = "comments.answered", _("Comment given")
    COMMENTS_EXTENDED = "comments.extended", _("Comment deadline extended")
    COMMENTS_REMINDED = "comments.reminded", _("Comment reminders sent")
    CHASE_SENT = "incoming.chased", _("Handler chased")
    CHASE_ACKNOWLEDGED = "incoming.chase_acknowledged", _("Chase acknowledged")
    EXTENSION_REQUESTED = "incoming.extension_requested", _("Deadline extension requested")
    EXTENSION_GRANTED = "incoming.extension_granted", _("Deadline extension granted")
    EXTENSION_REFUSED = "incoming.extension_refused", _("Deadline extension refused")
    ASSIGNEE_REMOVED = "incoming.assignee_removed", _("Assignee removed")
    REMINDER_POLICY_SET = "unit.reminder_policy_set", _("Reminder policy changed")
    SEARCH_SAVED = "search.saved", _("Search saved")
    SEARCH_DELETED = "search.deleted", _("Saved search deleted")


class NotificationKind(models.TextChoices):
    """What the documents services tell users about."""

    INCOMING_ARRIVED = "incoming.arrived", _("New incoming document")
    INCOMING_ACCEPTED = "incoming.accepted", _("Incoming document awaits assignment")
    INCOMING_ASSIGNED = "incoming.assigned", _("Assigned to you")
    INCOMING_OVERDUE = "incoming.overdue", _("Overdue")
    INCOMING_REQUEST = "incoming.request", _("The sender asks for the document back or an update")
    INCOMING_CANCELLED = "incoming.cancelled", _("Incoming document cancelled")
    DISPATCH_FAILED = "dispatch.failed", _("Delivery failed")
    FOLLOWUP_APPLIED = "document.followup_applied", _("Revocation or replacement applied")
    INCOMING_DIVISION = "incoming.division", _("Assigned to your division")
    INCOMING_OPINION = "incoming.opinion", _("A co-handler gave an opinion")
    DRAFT_TO_REVIEW = "draft.to_review", _("A draft awaits your review")
    DRAFT_RETURNED = "draft.returned", _("Your draft was returned")
    DRAFT_TO_SIGN = "draft.to_sign", _("A draft awaits your signature")
    DRAFT_TO_ISSUE = "draft.to_issue", _("A signed draft awaits issue")
    COMMENTS_REQUESTED = "comments.requested", _("Your comments are requested")
    COMMENTS_REMINDER = "comments.reminder", _("Comment deadline approaching")
    COMMENT_ANSWERED = "comments.answered", _("A comment on your draft")
    INCOMING_DUE_SOON = "incoming.due_soon", _("Deadline approaching")
    INCOMING_CHASED = "incoming.chased", _("You are chased about a document")
    CHASE_ACKNOWLEDGED = "incoming.chase_ack", _("A handler acknowledged your chase")
    EXTENSION_REQUESTED = "incoming.extension_req", _("A handler asks for more time")
    EXTENSION_DECIDED = "incoming.extension_dec", _("Your extension request was decided")
    ASSIGNEE_REMOVED = "incoming.unassigned", _("You were removed from a document")
    STATUS_01 = "status.01", _("Recipient: arrived")
    STATUS_02 = "status.02", _("Recipient: rejected")
    STATUS_03 = "status.03", _("Recipient: accepted")
    STATUS_04 = "status.04", _("Recipient: assigned")
    STATUS_05 = "status.05", _("Recipient: in progress")
    STATUS_06 = "status.06", _("Recipient: done")
    STATUS_13 = "status.13", _("Take-back requested")
    STATUS_15 = "status.15", _("Request agreed")
    STATUS_16 = "status.16", _("Request refused")
    # h17: what an operator must act on (documents/services/operations.py)
    CERTIFICATE_EXPIRING = "ops.certificate_expiring", _("A registry certificate expires soon")
    CRL_STALE = "ops.crl_stale", _("A revocation list is past its next update")
    DISPATCH_WAITING = "ops.dispatch_waiting", _("Deliveries are waiting")
    AXIS_POLL_STALE = "ops.axis_poll_stale", _("An axis connection is not being polled")

    @classmethod
    def for_status(cls, code: str) -> "NotificationKind":
        return cls(f"status.{code}")
