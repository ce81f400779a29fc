"""
Registers (sổ văn bản đi / đến): atomic number allocation and the NĐ 30 column layouts.

Allocation locks the register's counter row for the rest of the caller's transaction, so two
requests never get the same number, and a transaction that rolls back returns its number
(no gap). A new calendar year is a new register row: numbering restarts at 1 on 1 January.
"""
from __future__ import annotations

import csv
import datetime
import io

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.errors import NotFoundError
from egov.core.exports import spreadsheet_safe
from units.choices import Role
from units.models import Unit
from units.permissions import user_roles_in

from ..choices import HandlerRole, RegisterDirection
from ..models import Document, IncomingAssignment, IncomingRecord, Register

__all__ = [
    "register_get_or_create",
    "register_allocate",
    "register_rows",
    "register_columns",
    "register_export_csv",
    "register_export_xlsx",
    "REGISTER_LAYOUTS",
    "recipients_line",
    "REGISTER_READER_ROLES",
    "register_require_reader",
]

# Registers are kept by the clerks and read by the leaders and administrators of the unit.
REGISTER_READER_ROLES = (Role.CLERK, Role.LEADER, Role.UNIT_ADMIN)


def register_get_or_create(*, unit: Unit, direction: str, year: int, series: str = "general") -> Register:
    try:
        return Register.objects.get(unit=unit, direction=direction, year=year, series=series)
    except Register.DoesNotExist:
        pass
    try:
        with transaction.atomic():  # savepoint: a concurrent creator wins, we read its row
            return Register.objects.create(unit=unit, direction=direction, year=year, series=series)
    except IntegrityError:
        return Register.objects.get(unit=unit, direction=direction, year=year, series=series)


def register_allocate(*, unit: Unit, direction: str, year: int, series: str = "general") -> tuple[Register, int]:
    """
    Next number of the register. Must run inside the caller's transaction (the row lock is
    held until it commits). NO KEY lock: the counter row is updated, never deleted.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("register_allocate must run inside a transaction")
    register = register_get_or_create(unit=unit, direction=direction, year=year, series=series)
    register = Register.objects.select_for_update(no_key=True).get(pk=register.pk)
    register.last_number += 1
    register.save(update_fields=["last_number"])
    return register, register.last_number


def _local_date(value):
    """The calendar day of ``value`` in the portal's time zone (a datetime is stored in UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def _d(value) -> str:
    day = _local_date(value)
    return day.strftime("%d/%m/%Y") if day else ""


def recipients_line(text: str) -> str:
    """
    "Nơi nhận" as one line: the printed list has one recipient a line ("- Như trên;",
    "- Lưu: VT, VP."), with CR/LF of any kind; shown and exported as "Như trên; Lưu: VT, VP".
    """
    parts = []
    for line in (text or "").splitlines():
        line = line.strip().lstrip("-–•+").strip().rstrip(";,.").strip()
        if line:
            parts.append(line)
    return "; ".join(parts)


# NĐ 30/2020 Phụ lục IV column headings (kept in Vietnamese: they are the legal layout).
REGISTER_LAYOUTS = {
    "outgoing": ["Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung", "Người ký",
                 "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển", "Ký nhận",
                 "Ghi chú"],
    "incoming": ["Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu nội dung",
                 "Đơn vị hoặc người nhận", "Ngày chuyển", "Ký nhận", "Ghi chú"],
    "followup": ["Số đến", "Tên loại, số, ký hiệu, ngày tháng văn bản, cơ quan ban hành",
                 "Đơn vị hoặc người nhận", "Thời hạn giải quyết", "Tiến độ giải quyết",
                 "Số, ký hiệu văn bản trả lời", "Ghi chú"],
}


def register_columns(kind: str) -> list[str]:
    return REGISTER_LAYOUTS[kind]


def register_require_reader(*, user, unit: Unit, as_operator: bool = False) -> None:
    """
    Only the unit's clerks, leaders and administrators read its registers; anyone else gets
    "not found" (a register of another unit is not theirs to know of). ``as_operator``: the
    operator's command line, which acts for no user.
    """
    if as_operator:
        return
    if not user_roles_in(user=user, unit=unit) & set(REGISTER_READER_ROLES):
        raise NotFoundError(_("No such register among your units."))


