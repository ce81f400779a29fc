"""
The handling reports of NĐ 30 Phụ lục VI (V: "báo cáo tình hình xử lý văn bản đến / đi"),
per unit, per handler, per division and across the province, for a period; the drill-down to
the records behind each figure; XLSX and PDF exports. Read-only: these are selectors.

Every figure is one ``Q`` in ``INCOMING_METRICS`` / a count in ``outgoing_report``: the report
counts with ``Count(filter=Q)`` in one grouped query, and the drill-down filters the records with
the very same ``Q``, so a figure and its list cannot disagree. Definitions (docs/reports.md):

- received: records that arrived in the period (delivered to the unit);
- registered: of those, entered in the incoming register (accepted, with a number);
- rejected: returned to the sender;
- done on time / done late: finished, on or before / after the deadline (no deadline: on time);
- in progress: accepted, assigned or being handled, deadline not passed on the report date;
- overdue: still open with the deadline passed on the report date;
- average handling time: arrival to completion, in days, of the finished ones;
- chases: đôn đốc sent about the period's records.

Speed: one grouped scan of the period's records (the inbox index serves one unit; a province-wide
year reads the table once) and one grouped count of chases; no per-unit or per-record
query. ``bench_reports`` measures the province-wide year.
"""
from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from egov.core.errors import InvalidInput, PermissionDeniedError
from egov.core.exports import spreadsheet_safe
from units.choices import Role, UnitKind
from units.models import Membership, Unit

from ..choices import IncomingStatus
from ..models import Chase, Dispatch, Document, IncomingDivisionAssignment, IncomingRecord

__all__ = ["ReportPeriod", "INCOMING_METRICS", "incoming_report", "incoming_drill", "outgoing_report",
           "connection_report", "report_units_for", "report_export_xlsx", "report_export_pdf", "REPORT_ROLES"]

REPORT_ROLES = (Role.LEADER, Role.CLERK, Role.UNIT_ADMIN)
OPEN = [IncomingStatus.ACCEPTED, IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS]


@dataclass(frozen=True)
class ReportPeriod:
    start: datetime.date
    end: datetime.date
    as_of: datetime.date  # the day "overdue" is judged on (today, or the period's end if earlier)

    @classmethod
    def of(cls, start: datetime.date, end: datetime.date, today: datetime.date | None = None) -> "ReportPeriod":
        if start > end:
            raise InvalidInput(_("The period starts after it ends."), field="start")
        today = today or timezone.localdate()
        return cls(start=start, end=end, as_of=min(end, today))

    def bounds(self):
        tz = timezone.get_current_timezone()
        lo = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)
        hi = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        return lo, hi


def _metrics(as_of: datetime.date) -> dict[str, Q]:
    done = Q(status=IncomingStatus.DONE)
    return {
        "received": Q(),
        "registered": Q(incoming_number__isnull=False),
        "rejected": Q(status=IncomingStatus.REJECTED),
        "done_on_time": done & (Q(deadline__isnull=True) | Q(finished_at__date__lte=F("deadline"))),
        "done_late": done & Q(deadline__isnull=False, finished_at__date__gt=F("deadline")),
        "in_progress": Q(status__in=OPEN) & (Q(deadline__isnull=True) | Q(deadline__gte=as_of)),
        "overdue": Q(status__in=OPEN, deadline__lt=as_of),
        "waiting": Q(status=IncomingStatus.ARRIVED),
    }


INCOMING_METRICS = {  # key: label (the column order of the report)
    "received": gettext_lazy("Received"),
    "registered": gettext_lazy("Registered"),
    "rejected": gettext_lazy("Returned"),
    "waiting": gettext_lazy("Not yet registered"),
    "done_on_time": gettext_lazy("Done on time"),
    "done_late": gettext_lazy("Done late"),
    "in_progress": gettext_lazy("In progress"),
    "overdue": gettext_lazy("Overdue"),
    "avg_days": gettext_lazy("Average handling (days)"),
    "chases": gettext_lazy("Chases"),
}


def _period_records(period: ReportPeriod, unit_ids: list[int] | None) -> QuerySet[IncomingRecord]:
    lo, hi = period.bounds()
    qs = IncomingRecord.objects.filter(arrived_at__gte=lo, arrived_at__lt=hi).exclude(status=IncomingStatus.CANCELLED)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    return qs


GROUPS = {"unit": "unit_id", "handler": "main_handler_id", "division": "division_id"}


