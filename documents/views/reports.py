"""The handling reports on screen (with charts and drill-down) and as XLSX/PDF (issue 14)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from egov.core.errors import InvalidInput, PermissionDeniedError
from egov.core.text import actor_display

from .. import services
from ..followup_forms import ReportForm
from ..services.reports import INCOMING_METRICS, OUTGOING_METRICS
from .common import active_unit_or_403

__all__ = ["report_view", "report_drill", "report_export"]

BAR_PARTS = [("done_on_time", "ok"), ("done_late", "late"), ("in_progress", "open"), ("overdue", "overdue")]


def _build(request):
    ctx = active_unit_or_403(request)
    form = ReportForm(request.GET or None, initial=ReportForm.initial_data())
    data = form.cleaned_data if form.is_bound and form.is_valid() else ReportForm.initial_data()
    kind, group, scope = data["kind"], data.get("group") or "unit", data.get("scope") or "unit"
    try:
        unit_ids = services.report_units_for(user=request.user, unit=ctx.unit, scope=scope)
        period = services.ReportPeriod.of(data["start"], data["end"])
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from None
    if scope == "unit" and group == "unit":
        group = "division"  # one unit: its divisions are the useful breakdown
    if kind == "incoming":
        report = services.incoming_report(period=period, unit_ids=unit_ids, group=group)
    else:
        group = "unit"
        report = services.outgoing_report(period=period, unit_ids=unit_ids)
    return ctx, form, data, kind, group, scope, unit_ids, period, report


def _first_column(group: str) -> str:
    return {"unit": _("Unit"), "handler": _("Handler"), "division": _("Division")}[group]


@login_required
@require_GET
def report_view(request):
    ctx, form, data, kind, group, scope, unit_ids, period, report = _build(request)
    columns = INCOMING_METRICS if kind == "incoming" else OUTGOING_METRICS
    rows = report["rows"]
    if kind == "incoming":
        for r in rows:  # chart: stacked bar of the handled and the open, in percent of the received
            base = max(r["received"] - r["rejected"] - r["waiting"], 1)
            r["bar"] = [(css, round(100 * r[k] / base, 1), r[k]) for k, css in BAR_PARTS if r[k]]
    connection = None
    if scope == "province" and kind == "outgoing":
        connection = services.connection_report(period=period, root=ctx.unit)
    query = request.GET.urlencode()
    return render(request, "documents/reports.html", {
        "form": form, "kind": kind, "group": group, "scope": scope, "report": report, "columns": columns,
        "first_column": _first_column(group), "connection": connection, "query": query,
        "drillable": kind == "incoming",
    })


@login_required
@require_GET
def report_drill(request):
    """The records behind one figure of the incoming report."""
    ctx, form, data, kind, group, scope, unit_ids, period, report = _build(request)
    if kind != "incoming":
        raise Http404
    metric = request.GET.get("metric", "")
    raw_key = request.GET.get("key", "")
    key = int(raw_key) if raw_key.isdigit() else None
    try:
        records = services.incoming_drill(period=period, unit_ids=unit_ids, metric=metric, group=group, key=key)
    except InvalidInput:
        raise Http404 from None
    label = dict(INCOMING_METRICS).get(metric, metric)
    return render(request, "documents/report_drill.html", {
        "records": records[:500], "count": records.count(), "label": label, "period": period,
        "query": request.GET.urlencode(),
    })


@login_required
@require_GET
def report_export(request, fmt: str):
    ctx, form, data, kind, group, scope, unit_ids, period, report = _build(request)
    name = f"bao-cao-{kind}-{ctx.unit.code}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if fmt == "xlsx":
        body = services.report_export_xlsx(report=report, kind=kind, unit=ctx.unit, first_column=_first_column(group))
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "pdf":
        body = services.report_export_pdf(report=report, kind=kind, unit=ctx.unit, first_column=_first_column(group),
                                          user_name=actor_display(request.user))
        content_type = "application/pdf"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