def register_rows(*, unit: Unit, kind: str, year: int, user=None, as_operator: bool = False):
    """
    Rows of a register as lists in the NĐ 30 column order, for ``user`` (a reader of the unit's
    registers: register_require_reader), as shown on screen and in CSV: dates as dd/mm/yyyy in
    the portal's time zone. ``kind`` is ``outgoing``, ``incoming`` or ``followup``. One query.
    """
    register_require_reader(user=user, unit=unit, as_operator=as_operator)
    for row in _register_rows(unit=unit, kind=kind, year=year):
        yield [_d(c) if isinstance(c, datetime.date) else c for c in row]


def _who(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _register_rows(*, unit: Unit, kind: str, year: int):
    """Raw rows: dates are ``datetime.date`` in local time (real date cells in XLSX)."""
    if kind == "outgoing":
        docs = (Document.objects.filter(owner_unit=unit, register__year=year,
                                        register__direction=RegisterDirection.OUTGOING, number__isnull=False)
                .select_related("register").order_by("register__series", "number"))
        for d in docs:
            yield [d.number_notation, _local_date(d.issued_on), f"{d.type_name_vi}: {d.subject}",
                   " ".join(p for p in (d.signer_competence, d.signer_position, d.signer_name) if p),
                   recipients_line(d.recipients_text), "", "", _local_date(d.sent_at), "",
                   d.get_business_type_display() if d.business_type else ""]
        return
    # "Ngày chuyển" of an incoming document: when it was handed to its handler (the first
    # assignment of a main handler), one correlated subquery.
    handed = (IncomingAssignment.objects.filter(incoming=OuterRef("pk"), role=HandlerRole.MAIN)
              .order_by("assigned_at").values("assigned_at")[:1])
    qs = (IncomingRecord.objects.filter(unit=unit, register__year=year, incoming_number__isnull=False)
          .annotate(handed_at=Subquery(handed))
          .select_related("document", "sender", "main_handler", "reply_document").order_by("incoming_number"))
    if kind == "incoming":
        for r in qs:
            d = r.document
            yield [_local_date(r.arrived_at), r.incoming_number, r.sender.name, d.number_notation,
                   _local_date(d.issued_on), f"{d.type_name_vi}: {d.subject}", _who(r.main_handler),
                   _local_date(r.handed_at), "",
                   r.get_status_display() if r.status in ("rejected", "cancelled") else ""]
    elif kind == "followup":
        for r in qs.filter(deadline__isnull=False):
            d = r.document
            yield [r.incoming_number,
                   f"{d.type_name_vi} {d.number_notation} {_d(d.issued_on)}, {r.sender.name}",
                   _who(r.main_handler), _local_date(r.deadline), f"{r.get_status_display()} ({r.progress}%)",
                   r.reply_document.number_notation if r.reply_document else "", ""]
    else:
        raise ValueError(_("Unknown register kind %(kind)s") % {"kind": kind})


def register_export_csv(*, unit: Unit, kind: str, year: int, user=None, as_operator: bool = False) -> bytes:
    register_require_reader(user=user, unit=unit, as_operator=as_operator)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(register_columns(kind))
    for row in _register_rows(unit=unit, kind=kind, year=year):
        writer.writerow([spreadsheet_safe(_d(c) if isinstance(c, datetime.date) else c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens Vietnamese text correctly


def register_export_xlsx(*, unit: Unit, kind: str, year: int, user=None, as_operator: bool = False) -> bytes:
    register_require_reader(user=user, unit=unit, as_operator=as_operator)
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    titles = {"outgoing": "SỔ ĐĂNG KÝ VĂN BẢN ĐI", "incoming": "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
              "followup": "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN"}
    wb = Workbook()
    ws = wb.active
    ws.title = kind
    ws.append([f"{titles[kind]} — {unit.name} — {year}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(register_columns(kind))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in _register_rows(unit=unit, kind=kind, year=year):
        ws.append([spreadsheet_safe(c) for c in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
    for i, width in enumerate([14, 12, 40, 22, 30, 20, 10, 12, 10, 16][: len(register_columns(kind))], start=1):
        ws.column_dimensions[chr(64 + i)].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