def incoming_report(*, period: ReportPeriod, unit_ids: list[int] | None, group: str = "unit") -> dict:
    """
    The report on handling incoming documents: one row per unit (or main handler, or lead
    division) with every figure, and the total row. ``unit_ids`` None means every unit.
    """
    if group not in GROUPS:
        raise InvalidInput(_("Unknown grouping."), field="group")
    qs = _period_records(period, unit_ids)
    if group == "division":
        lead = IncomingDivisionAssignment.objects.filter(incoming=OuterRef("pk"), is_active=True, role="main")
        qs = qs.annotate(division_id=Subquery(lead.values("division_id")[:1]))
    metrics = _metrics(period.as_of)
    aggregates = {k: Count("pk", filter=q) for k, q in metrics.items()}
    aggregates["avg"] = Avg(ExpressionWrapper(F("finished_at") - F("arrived_at"), output_field=DurationField()),
                            filter=Q(status=IncomingStatus.DONE))
    key = GROUPS[group]
    rows = {r[key]: r for r in qs.order_by().values(key).annotate(**aggregates)}
    if group == "division":
        chases = _division_chases(qs)
    else:
        chases = dict(Chase.objects.filter(incoming__in=qs.values("pk")).order_by()
                      .values_list(f"incoming__{key}").annotate(n=Count("pk")))
    out = []
    for k, r in rows.items():
        r = dict(r)
        r["key"] = k
        r["chases"] = chases.get(k, 0)
        r["avg_days"] = round(r.pop("avg").total_seconds() / 86400, 1) if r.get("avg") else None
        r.pop("avg", None)
        out.append(r)
    _label_rows(out, group)
    out.sort(key=lambda r: (r["sort"], r["label"]))
    return {"rows": out, "total": _total(out), "period": period, "group": group}


def _division_chases(qs) -> dict:
    """Chases per lead division (a record counts for its active lead division)."""
    per_record = dict(Chase.objects.filter(incoming__in=qs.values("pk")).order_by().values_list("incoming_id")
                      .annotate(n=Count("pk")))
    if not per_record:
        return {}
    division_of = dict(IncomingDivisionAssignment.objects.filter(incoming_id__in=per_record, is_active=True,
                                                                  role="main").values_list("incoming_id",
                                                                                           "division_id"))
    out: dict = {}
    for rec_id, n in per_record.items():
        d = division_of.get(rec_id)
        out[d] = out.get(d, 0) + n
    return out


def _label_rows(rows: list[dict], group: str) -> None:
    keys = [r["key"] for r in rows if r["key"] is not None]
    if group == "unit":
        units = {u.pk: u for u in Unit.objects.filter(pk__in=keys)}
        for r in rows:
            u = units.get(r["key"])
            r["label"], r["sort"] = (u.name, u.path) if u else ("—", "")
    elif group == "handler":
        from django.contrib.auth import get_user_model

        users = {u.pk: u for u in get_user_model().objects.filter(pk__in=keys)}
        for r in rows:
            u = users.get(r["key"])
            r["label"] = (u.get_full_name() or u.username) if u else _("(no main handler yet)")
            r["sort"] = "0" if u else "1"
    else:
        from units.models import Division

        divisions = {d.pk: d for d in Division.objects.filter(pk__in=keys)}
        for r in rows:
            d = divisions.get(r["key"])
            r["label"] = d.name if d else _("(not assigned to a division)")
            r["sort"] = f"0{d.position:05d}" if d else "1"


def _total(rows: list[dict]) -> dict:
    total = {k: sum(r.get(k) or 0 for r in rows) for k in INCOMING_METRICS if k != "avg_days"}
    done = [(r["done_on_time"] + r["done_late"], r["avg_days"]) for r in rows if r["avg_days"] is not None]
    n = sum(c for c, _a in done)
    total["avg_days"] = round(sum(c * a for c, a in done) / n, 1) if n else None
    total["label"] = _("Total")
    return total


def incoming_drill(*, period: ReportPeriod, unit_ids: list[int] | None, metric: str, group: str = "unit",
                   key=None) -> QuerySet[IncomingRecord]:
    """The records behind one figure of ``incoming_report`` (same filters, same definitions)."""
    metrics = _metrics(period.as_of)
    if metric not in metrics and metric != "chases":
        raise InvalidInput(_("Unknown figure."), field="metric")
    qs = _period_records(period, unit_ids)
    if metric == "chases":
        qs = qs.filter(chases__isnull=False).distinct()
    else:
        qs = qs.filter(metrics[metric])
    if key is not None or group in ("handler", "division"):
        if group == "unit":
            qs = qs.filter(unit_id=key)
        elif group == "handler":
            qs = qs.filter(main_handler_id=key)
        else:
            qs = qs.filter(division_assignments__division_id=key, division_assignments__is_active=True,
                           division_assignments__role="main") if key is not None else qs.exclude(
                division_assignments__is_active=True, division_assignments__role="main")
    return qs.select_related("document", "unit", "sender", "main_handler").order_by("-arrived_at", "-pk")


