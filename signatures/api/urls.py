from rest_framework.routers import SimpleRouter

from .views import CertificateViewSet, VerificationViewSet

app_name = "signatures-api"
router = SimpleRouter()
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("signatures", VerificationViewSet, basename="signature")
urlpatterns = router.urls
