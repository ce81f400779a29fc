"""The dashboard: the landing page after login."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from units.portal import portal_context

from .. import dashboard


@login_required
@require_GET
def home(request):
    """
    Dashboard of the active unit and the user's role. Province administrators also see the
    province: the connection table and the charts for every unit.
    """
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