def outgoing_report(*, period: ReportPeriod, unit_ids: list[int] | None) -> dict:
    """
    The report on handling outgoing documents, per issuing unit: issued, sent electronically,
    recipients reached, delivery failures, documents expecting a reply, recipients that
    answered (on time / late) and that are late without an answer on the report date.
    """
    docs = Document.objects.filter(issued_on__gte=period.start, issued_on__lte=period.end, status="issued")
    if unit_ids is not None:
        docs = docs.filter(owner_unit_id__in=unit_ids)
    per_unit = {r["owner_unit_id"]: dict(r) for r in docs.order_by().values("owner_unit_id").annotate(
        issued=Count("pk"), sent=Count("pk", filter=Q(sent_at__isnull=False)),
        expecting_reply=Count("pk", filter=Q(due_date__isnull=False)))}
    d = Dispatch.objects.filter(document__in=docs.values("pk"))
    replied = Q(incoming__reply_document__isnull=False) | Q(is_remote=True, status_code="06")
    closed = Q(status_code="02") | Q(incoming__status__in=[IncomingStatus.REJECTED, IncomingStatus.CANCELLED])
    expecting = Q(document__due_date__isnull=False)
    reply_day = Q(incoming__finished_at__date__lte=F("document__due_date")) | Q(
        incoming__isnull=True, status_at__date__lte=F("document__due_date"))
    # Two grouped queries: the delivery figures read dispatches alone; the reply figures join the
    # recipients' records only for the documents that expect a reply (usually a small share).
    base = {"recipients": 0, "delivered": 0, "failed": 0, "answered": 0, "answered_on_time": 0, "late_unanswered": 0}
    figures: list[dict] = list(d.order_by().values("sender_id").annotate(
        recipients=Count("pk"), delivered=Count("pk", filter=Q(state="delivered")),
        failed=Count("pk", filter=Q(state="failed"))))
    figures += list(d.filter(expecting).order_by().values("sender_id").annotate(
        answered=Count("pk", filter=replied),
        answered_on_time=Count("pk", filter=replied & reply_day),
        late_unanswered=Count("pk", filter=~replied & ~closed & Q(document__due_date__lt=period.as_of))))
    for r in figures:
        row = per_unit.setdefault(r["sender_id"], {"owner_unit_id": r["sender_id"], "issued": 0, "sent": 0,
                                                   "expecting_reply": 0, **base})
        row.update({k: v for k, v in r.items() if k != "sender_id"})
    rows = []
    for k, r in per_unit.items():
        r = {**base, **r, "key": k}
        r["answered_late"] = r["answered"] - r["answered_on_time"]
        rows.append(r)
    _label_rows(rows, "unit")
    rows.sort(key=lambda r: (r["sort"], r["label"]))
    keys = [k for k in OUTGOING_METRICS]
    total = {k: sum(r[k] for r in rows) for k in keys}
    total["label"] = _("Total")
    return {"rows": rows, "total": total, "period": period}


OUTGOING_METRICS = {
    "issued": gettext_lazy("Issued"),
    "sent": gettext_lazy("Sent electronically"),
    "recipients": gettext_lazy("Recipients"),
    "delivered": gettext_lazy("Delivered"),
    "failed": gettext_lazy("Delivery failed"),
    "expecting_reply": gettext_lazy("Expecting a reply"),
    "answered_on_time": gettext_lazy("Answered on time"),
    "answered_late": gettext_lazy("Answered late"),
    "late_unanswered": gettext_lazy("Late, no answer"),
}


CONNECTION_KINDS = [UnitKind.DEPARTMENT, UnitKind.DISTRICT_COMMITTEE, UnitKind.COMMUNE_COMMITTEE]


def connection_report(*, period: ReportPeriod, root: Unit) -> list[dict]:
    """
    Which units of the province exchanged documents electronically in the period, per kind of
    unit: "23/23 departments, 21/21 districts, 460/460 communes". A unit counts when it sent
    or received at least one document through the portal in the period.
    """
    lo, hi = period.bounds()
    units = Unit.objects.active(on=period.end).filter(path__startswith=root.path, kind__in=CONNECTION_KINDS)
    senders = set(Dispatch.objects.filter(created_at__gte=lo, created_at__lt=hi).order_by()
                  .values_list("sender_id", flat=True).distinct())
    receivers = set(IncomingRecord.objects.filter(arrived_at__gte=lo, arrived_at__lt=hi).order_by()
                    .values_list("unit_id", flat=True).distinct())
    out = []
    for kind in CONNECTION_KINDS:
        ids = set(units.filter(kind=kind).values_list("pk", flat=True))
        out.append({"kind": kind, "label": UnitKind(kind).label, "total": len(ids),
                    "sending": len(ids & senders), "receiving": len(ids & receivers),
                    "connected": len(ids & (senders | receivers))})
    return out


