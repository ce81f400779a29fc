"""
Where the competent person's signature image goes (NĐ 30 Phụ lục I): centred between the
line of the signer's title and the line of their name, in the signer block of the last page.
The lines are found in the PDF's text (pypdf); a file whose text cannot be read gets the
usual place at the bottom right of the last page.
"""
from __future__ import annotations

import io
import logging

from egov.core.text import search_key

logger = logging.getLogger(__name__)

__all__ = ["signature_box_for", "pdf_text_lines", "pdf_text"]

IMAGE_W, IMAGE_H = 150.0, 60.0


def pdf_text_lines(pdf: bytes, *, page: int = -1) -> list[tuple[str, float, float]]:
    """(text, x, y) of each text run on ``page`` (PDF coordinates, origin bottom left)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf), strict=False)
    target = reader.pages[page]
    runs: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        runs.append((text.strip(), x, y))

    target.extract_text(visitor_text=visit)
    return runs


def pdf_text(pdf: bytes) -> str:
    """The text of every page, page by page (for comparing versions)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        return "\n\f\n".join((p.extract_text() or "").strip() for p in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        logger.info("no text from PDF: %s", exc)
        return ""


def signature_box_for(pdf: bytes, *, signer_name: str, default=(330, 120, 530, 200)) -> tuple[int, tuple]:
    """
    (page index, box) for the signature image: above the line holding ``signer_name`` on the
    last page and below the line above it (the signer's title), centred on the name.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    key = search_key(signer_name)
    if not key:
        return -1, default
    try:
        pages = len(PdfReader(io.BytesIO(pdf), strict=False).pages)
        runs = pdf_text_lines(pdf, page=pages - 1)
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError) as exc:
        logger.info("signer block not found: %s", exc)
        return -1, default
    names = [(x, y, t) for t, x, y in runs if key in search_key(t)]
    if not names:
        return -1, default
    x, y, text = min(names, key=lambda r: r[1])  # the lowest occurrence: the signature line, not the body
    width = 0.5 * 11 * len(text)  # ~11 pt serif: half an em per character
    centre = x + width / 2
    above = [ry for _t, rx, ry in runs if ry > y + 12 and abs(rx + 0.25 * 11 * len(_t) - centre) < 200]
    top = min(above) - 4 if above else y + 14 + IMAGE_H
    bottom = y + 12
    height = max(30.0, min(IMAGE_H * 1.5, top - bottom))
    x0 = centre - IMAGE_W / 2
    return pages - 1, (round(x0), round(bottom), round(x0 + IMAGE_W), round(bottom + height))
