from rest_framework.routers import SimpleRouter

from . import views

app_name = "documents-api"
router = SimpleRouter()
router.register("documents", views.DocumentViewSet, basename="document")
router.register("attachments", views.AttachmentViewSet, basename="attachment")
router.register("dispatches", views.DispatchViewSet, basename="dispatch")
router.register("incoming", views.IncomingViewSet, basename="incoming")
router.register("registers", views.RegisterViewSet, basename="register")
urlpatterns = router.urls
