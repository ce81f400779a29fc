"""Project-level views: health check and the dashboard (landing page after login)."""
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .portal import portal_context
from .services import health_check


@never_cache
@require_GET
def healthz(request):
    """JSON health for load balancers: 200 when database, broker and a worker are all fine, else 503."""
    result = health_check()
    return JsonResponse(result, status=200 if result["ok"] else 503)


@login_required
@require_GET
def home(request):
    """
    Dashboard of the active unit and the user's role. Province administrators also see the
    province: the connection table and the charts for every unit.
    """
    from documents import dashboard

    ctx = portal_context(request)
    context = {"ctx": ctx}
    if ctx.unit is not None:
        context["work"] = dashboard.unit_worklist(unit=ctx.unit, user=request.user, roles=ctx.roles)
    scope_unit = None if ctx.is_province_admin else ctx.unit
    if ctx.is_province_admin or ctx.unit is not None:
        context["connections"] = dashboard.connection_table() if ctx.is_province_admin else None
        context["per_day"] = dashboard.exchanged_per_day(unit=scope_unit)
        context["per_day_total"] = sum(n for _d, n in context["per_day"])
        context["medians"] = dashboard.acceptance_median_by_level(unit=scope_unit)
    return render(request, "home.html", context)
