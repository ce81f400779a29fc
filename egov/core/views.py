"""Views of the base layer: the health check."""
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .services import health_check


@never_cache
@require_GET
def healthz(request):
    """JSON health for load balancers: 200 when database, broker and a worker are all fine, else 503."""
    result = health_check()
    return JsonResponse(result, status=200 if result["ok"] else 503)
