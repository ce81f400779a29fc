"""
The ĐẾN stamp (dấu "Đến", NĐ 30/2020 Phụ lục IV, 35 × 50 mm) on a registered incoming document.

The stamp is drawn on a *derivative copy* of the main file, made when the viewer or the print
asks for it: the signed original stays byte for byte as received (its signatures, the evidence
of receipt, are checked on the original). The copy is made of the original's pages with an
overlay on the first page (pypdf), the stamp drawn with fpdf2 in the portal's Vietnamese font.

Content: the receiving unit's name, ĐẾN, số đến, ngày đến (dd/mm/yyyy, local time), "Chuyển"
(the main handler, once assigned) and "Số và ký hiệu hồ sơ" (the case file; blank until the
records app files it, left for the clerk's pen as on paper).
"""
from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.errors import NotFoundError, StateError

from ..choices import AttachmentKind
from ..models import IncomingRecord

__all__ = ["STAMP_WIDTH_MM", "STAMP_HEIGHT_MM", "incoming_stamp_fields", "incoming_stamped_pdf"]

STAMP_WIDTH_MM, STAMP_HEIGHT_MM = 50, 35
STAMP_X_MM, STAMP_Y_MM = 20, 42  # under the number and notation, in the left column (Phụ lục IV)
MM = 72 / 25.4


def incoming_stamp_fields(*, incoming: IncomingRecord) -> dict:
    """What the stamp says (also shown beside the viewer)."""
    if incoming.incoming_number is None:
        raise StateError(_("The ĐẾN stamp is put on a document once it is entered in the incoming register."))
    handler = incoming.main_handler
    return {
        "unit": incoming.unit.name,
        "number": incoming.incoming_number,
        "date": timezone.localtime(incoming.accepted_at or incoming.arrived_at).strftime("%d/%m/%Y"),
        "time": timezone.localtime(incoming.accepted_at or incoming.arrived_at).strftime("%H:%M"),
        "to": (handler.get_full_name() or handler.username) if handler else "",
        "file": "",
    }


def _stamp_page(fields: dict, width_pt: float, height_pt: float) -> bytes:
    from fpdf import FPDF

    from signatures.services.signing import DEFAULT_FONT

    pdf = FPDF(unit="pt", format=(width_pt, height_pt))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_page()
    pdf.add_font("vi", "", str(DEFAULT_FONT))
    red = (200, 16, 26)
    pdf.set_draw_color(*red)
    pdf.set_text_color(*red)
    pdf.set_line_width(1.2)
    x, y, w, h = STAMP_X_MM * MM, STAMP_Y_MM * MM, STAMP_WIDTH_MM * MM, STAMP_HEIGHT_MM * MM
    pdf.rect(x, y, w, h)
    pad = 2.5 * MM
    pdf.set_font("vi", size=7)
    pdf.set_xy(x + pad, y + pad)
    pdf.multi_cell(w - 2 * pad, 8, fields["unit"].upper()[:80], align="C")
    top = pdf.get_y() + 2
    pdf.set_font("vi", size=14)
    pdf.set_xy(x + pad, top)
    pdf.cell(14 * MM, 16, "ĐẾN")
    pdf.set_font("vi", size=8)
    pdf.set_xy(x + pad + 15 * MM, top)
    pdf.cell(w - 2 * pad - 15 * MM, 9, f"Số: {fields['number']}")
    pdf.set_xy(x + pad + 15 * MM, top + 9)
    pdf.cell(w - 2 * pad - 15 * MM, 9, f"Ngày: {fields['date']}  {fields['time']}")
    pdf.set_xy(x + pad, top + 22)
    pdf.cell(w - 2 * pad, 9, f"Chuyển: {fields['to'][:40]}")
    pdf.set_xy(x + pad, top + 32)
    pdf.cell(w - 2 * pad, 9, f"Số và ký hiệu hồ sơ: {fields['file'] or '………………'}")
    return bytes(pdf.output())


def incoming_stamped_pdf(*, incoming: IncomingRecord) -> bytes:
    """The main file with the ĐẾN stamp on its first page, as a new PDF (the original is not touched)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError

    fields = incoming_stamp_fields(incoming=incoming)
    main = (incoming.document.attachments.filter(kind=AttachmentKind.MAIN, mime_type="application/pdf")
            .order_by("pk").first())
    if main is None:
        raise NotFoundError(_("This document has no PDF main file to stamp."))
    with main.file.open("rb") as fh:
        data = fh.read()
    writer = PdfWriter()
    try:
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise StateError(_("The main file cannot be read as a PDF; open the original instead.")) from exc
    if not writer.pages:
        raise StateError(_("The main file has no page to stamp."))
    first = writer.pages[0]
    box = first.mediabox
    width, height = float(box.width), float(box.height)
    overlay = PdfReader(io.BytesIO(_stamp_page(fields, width, height))).pages[0]
    first.merge_page(overlay)
    writer.add_metadata({"/Title": f"{incoming.document.subject[:120]} — ĐẾN {fields['number']}",
                         "/Subject": "Bản sao có dấu ĐẾN; bản gốc có chữ ký số giữ nguyên trên cổng"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
