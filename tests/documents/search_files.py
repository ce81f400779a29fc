"""Small real files for the search tests: a PDF with a text layer, a scanned-like PDF, a DOCX, an XLSX."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

FONT = Path(__file__).resolve().parents[2] / "signatures" / "static" / "signatures" / "DejaVuSerif-vi-1000upem.ttf"


def pdf_with_text(*lines: str, pages: int = 1) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("dejavu", fname=str(FONT))
    for _ in range(pages):
        pdf.add_page()
        pdf.set_font("dejavu", size=12)
        for line in lines:
            pdf.multi_cell(0, 8, line)
    return bytes(pdf.output())


def pdf_without_text() -> bytes:
    """A page with drawing only, as a scanner without OCR would produce (no text layer)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(40, 40, 40)
    pdf.rect(20, 20, 100, 60, style="F")
    return bytes(pdf.output())


def docx_with_text(*paragraphs: str) -> bytes:
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{ns}">'
                   f"<w:body>{body}</w:body></w:document>")
    return buf.getvalue()


def xlsx_with_cells(*rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
