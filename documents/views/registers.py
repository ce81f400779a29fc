"""Registers (sổ văn bản đi / đến / theo dõi) in the NĐ 30 column layout: screen, print, export."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET


from .. import services
from .common import active_unit_or_403

KINDS = {
    "incoming": "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
    "outgoing": "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
    "followup": "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN",
}
REGISTER_ROLES = set(services.REGISTER_READER_ROLES)  # the services enforce it too; here for a clear 403


def _params(request):
    ctx = active_unit_or_403(request)
    if not ctx.roles & REGISTER_ROLES:
        raise PermissionDenied(_("Registers are kept by the clerks and read by the leaders of the unit."))
    kind = request.GET.get("kind", "incoming")
    if kind not in KINDS:
        raise Http404
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404 from None
    return ctx, kind, year


@login_required
@require_GET
def register_view(request):
    ctx, kind, year = _params(request)
    this_year = timezone.localdate().year
    return render(request, "documents/register.html", {
        "kind": kind, "title": KINDS[kind], "year": year, "years": range(this_year, this_year - 6, -1),
        "columns": services.register_columns(kind),
        "rows": list(services.register_rows(unit=ctx.unit, kind=kind, year=year, user=request.user)),
        "kinds": KINDS,
    })


@login_required
@require_GET
def register_export(request, fmt: str):
    ctx, kind, year = _params(request)
    name = f"so-{kind}-{ctx.unit.code}-{year}"
    if fmt == "csv":
        body = services.register_export_csv(unit=ctx.unit, kind=kind, year=year, user=request.user)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        body = services.register_export_xlsx(unit=ctx.unit, kind=kind, year=year, user=request.user)
        response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
