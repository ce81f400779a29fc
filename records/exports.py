"""
Exports of the file plan and of files as Phụ lục V of NĐ 30 lays them out, and the Phần II
metadata of Phụ lục VI: the index of documents in a file (Mục lục văn bản), the index of files
(Mục lục hồ sơ), the file plan (Danh mục hồ sơ), a whole file as one PDF (index page, then the
documents in date order) and as XML. PDFs are built with fpdf2 (Vietnamese text, embedded TTF)
and merged with pypdf.
"""
from __future__ import annotations

import csv
import io
import logging

from django.utils import timezone
from fpdf import FPDF
from lxml import etree
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from documents.choices import AttachmentKind
from egov.core.exports import spreadsheet_safe
from signatures.services.signing import DEFAULT_FONT

from .choices import COPY_FORM_VI, RETENTION_NAMES_VI
from .models import CaseFile, FilePlan
from .selectors import Row, file_rows

logger = logging.getLogger(__name__)

FILE_XML_NS = "urn:vn:nd30:2020:phuluc6:phan2"


def _fmt(d) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def main_pdf_bytes(doc) -> bytes | None:
    """The document's main file when it is a PDF, else None."""
    att = doc.attachments.filter(kind=AttachmentKind.MAIN).order_by("position", "pk").first()
    if att is None or att.mime_type != "application/pdf" or att.destroyed_at is not None:
        return None
    with att.file.open("rb") as fh:
        return fh.read()


def pdf_pages(data: bytes | None) -> int | None:
    if not data:
        return None
    try:
        return len(PdfReader(io.BytesIO(data)).pages)
    except (PdfReadError, ValueError, OSError):
        return None


def with_pages(rows: list[Row]) -> list[Row]:
    """The rows with ``pages`` counted from each main PDF where the document does not state it."""
    for r in rows:
        if not r.pages:
            r.pages = pdf_pages(main_pdf_bytes(r.document))
    return rows


