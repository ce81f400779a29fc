from rest_framework.routers import SimpleRouter

from .webhook_views import WebhookViewSet

app_name = "egov-api"
router = SimpleRouter()
router.register("webhooks", WebhookViewSet, basename="webhook")
urlpatterns = router.urls
