"""Project-level views: health check and the landing page."""
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .services import health_check


@never_cache
@require_GET
def healthz(request):
    """JSON health for load balancers: 200 when database, broker and a worker are all fine, else 503."""
    result = health_check()
    return JsonResponse(result, status=200 if result["ok"] else 503)


@login_required
def home(request):
    """Landing page after login: the user's units and roles."""
    memberships = request.user.memberships.select_related("unit").order_by("unit__name", "role")
    return render(request, "home.html", {"memberships": memberships})