class _Pdf(FPDF):
    def __init__(self, orientation="P"):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.add_font("vi", "", str(DEFAULT_FONT))
        self.add_font("vi", "B", str(DEFAULT_FONT))
        self.set_auto_page_break(True, margin=15)
        self.set_margins(20, 15, 15)

    def table(self, widths, header, rows, font_size=9):  # noqa: D401 - simple grid
        self.set_font("vi", "B", font_size)
        line = font_size * 0.5
        self._row(widths, header, line, fill=True)
        self.set_font("vi", "", font_size)
        for r in rows:
            self._row(widths, [str(c) for c in r], line)

    def _wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap (fpdf2's dry-run multi_cell is ~10× slower for long tables)."""
        out = []
        for para in str(text).split("\n"):
            current = ""
            for word in para.split(" "):
                trial = f"{current} {word}" if current else word
                if self.get_string_width(trial) <= width:
                    current = trial
                    continue
                if current:
                    out.append(current)
                while self.get_string_width(word) > width and len(word) > 1:  # a word longer than the cell
                    cut = len(word)
                    while cut > 1 and self.get_string_width(word[:cut]) > width:
                        cut -= 1
                    out.append(word[:cut])
                    word = word[cut:]
                current = word
            out.append(current)
        return out or [""]

    def _row(self, widths, cells, line, fill=False):
        # Break each cell into lines once, then draw the lines with cell() (cheap) in a box.
        broken = [self._wrap(c, w - 2) for w, c in zip(widths, cells)]
        h = max(len(lines) for lines in broken) * line
        if self.get_y() + h > self.h - self.b_margin:
            self.add_page()
        x0, y0 = self.get_x(), self.get_y()
        x = x0
        for w, lines in zip(widths, broken):
            self.rect(x, y0, w, h)
            for n, text in enumerate(lines):
                self.set_xy(x + 1, y0 + n * line)
                self.cell(w - 2, line, text)
            x += w
        self.set_xy(x0, y0 + h)


def _heading(pdf: _Pdf, unit_name: str, title: str, sub: str = "") -> None:
    pdf.set_font("vi", "", 10)
    pdf.cell(0, 5, unit_name.upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("vi", "B", 13)
    pdf.cell(0, 7, title, align="C", new_x="LMARGIN", new_y="NEXT")
    if sub:
        pdf.set_font("vi", "", 10)
        pdf.multi_cell(0, 5, sub, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


INDEX_HEADER = ["STT", "Số, ký hiệu", "Ngày tháng", "Tác giả", "Trích yếu nội dung", "Tờ số", "Ghi chú"]


def index_rows(rows: list[Row], pages: dict[int, int | None] | None = None) -> list[list]:
    """Rows of the Mục lục văn bản; ``pages`` (ordinal → pages) gives 'Tờ số' as a running range."""
    out, sheet = [], 1
    for r in rows:
        n = (pages or {}).get(r.ordinal) or r.pages
        span = (f"{sheet}-{sheet + n - 1}" if n and n > 1 else str(sheet)) if n else ""
        if n:
            sheet += n
        note = "" if (pages is None or pages.get(r.ordinal)) else "Không có bản PDF"
        out.append([r.ordinal, r.number_notation or "—", _fmt(r.date), r.author, r.document.subject, span, note])
    return out


def file_index_pdf(case_file: CaseFile, rows: list[Row], pages: dict[int, int | None] | None = None) -> bytes:
    pdf = _Pdf()
    pdf.add_page()
    _heading(pdf, case_file.unit.name, "MỤC LỤC VĂN BẢN",
             f"Hồ sơ số {case_file.code}: {case_file.title}\n"
             f"Thời hạn bảo quản: {RETENTION_NAMES_VI.get(case_file.retention, '')}")
    pdf.table([12, 26, 22, 32, 52, 15, 16], INDEX_HEADER, index_rows(rows, pages))
    return bytes(pdf.output())


def file_pdf(case_file: CaseFile) -> tuple[bytes, int]:
    """The whole file as one PDF: the index page(s), then each document's main PDF in date order."""
    rows = sorted(file_rows(case_file), key=lambda r: (r.date, r.ordinal))
    blobs = {r.ordinal: main_pdf_bytes(r.document) for r in rows}
    pages = {o: pdf_pages(b) for o, b in blobs.items()}
    index = file_index_pdf(case_file, rows, pages)
    writer = PdfWriter()
    writer.append(io.BytesIO(index))
    for r in rows:
        if pages.get(r.ordinal):
            writer.append(io.BytesIO(blobs[r.ordinal]))
    writer.add_metadata({"/Title": f"{case_file.code} {case_file.title}", "/Producer": "egov records"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


def file_metadata(case_file: CaseFile, rows: list[Row] | None = None) -> dict:
    """The 11 fields of a file (Phụ lục VI Phần II) as a dict."""
    rows = with_pages(file_rows(case_file)) if rows is None else rows
    dates = [r.date for r in rows]
    return {
        "FileCode": {"OrganId": case_file.unit.code, "FileCatalog": str(case_file.year),
                     "FileNotation": case_file.code},
        "Title": case_file.title,
        "Maintenance": case_file.retention,
        "Rights": case_file.use_regime,
        "Creator": case_file.unit.name,
        "Language": case_file.language,
        "StartDate": min(dates).isoformat() if dates else "",
        "EndDate": max(dates).isoformat() if dates else "",
        "DocTotal": len(rows),
        "PageTotal": sum(r.pages or 0 for r in rows),
        "Description": case_file.description,
    }


def _sub(parent, tag, text=None):
    el = etree.SubElement(parent, f"{{{FILE_XML_NS}}}{tag}")
    if text is not None:
        el.text = str(text)
    return el


def file_xml(case_file: CaseFile, rows: list[Row] | None = None) -> bytes:
    """The file and its documents with the Phần II metadata (FileCode … Description; DocOrdinal …)."""
    rows = with_pages(file_rows(case_file)) if rows is None else rows
    meta = file_metadata(case_file, rows)
    root = etree.Element(f"{{{FILE_XML_NS}}}File", nsmap={None: FILE_XML_NS})
    code = _sub(root, "FileCode")
    for k, v in meta["FileCode"].items():
        _sub(code, k, v)
    for k in ("Title", "Maintenance", "Rights", "Creator", "Language", "StartDate", "EndDate", "DocTotal",
              "PageTotal", "Description"):
        _sub(root, k, meta[k])
    docs = _sub(root, "Documents")
    for r in rows:
        d, inc = r.document, r.incoming
        el = _sub(docs, "Document")
        fc = _sub(el, "FileCode")
        for k, v in meta["FileCode"].items():
            _sub(fc, k, v)
        _sub(el, "DocOrdinal", r.ordinal)
        _sub(el, "TypeName", d.type_name_vi)
        _sub(el, "CodeNumber", f"{d.number:02d}" if d.number is not None else "")
        _sub(el, "CodeNotation", d.notation)
        _sub(el, "IssuedDate", d.issued_on.isoformat() if d.issued_on else "")
        _sub(el, "OrganName", d.owner_unit.name)
        _sub(el, "Subject", d.subject)
        _sub(el, "Language", "vi")
        _sub(el, "PageAmount", r.pages or "")
        _sub(el, "Description", d.business_reason)
        signer = _sub(el, "SignerInfo")
        _sub(signer, "Position", d.signer_position)
        _sub(signer, "FullName", d.signer_name)
        _sub(el, "Priority", d.urgency)
        _sub(el, "DueDate", d.due_date.isoformat() if d.due_date else "")
        if inc is not None:
            _sub(el, "ArrivalDate", timezone.localtime(inc.arrived_at).isoformat())
            _sub(el, "ArrivalNumber", inc.incoming_number or "")
            _sub(el, "ToPlaces", inc.unit.name)
        else:
            to = _sub(el, "To")
            for disp in d.dispatches.select_related("recipient")[:500]:
                organ = _sub(to, "Organ")
                _sub(organ, "OrganId", disp.recipient.code)
                _sub(organ, "OrganName", disp.recipient.name)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _csv(header, rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([spreadsheet_safe(c) for c in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def file_index_csv(case_file: CaseFile) -> bytes:
    return _csv(INDEX_HEADER, index_rows(with_pages(file_rows(case_file))))


FILES_HEADER = ["Hộp số", "Hồ sơ số", "Tiêu đề hồ sơ", "Thời gian bắt đầu", "Thời gian kết thúc",
                "Thời hạn bảo quản", "Số tờ", "Ghi chú"]


def files_index_rows(files) -> list[list]:
    out = []
    for f in files:
        meta = file_metadata(f)
        out.append(["", f.code, f.title, meta["StartDate"], meta["EndDate"], RETENTION_NAMES_VI.get(f.retention, ""),
                    meta["PageTotal"] or "", f.get_state_display()])
    return out


def files_index_csv(files) -> bytes:
    return _csv(FILES_HEADER, files_index_rows(files))


def files_index_pdf(unit, files) -> bytes:
    pdf = _Pdf("L")
    pdf.add_page()
    _heading(pdf, unit.name, "MỤC LỤC HỒ SƠ")
    pdf.table([15, 30, 90, 28, 28, 30, 17, 24], FILES_HEADER, files_index_rows(files))
    return bytes(pdf.output())


PLAN_HEADER = ["Số và ký hiệu hồ sơ", "Tên đề mục và tiêu đề hồ sơ", "Thời hạn bảo quản",
               "Đơn vị/người lập hồ sơ", "Ghi chú"]


def plan_rows(plan: FilePlan) -> list[list]:
    out, heading = [], None
    for e in plan.entries.select_related("person_in_charge").order_by("position", "number"):
        if e.heading != heading:
            heading = e.heading
            out.append(["", heading.upper(), "", "", ""])
        years = RETENTION_NAMES_VI.get(e.retention, "")
        if e.retention == "07" and e.retention_years:
            years = f"{e.retention_years} năm"
        person = e.person_in_charge.get_full_name() or e.person_in_charge.username if e.person_in_charge else ""
        out.append([e.code, e.title, years, person, e.note])
    return out


def plan_pdf(plan: FilePlan) -> bytes:
    """The file plan in the layout of Phụ lục V (Danh mục hồ sơ)."""
    pdf = _Pdf()
    pdf.add_page()
    _heading(pdf, plan.unit.name, f"DANH MỤC HỒ SƠ CỦA {plan.unit.name.upper()}", f"Năm {plan.year}")
    pdf.table([30, 70, 25, 30, 20], PLAN_HEADER, plan_rows(plan))
    if plan.approved_at:
        pdf.ln(4)
        pdf.set_font("vi", "", 10)
        who = plan.approved_by.get_full_name() or plan.approved_by.username
        pdf.cell(0, 5, f"Duyệt ngày {timezone.localtime(plan.approved_at):%d/%m/%Y}: {who}", align="R")
    return bytes(pdf.output())


def plan_csv(plan: FilePlan) -> bytes:
    rows = [[e.heading, e.number, e.notation, e.title, e.retention, e.retention_years or "", e.use_regime,
             e.person_in_charge.username if e.person_in_charge else "", e.note]
            for e in plan.entries.select_related("person_in_charge").order_by("position", "number")]
    from .services.plans import PLAN_CSV_COLUMNS

    return _csv(PLAN_CSV_COLUMNS, rows)


COPIES_HEADER = ["Số bản sao", "Hình thức sao", "Cách sao", "Văn bản được sao", "Trang (trích sao)", "Số trang",
                 "Người đề nghị", "Ngày đề nghị", "Người ký", "Ngày ký", "Nơi nhận", "SHA-256"]
COPY_MEDIUM_VI = {"e2e": "Điện tử sang điện tử", "e2p": "Điện tử sang giấy", "p2e": "Giấy sang điện tử (chuyển đổi)"}


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def copies_register_rows(records) -> list[list]:
    """The copies register: one line per copy, the running number of the year first."""
    out = []
    for c in records:
        original = f"{c.document.number_notation} {c.document.subject}".strip() if c.document_id \
            else c.source_description
        out.append([c.notation or "", COPY_FORM_VI.get(c.form, c.form), COPY_MEDIUM_VI.get(c.medium, c.medium),
                    original, c.pages, c.page_count or "", _person(c.ordered_by),
                    _fmt(timezone.localtime(c.ordered_at).date()) if c.ordered_at else "", _person(c.signed_by),
                    _fmt(timezone.localtime(c.signed_at).date()) if c.signed_at else "", c.recipients, c.sha256])
    return out


def copies_register_csv(records) -> bytes:
    return _csv(COPIES_HEADER, copies_register_rows(records))
