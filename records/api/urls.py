from rest_framework.routers import SimpleRouter

from . import views

app_name = "records-api"
router = SimpleRouter()
router.register("records/plans", views.FilePlanViewSet, basename="plan")
router.register("records/files", views.CaseFileViewSet, basename="file")
router.register("records/packages", views.PackageViewSet, basename="package")
urlpatterns = router.urls