def report_units_for(*, user, unit: Unit, scope: str = "unit") -> list[int] | None:
    """
    The units whose figures the user may read: ``unit`` itself for its leaders, clerks and
    administrators; with ``scope="province"``, every unit under the province committee for the
    committee's leaders and office (None: the whole portal when the committee is the root).
    """
    roles = set(Membership.objects.filter(user=user, unit=unit, is_active=True).values_list("role", flat=True))
    if not roles & set(REPORT_ROLES):
        raise PermissionDeniedError(_("Reports are read by the leaders, the office and the administrators of the unit."))
    if scope != "province":
        return [unit.pk]
    if unit.kind != UnitKind.PROVINCE_COMMITTEE or not roles & {Role.LEADER, Role.CLERK}:
        raise PermissionDeniedError(_("The province-wide report is for the provincial committee's leaders and office."))
    if unit.parent_id is None:
        return None
    return list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))


# --- exports -------------------------------------------------------------------------------------

def _columns(kind: str) -> dict:
    return INCOMING_METRICS if kind == "incoming" else OUTGOING_METRICS


def _title(kind: str) -> str:
    return ("BÁO CÁO TÌNH HÌNH XỬ LÝ VĂN BẢN ĐẾN" if kind == "incoming"
            else "BÁO CÁO TÌNH HÌNH XỬ LÝ VĂN BẢN ĐI")


def report_export_xlsx(*, report: dict, kind: str, unit: Unit, first_column: str) -> bytes:
    """The report as a spreadsheet: title, period, one row per line, the total (every cell neutralised)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Bao cao"
    period = report["period"]
    ws.append([spreadsheet_safe(unit.name)])
    ws.append([_title(kind)])
    ws["A2"].font = Font(bold=True, size=13)
    ws.append([spreadsheet_safe(_("From %(start)s to %(end)s") % {"start": period.start.strftime("%d/%m/%Y"),
                                                                  "end": period.end.strftime("%d/%m/%Y")})])
    ws.append([])
    cols = _columns(kind)
    ws.append([spreadsheet_safe(str(first_column)), *[spreadsheet_safe(str(label)) for label in cols.values()]])
    for cell in ws[5]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for r in [*report["rows"], report["total"]]:
        ws.append([spreadsheet_safe(str(r["label"])), *[spreadsheet_safe(r.get(k)) for k in cols]])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    ws.column_dimensions["A"].width = 42
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def report_export_pdf(*, report: dict, kind: str, unit: Unit, first_column: str, user_name: str = "") -> bytes:
    """
    The report as a printable official report (A4 landscape): the unit and the national motto
    at the top, the title and period, the table with its total, the place and date of making.
    """
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    cols = _columns(kind)
    period = report["period"]
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("dejavu", fname=settings.PRINT_MARK_FONT)
    pdf.add_page()
    pdf.set_font("dejavu", size=11)
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    y = pdf.get_y()
    pdf.multi_cell(half, 6, unit.name.upper(), align="C")
    pdf.set_xy(pdf.l_margin + half, y)
    pdf.multi_cell(half, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc", align="C")
    pdf.ln(6)
    pdf.set_font("dejavu", size=14)
    pdf.cell(0, 8, _title(kind), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", size=11)
    pdf.cell(0, 7, _("From %(start)s to %(end)s") % {"start": period.start.strftime("%d/%m/%Y"),
                                                      "end": period.end.strftime("%d/%m/%Y")},
             align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("dejavu", size=8)
    headings = [str(first_column), *[str(v) for v in cols.values()]]
    with pdf.table(col_widths=(46, *([18] * len(cols))), text_align=("LEFT", *(["CENTER"] * len(cols))),
                   line_height=5, headings_style=FontFace(emphasis=None, fill_color=(230, 230, 230))) as table:
        table.row(headings)
        for r in [*report["rows"], report["total"]]:
            table.row([str(r["label"]), *["" if r.get(k) is None else str(r.get(k)) for k in cols]])
    pdf.ln(6)
    pdf.set_font("dejavu", size=10)
    today = timezone.localdate()
    pdf.cell(0, 6, _("Made on %(date)s") % {"date": today.strftime("%d/%m/%Y")} + (
        f" — {user_name}" if user_name else ""), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
