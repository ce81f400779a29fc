"""Views of the browser UI (server-rendered, htmx for partial updates). They call services and selectors only."""
from .dashboard import home  # noqa: F401
from .incoming import incoming_action, incoming_bulk, incoming_detail, incoming_list, incoming_stamped  # noqa: F401
from .notifications import notification_list, notification_open, notification_read, switch_unit  # noqa: F401
from .outgoing import (  # noqa: F401
    attachment_file,
    attachment_remove,
    attachment_upload,
    dispatch_history,
    dispatch_request,
    dispatch_retry,
    document_create,
    document_edit,
    document_issue,
    document_send,
    outgoing_detail,
    outgoing_list,
    outgoing_status,
    outgoing_tracking,
    tracking_bulk,
    unit_search,
)
from .registers import register_export, register_view  # noqa: F401
from .saved_lists import saved_list_delete, saved_lists  # noqa: F401
