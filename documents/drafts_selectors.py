"""Reads of the draft pages: the queues with their counters, the comment table and its exports, version compare."""
from __future__ import annotations

import difflib
import io

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from units.choices import Role
from units.models import Membership
from egov.core.exports import spreadsheet_safe
from units.selectors import unit_office, user_division_ids

from .choices import DocumentStatus, DraftState
from .models import CommentRequest, CommentTarget, Draft

__all__ = ["draft_queues", "drafts_visible_to", "comment_table", "comment_table_xlsx", "comment_table_pdf",
           "version_diff", "QUEUES"]

QUEUES = ("mine", "comments", "review", "sign", "issue")


def drafts_visible_to(*, user):
    """Drafts of the units where the user holds a role (like outgoing documents)."""
    units = Membership.objects.filter(user=user, is_active=True).values_list("unit_id", flat=True)
    return Draft.objects.filter(owner_unit_id__in=units)


def draft_queues(*, user, unit) -> dict:
    """
    The five queues of the draft pages and their counters, for ``user`` in ``unit``: my drafts
    (not issued), asked for my comments (chờ góp ý), awaiting my review (chờ duyệt), awaiting
    my signature (chờ ký), awaiting issue by the clerk (chờ phát hành). One query per queue.
    """
    memberships = list(Membership.objects.filter(user=user, unit=unit, is_active=True)
                       .values_list("role", "division_id", "is_division_head"))
    roles = {r for r, _d, _h in memberships}
    headed = {d for _r, d, h in memberships if h and d}
    office = unit_office(unit=unit)
    in_office = (office is not None and office.pk in user_division_ids(user=user, unit=unit)) or (
        office is None and Role.CLERK in roles)
    base = Draft.objects.filter(owner_unit=unit).select_related("document", "drafter", "division", "signer")
    review = Q(state=DraftState.SIGNER_REVIEW, signer=user)
    if headed:
        review |= Q(state=DraftState.CONTENT_REVIEW, division_id__in=headed)
    if in_office:
        review |= Q(state=DraftState.FORM_REVIEW)
    queues = {
        "mine": base.filter(drafter=user).exclude(state=DraftState.ISSUED),
        "review": base.filter(review),
        "sign": base.filter(state=DraftState.APPROVED, signer=user),
        "issue": base.filter(state=DraftState.SIGNED) if Role.CLERK in roles else base.none(),
    }
    comments = (CommentTarget.objects.filter(user=user, answer__isnull=True, request__closed_at__isnull=True,
                                             request__deadline__gte=timezone.localdate())
                .select_related("request", "request__draft", "request__draft__document", "request__requested_by"))
    to_send = (CommentRequest.objects.filter(draft__owner_unit=unit, document__status=DocumentStatus.DRAFT)
               .select_related("draft", "draft__document", "document") if Role.CLERK in roles
               else CommentRequest.objects.none())
    out = {name: list(qs.order_by("-updated_at", "-pk")[:200]) for name, qs in queues.items()}
    out["comments"] = list(comments.order_by("request__deadline", "pk")[:200])
    out["to_send"] = list(to_send.order_by("pk")[:200])
    out["counts"] = {name: len(out[name]) for name in QUEUES}
    out["counts"]["issue"] += len(out["to_send"])
    return out


def comment_table(*, draft: Draft) -> list[dict]:
    """Every person and unit asked, with their answer (the consolidated table), request by request."""
    rows = []
    targets = (CommentTarget.objects.filter(request__draft=draft)
               .select_related("request", "request__version", "user", "unit", "answer", "answer__answered_by")
               .order_by("request__created_at", "pk"))
    for t in targets:
        answer = getattr(t, "answer", None)
        rows.append({
            "target": t, "request": t.request, "who": (t.user.get_full_name() or t.user.username) if t.user_id
            else t.unit.name, "kind": _("Person") if t.user_id else _("Unit"),
            "version": t.request.version.number, "deadline": t.request.deadline,
            "verdict": answer.get_verdict_display() if answer else "", "verdict_code": answer.verdict if answer else "",
            "comment": answer.comment if answer else "", "file": answer.file_name if answer else "",
            "answered_at": answer.answered_at if answer else None,
            "answered_by": (answer.answered_by.get_full_name() or answer.answered_by.username) if answer else "",
        })
    return rows


def _table_head() -> list[str]:
    return [_("No."), _("Asked"), _("Kind"), _("Version"), _("Deadline"), _("Opinion"), _("Comment"), _("File"),
            _("Answered at"), _("Answered by")]


def _table_rows(rows) -> list[list[str]]:
    local = lambda dt: timezone.localtime(dt).strftime("%d/%m/%Y %H:%M") if dt else ""  # noqa: E731
    return [[str(i), r["who"], str(r["kind"]), str(r["version"]), r["deadline"].strftime("%d/%m/%Y"),
             str(r["verdict"] or _("No answer yet")), r["comment"], r["file"], local(r["answered_at"]),
             r["answered_by"]] for i, r in enumerate(rows, start=1)]


def comment_table_xlsx(*, draft: Draft) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Gop y"
    ws.append([_("Comments on the draft: %(s)s") % {"s": draft.document.subject}])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(_table_head())
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in _table_rows(comment_table(draft=draft)):
        ws.append([spreadsheet_safe(c) for c in row])
    for col, width in zip("ABCDEFGHIJ", (5, 30, 10, 8, 12, 16, 60, 20, 17, 24)):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def comment_table_pdf(*, draft: Draft) -> bytes:
    """The same table as a landscape A4 PDF with an embedded Vietnamese font (fpdf2)."""
    from fpdf import FPDF

    from signatures.services.signing import DEFAULT_FONT

    pdf = FPDF(orientation="L", format="A4", unit="mm")
    pdf.add_font("DejaVu", "", str(DEFAULT_FONT))
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font("DejaVu", size=13)
    pdf.multi_cell(0, 7, _("Comments on the draft: %(s)s") % {"s": draft.document.subject})
    pdf.ln(2)
    pdf.set_font("DejaVu", size=8.5)
    widths = (8, 45, 14, 12, 20, 24, 90, 25, 22, 17)
    from fpdf.fonts import FontFace

    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.5,
                   headings_style=FontFace(emphasis="", fill_color=(230, 230, 230))) as table:
        head = table.row()
        for h in _table_head():
            head.cell(h)
        for r in _table_rows(comment_table(draft=draft)):
            row = table.row()
            for value in r:
                row.cell(value)
    return bytes(pdf.output())


def version_diff(*, old_text: str, new_text: str) -> list[dict]:
    """Side-by-side line diff of two versions' extracted text: rows of (kind, old line, new line)."""
    a, b = old_text.splitlines(), new_text.splitlines()
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        left, right = a[i1:i2], b[j1:j2]
        for k in range(max(len(left), len(right))):
            rows.append({"kind": tag, "old": left[k] if k < len(left) else "",
                         "new": right[k] if k < len(right) else ""})
    return rows
