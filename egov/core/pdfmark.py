"""
Marked printouts (NĐ 30 Phụ lục VI III.6.k): a copy of a PDF with a discreet footer on every
page ("In từ hệ thống … bởi … lúc …"). The stored original is never touched: the marked copy is
made in memory for one download. It is written as an *incremental update* of the original
(the original bytes, then the added footer), so the signatures in it still verify for the
revision they signed; a viewer reports that the file was changed after signing — which is
what it is, a marked copy. Domain-free: the caller passes the text and the font.
"""
from __future__ import annotations

import io

__all__ = ["pdf_mark", "mark_text"]


def mark_text(*, portal: str, user_name: str, unit_name: str, at) -> str:
    """The footer line, in Vietnamese as the law writes it."""
    who = f"{user_name} ({unit_name})" if unit_name else user_name
    return f"In từ hệ thống {portal} bởi {who} lúc {at:%H:%M %d/%m/%Y}"


def _overlay(width: float, height: float, text: str, font_path: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font("mark", fname=font_path)
    pdf.add_page()
    pdf.set_font("mark", size=7)
    pdf.set_text_color(110, 110, 110)
    pdf.set_xy(18, height - 16)
    pdf.cell(width - 36, 10, text, align="C")
    return bytes(pdf.output())


def pdf_mark(data: bytes, *, text: str, font_path: str) -> bytes:
    """A copy of ``data`` with ``text`` at the foot of every page (incremental update)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(io.BytesIO(data), incremental=True)
    cache: dict[tuple[int, int], object] = {}
    for page in writer.pages:
        box = page.mediabox
        w, h = float(box.width), float(box.height)
        key = (round(w), round(h))
        if key not in cache:
            cache[key] = PdfReader(io.BytesIO(_overlay(w, h, text, font_path))).pages[0]
        rotation = page.get("/Rotate", 0) or 0
        if rotation:
            page.merge_transformed_page(cache[key], _rotation_ctm(rotation, w, h))
        else:
            page.merge_page(cache[key])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _rotation_ctm(rotation: int, w: float, h: float):
    from pypdf import Transformation

    # Keep the footer at the bottom of the page as the reader sees it.
    rotation = int(rotation) % 360
    if rotation == 90:
        return Transformation().rotate(90).translate(w, 0)
    if rotation == 180:
        return Transformation().rotate(180).translate(w, h)
    if rotation == 270:
        return Transformation().rotate(270).translate(0, h)
    return Transformation()
