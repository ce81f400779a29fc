"""URLs of the browser UI; included by the project at the root."""
from django.urls import path

from . import views
from .views import drafts, followup, reports, search

app_name = "documents"

urlpatterns = [
    # Before incoming/<pk>/<action>: the division assignment, the handling slip, a unit's comment (issue 12).
    path("incoming/<int:pk>/slip", drafts.incoming_slip, name="incoming_slip"),
    path("incoming/<int:pk>/stamped.pdf", views.incoming_stamped, name="incoming_stamped"),
    path("incoming/<int:pk>/divisions", drafts.incoming_divisions, name="incoming_divisions"),
    path("incoming/<int:pk>/divisions/<int:assignment_id>/hand-on", drafts.incoming_hand_on,
         name="incoming_hand_on"),
    path("incoming/<int:pk>/comment", drafts.incoming_comment, name="incoming_comment"),
    # Follow-up, reports, search (issue 14).
    path("incoming/<int:pk>/followup/<slug:action>", followup.incoming_followup, name="incoming_followup"),
    path("incoming/<int:pk>/followup/<slug:action>/<int:item>", followup.incoming_followup,
         name="incoming_followup_item"),
    path("late-replies/", followup.late_replies_view, name="late_replies"),
    path("reminders/", followup.reminder_policy_view, name="reminder_policy"),
    path("reports/", reports.report_view, name="reports"),
    path("reports/drill", reports.report_drill, name="report_drill"),
    path("reports/export.<str:fmt>", reports.report_export, name="report_export"),
    path("search/", search.search_view, name="search"),
    path("search/export.<str:fmt>", search.search_export, name="search_export"),
    path("search/saved", search.saved_search_save_view, name="saved_search_save"),
    path("search/saved/<int:pk>/delete", search.saved_search_delete_view, name="saved_search_delete"),
    path("incoming/", views.incoming_list, name="incoming_list"),
    path("incoming/bulk", views.incoming_bulk, name="incoming_bulk"),
    path("incoming/<int:pk>/", views.incoming_detail, name="incoming_detail"),
    path("incoming/<int:pk>/<slug:action>", views.incoming_action, name="incoming_action"),
    path("outgoing/", views.outgoing_list, name="outgoing_list"),
    path("outgoing/new/", views.document_create, name="document_create"),
    path("outgoing/<int:pk>/", views.outgoing_detail, name="outgoing_detail"),
    path("outgoing/<int:pk>/status", views.outgoing_status, name="outgoing_status"),
    path("outgoing/<int:pk>/tracking", views.outgoing_tracking, name="outgoing_tracking"),
    path("outgoing/<int:pk>/tracking/bulk", views.tracking_bulk, name="tracking_bulk"),
    path("dispatches/<int:pk>/history", views.dispatch_history, name="dispatch_history"),
    path("outgoing/<int:pk>/issue", views.document_issue, name="document_issue"),
    path("outgoing/<int:pk>/attach", views.attachment_upload, name="attachment_upload"),
    path("outgoing/<int:pk>/edit", views.document_edit, name="document_edit"),
    path("files/<int:pk>/remove", views.attachment_remove, name="attachment_remove"),
    path("outgoing/<int:pk>/send", views.document_send, name="document_send"),
    path("dispatches/<int:pk>/retry", views.dispatch_retry, name="dispatch_retry"),
    path("outgoing/<int:pk>/request", views.dispatch_request, name="dispatch_request"),
    path("files/<int:pk>/", views.attachment_file, name="attachment_file"),
    path("units/search", views.unit_search, name="unit_search"),
    path("saved-lists/", views.saved_lists, name="saved_lists"),
    path("saved-lists/<int:pk>/delete", views.saved_list_delete, name="saved_list_delete"),
    path("registers/", views.register_view, name="register"),
    path("registers/export.<str:fmt>", views.register_export, name="register_export"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/open", views.notification_open, name="notification_open"),
    path("notifications/read", views.notification_read, name="notifications_read"),
    path("unit/switch", views.switch_unit, name="switch_unit"),
    # Drafts (issue 12): queues, a draft's page and actions, comments, version compare.
    path("drafts/", drafts.draft_list, name="draft_list"),
    path("drafts/new/", drafts.draft_create, name="draft_new"),
    path("drafts/signing/", drafts.signing_setup, name="signing_setup"),
    path("drafts/<int:pk>/", drafts.draft_detail, name="draft_detail"),
    path("drafts/<int:pk>/compare", drafts.draft_compare, name="draft_compare"),
    path("drafts/<int:pk>/v<int:number>.pdf", drafts.draft_version_file, name="draft_version_file"),
    path("drafts/<int:pk>/comments.<str:fmt>", drafts.comment_table_export, name="comment_table_export"),
    path("drafts/<int:pk>/<slug:action>", drafts.draft_action, name="draft_action"),
    path("comment-requests/<int:pk>/<slug:action>", drafts.comment_request_action, name="comment_request_action"),
    path("comments/<int:pk>/", drafts.comment_answer, name="comment_answer"),
]
