from rest_framework.routers import SimpleRouter

from . import drafts, followup, views

app_name = "documents-api"
router = SimpleRouter()
router.register("documents", views.DocumentViewSet, basename="document")
router.register("attachments", views.AttachmentViewSet, basename="attachment")
router.register("dispatches", views.DispatchViewSet, basename="dispatch")
router.register("incoming", views.IncomingViewSet, basename="incoming")
router.register("registers", views.RegisterViewSet, basename="register")
router.register("drafts", drafts.DraftViewSet, basename="draft")
router.register("comment-requests", drafts.CommentRequestViewSet, basename="comment-request")
router.register("comment-targets", drafts.CommentTargetViewSet, basename="comment-target")
router.register("chases", followup.ChaseViewSet, basename="chase")
router.register("extensions", followup.ExtensionViewSet, basename="extension")
router.register("search", followup.SearchViewSet, basename="search")
router.register("saved-searches", followup.SavedSearchViewSet, basename="saved-search")
router.register("reports", followup.ReportViewSet, basename="report")
urlpatterns = router.urls
