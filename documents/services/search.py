"""
Content search (NĐ 30 Phụ lục VI III.6.d–h).

Text extraction: every stored file's text is read in the background (``search_index_task``):
the PDF text layer with pypdf (a PDF whose pages have no text is marked ``scanned``; OCR is not
run), DOCX paragraphs and tables from ``word/document.xml``, XLSX cell values with openpyxl.

The index: one ``SearchEntry`` per document as one unit finds it (its own outgoing document, or
its incoming record). The portal normalises the text itself (``egov.core.text.search_key``:
"Công văn" → "cong van"), splits it into words and prefixes every word with the unit
(``u42xcong``). On PostgreSQL the tokens fill a ``tsvector`` (``simple`` configuration: no
stemming, no unaccent extension needed) with a GIN index; on SQLite an FTS5 table. Because the
unit is inside every token:

- a unit never matches another unit's entries (isolation by construction, and the unit is
  checked again in the query);
- a word absent from the unit has no posting list, however common it is in other units, so
  that search costs one index probe — the case where the trigram plan scanned the whole unit.

Ranking: matches in the subject, number, signer or sender (``meta_tsv``, small) rank above
matches in the files' text only; ties newest first. Only the newest ``SEARCH_RANK_WINDOW``
matches are ranked, so that a word found in all of a unit's 100,000 entries costs a bounded
amount of ranking (see ``search_entries``). Snippets are cut from the extracted text
around the first matching word, diacritic-insensitively, and highlighted by the template.
"""
from __future__ import annotations

import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unidecode import unidecode

from egov.core.audit import audit_record
from egov.core.db import service
from egov.core.errors import InvalidInput, NotFoundError, PermissionDeniedError
from egov.core.exports import spreadsheet_safe
from egov.core.text import search_key
from units.choices import Role
from units.models import Membership, Unit

from ..choices import AuditVerb, TextStatus
from ..models import Attachment, AttachmentText, Document, IncomingRecord, SavedSearch, SearchEntry

__all__ = ["extract_text", "attachment_text_extract", "search_index_document", "search_index_enqueue",
           "search_index_sweep",
           "search_tokens", "search_query_words", "search_entries", "search_snippet", "SearchParams",
           "SEARCH_COLUMNS", "SEARCH_ORDERINGS", "saved_search_save", "saved_search_delete", "saved_search_query",
           "search_cells", "search_attach_snippets", "search_export_xlsx", "search_export_pdf", "SEARCH_RANK_WINDOW"]

log = logging.getLogger(__name__)
WORD = re.compile(r"[a-z0-9]+")
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# --- extraction ---------------------------------------------------------------------------------

def _pdf_text(data: bytes) -> tuple[str, str, int]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts = []
    for page in reader.pages:
        try:
            parts.append(page.extract_text() or "")
        except Exception:  # noqa: BLE001 - one broken page does not lose the others
            parts.append("")
    text = "\n".join(parts).strip()
    pages = len(reader.pages)
    if not text:
        return TextStatus.SCANNED, "", pages
    return TextStatus.EXTRACTED, text, pages


def _docx_text(data: bytes) -> str:
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo("word/document.xml")
        if info.file_size > 64 * 2**20:  # a zip bomb is not read
            raise ValueError("document.xml too large")
        xml = z.read(info)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(xml, parser)
    paragraphs = []
    for p in root.iter(f"{W_NS}p"):
        paragraphs.append("".join(t.text or "" for t in p.iter(f"{W_NS}t")))
    return "\n".join(x for x in paragraphs if x)


def _xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out = []
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells = [str(v) for v in row if v is not None and str(v).strip()]
                if cells:
                    out.append(" ".join(cells))
    finally:
        wb.close()
    return "\n".join(out)


def extract_text(data: bytes, mime: str) -> tuple[str, str, int | None]:
    """(status, text, pages) of a file's content."""
    if mime == "application/pdf":
        return _pdf_text(data)
    if mime == DOCX_MIME:
        return TextStatus.EXTRACTED, _docx_text(data), None
    if mime == XLSX_MIME:
        return TextStatus.EXTRACTED, _xlsx_text(data), None
    if mime in ("text/plain", "application/xml", "text/xml"):
        return TextStatus.EXTRACTED, data.decode("utf-8", "replace"), None
    return TextStatus.UNSUPPORTED, "", None


def attachment_text_extract(*, attachment: Attachment) -> AttachmentText:
    """Extract and store the text of one file (derived data: no audit row)."""
    status, text, pages, error = TextStatus.FAILED, "", None, ""
    try:
        with attachment.file.open("rb") as fh:
            data = fh.read()
        status, text, pages = extract_text(data, attachment.mime_type)
    except Exception as exc:  # noqa: BLE001 - a damaged file is marked, not retried for ever
        log.warning("text extraction failed for attachment %s: %r", attachment.pk, exc)
        error = repr(exc)[:500]
    text = unicodedata.normalize("NFC", text.replace("\x00", ""))[:settings.SEARCH_TEXT_MAX_CHARS]
    row, _created = AttachmentText.objects.update_or_create(
        attachment=attachment, defaults={"status": status, "text": text, "pages": pages, "error": error})
    return row


# --- tokens --------------------------------------------------------------------------------------

def _words(text: str) -> list[str]:
    return WORD.findall(search_key(text))


def search_query_words(term: str) -> list[str]:
    """The distinct words a query requires (at most 8), in order."""
    return list(dict.fromkeys(_words(term or "")))[:8]


def search_tokens(unit_id: int, text: str, *, distinct: bool = False, limit: int | None = None) -> str:
    """``u<unit>x<word>`` for each word of ``text`` (space-separated)."""
    words = _words(text)
    if distinct:
        words = list(dict.fromkeys(words))
    if limit is not None:
        words = words[:limit]
    prefix = f"u{unit_id}x"
    return " ".join(prefix + w for w in words)


def _meta_text(doc: Document) -> str:
    """The document's own searchable metadata (the same for every unit that finds it)."""
    parts = [doc.subject, doc.number_notation, doc.notation, doc.signer_name, doc.owner_unit.name,
             doc.owner_unit.short_name, doc.get_doc_type_display(), doc.type_name_vi, doc.document_id]
    return " ".join(str(p) for p in parts if p)


def _record_words(incoming_number) -> list[str]:
    """The words only one recipient's entry has: its incoming number."""
    if not incoming_number:
        return []
    return _words(f"so den {incoming_number}")


def _content_text(doc: Document) -> str:
    texts = AttachmentText.objects.filter(attachment__document=doc, status=TextStatus.EXTRACTED).order_by(
        "attachment__position", "attachment_id").values_list("text", flat=True)
    return "\n".join([doc.content or "", *texts])


def search_index_document(*, document_id: int, dispatch_ids=None) -> int:
    """
    (Re)build the search entries of one document: its owner unit's and every recipient unit's
    that holds a record of it. Files without extracted text are extracted first. Idempotent.
    Returns the number of entries written.

    With ``dispatch_ids`` (a delivery batch), only the records of those dispatches are indexed:
    the owner's entry and the earlier batches' entries are left as they are, so that a
    province-wide send delivered in several batches indexes each recipient once, not each
    batch's predecessors again.

    The document's words are computed once; each entry differs only by its unit prefix (and a
    record's incoming number). On PostgreSQL all vectors are written by one statement.
    """
    doc = Document.objects.select_related("owner_unit").filter(pk=document_id).first()
    if doc is None:
        return 0
    for att in doc.attachments.filter(text__isnull=True, destroyed_at__isnull=True):
        attachment_text_extract(attachment=att)
    content_words = list(dict.fromkeys(_words(_content_text(doc))))[:settings.SEARCH_INDEX_MAX_WORDS]
    meta_words = _words(_meta_text(doc))
    records = IncomingRecord.objects.filter(document=doc).exclude(status="cancelled")
    partial = dispatch_ids is not None
    if partial:
        records = records.filter(dispatch_id__in=list(dispatch_ids))
        targets = []
    else:
        targets = [(doc.owner_unit_id, None, doc.issued_at or doc.created_at, [])]
    targets += [(unit_id, pk, at, _record_words(number))
                for pk, unit_id, at, number in records.values_list("pk", "unit_id", "arrived_at", "incoming_number")]
    if not targets:
        return 0
    with transaction.atomic():
        entries = SearchEntry.objects.filter(document=doc)
        if partial:
            entries = entries.filter(incoming__in=[inc for _u, inc, _at, _x in targets])
        existing = {(unit_id, inc): pk for pk, unit_id, inc in entries.values_list("pk", "unit_id", "incoming_id")}
        new = [t for t in targets if t[:2] not in existing]
        old = [(existing[t[:2]], *t) for t in targets if t[:2] in existing]
        stale = [] if partial else sorted(set(existing.values()) - {pk for pk, *_t in old})
        _write_entries(doc, new, old, meta_words, content_words, stale)
        if stale:
            SearchEntry.objects.filter(pk__in=stale).delete()
    return len(targets)


# The vectors of one entry, from its unit's prefix (``v.prefix``), its metadata tokens (``v.meta``)
# and the document's content words (``c.words``, sent once for all entries).
_PG_META_TSV = "to_tsvector('simple', v.meta)"
_PG_TSV = ("setweight(to_tsvector('simple', v.meta), 'A') || to_tsvector('simple', "
           "coalesce((SELECT string_agg(v.prefix || w.word, ' ' ORDER BY w.n) "
           "FROM unnest(c.words) WITH ORDINALITY AS w(word, n)), ''))")


def _write_entries(doc: Document, new: list[tuple], old: list[tuple], meta_words: list[str],
                   content_words: list[str], stale: list[int]) -> None:
    """
    Write the entries: ``new`` as (unit, incoming, at, extra words), ``old`` as (pk, unit, …).
    Each entry's tokens are its unit's prefix on the document's words: the metadata
    (``meta_tsv``) and all of them (``tsv``).
    """
    def meta(unit_id, extra):
        prefix = f"u{unit_id}x"
        return " ".join(prefix + w for w in (*meta_words, *extra))

    if connection.vendor == "postgresql":
        # One statement for the new entries and one for the existing ones (a province-wide send
        # made 452 UPDATE round trips and built 452 model instances before).
        with connection.cursor() as cur:
            if new:
                # A concurrent run for the same document may have made some: theirs are kept.
                cur.execute(
                    "WITH c AS (SELECT %s::text[] AS words) "
                    "INSERT INTO documents_searchentry (unit_id, document_id, incoming_id, at, indexed_at, meta_tsv, tsv) "
                    f"SELECT v.unit_id, %s, v.incoming_id, v.at, now(), {_PG_META_TSV}, {_PG_TSV} "
                    "FROM c, unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::timestamptz[]) "
                    "AS v(unit_id, incoming_id, prefix, meta, at) ON CONFLICT DO NOTHING",
                    [content_words, doc.pk, [u for u, *_r in new], [inc for _u, inc, *_r in new],
                     [f"u{u}x" for u, *_r in new], [meta(u, extra) for u, _i, _at, extra in new],
                     [at for _u, _i, at, _x in new]])
            if old:
                cur.execute(
                    "WITH c AS (SELECT %s::text[] AS words) "
                    f"UPDATE documents_searchentry e SET at = v.at, indexed_at = now(), meta_tsv = {_PG_META_TSV}, "
                    f"tsv = {_PG_TSV} "
                    "FROM c, unnest(%s::bigint[], %s::text[], %s::text[], %s::timestamptz[]) AS v(id, prefix, meta, at) "
                    "WHERE e.id = v.id",
                    [content_words, [pk for pk, *_r in old], [f"u{u}x" for _pk, u, *_r in old],
                     [meta(u, extra) for _pk, u, _i, _at, extra in old], [at for _pk, _u, _i, at, _x in old]])
        return
    # SQLite (development): the rows through the ORM, the tokens into the FTS5 table.
    if new:
        SearchEntry.objects.bulk_create([SearchEntry(unit_id=u, document=doc, incoming_id=inc, at=at)
                                         for u, inc, at, _x in new], batch_size=500, ignore_conflicts=True)
        made = dict(((u, inc), pk) for pk, u, inc in SearchEntry.objects.filter(document=doc).values_list(
            "pk", "unit_id", "incoming_id"))
        old = old + [(made[(u, inc)], u, inc, at, extra) for u, inc, at, extra in new]
    with connection.cursor() as cur:
        cur.executemany("UPDATE documents_searchentry SET at = %s, indexed_at = %s WHERE id = %s",
                        [(at, timezone.now(), pk) for pk, _u, _i, at, _x in old])
        if stale:
            cur.execute(f"DELETE FROM documents_searchentry_fts WHERE rowid IN ({','.join('%s' for _ in stale)})",
                        stale)
        cur.executemany("INSERT OR REPLACE INTO documents_searchentry_fts(rowid, meta, body) VALUES (%s, %s, %s)",
                        [(pk, meta(u, extra), " ".join(f"u{u}x" + w for w in content_words))
                         for pk, u, _i, _at, extra in old])


def search_index_enqueue(document_ids, *, dispatch_ids=None) -> None:
    """
    Index these documents in the background once the caller's transaction commits; with
    ``dispatch_ids`` (a delivery batch), only those dispatches' records.
    """
    ids = sorted({int(i) for i in document_ids})
    if not ids:
        return
    from ..tasks import search_index_task

    if dispatch_ids is None:
        transaction.on_commit(lambda: search_index_task.delay(ids), robust=True)
    else:
        only = sorted({int(i) for i in dispatch_ids})
        transaction.on_commit(lambda: search_index_task.delay(ids, dispatch_ids=only), robust=True)


def search_index_sweep(*, now=None, limit: int | None = None) -> int:
    """
    Beat (``search-index-sweep``): index what a lost ``search_index_task`` left out. The task is
    published after the delivery or issue commits; when the broker is down at that moment the
    message is lost (the delivery itself is not), and the records would never be found by search.

    Looks at the records that arrived, and the documents issued by local units, between
    SEARCH_SWEEP_WINDOW seconds and SEARCH_SWEEP_GRACE seconds ago (the newest are left to their
    own task) that have no search entry, at most ``limit`` (SEARCH_SWEEP_BATCH) of each, and
    indexes them here, as the lost task would have. On PostgreSQL the time ranges are read through
    BRIN / partial indexes (migration 0019_h17_search_sweep), the entries through their unique
    and document indexes. Returns the number of entries written.
    """
    from django.db.models import Exists, OuterRef

    now = now or timezone.now()
    limit = limit or settings.SEARCH_SWEEP_BATCH
    since = now - timedelta(seconds=settings.SEARCH_SWEEP_WINDOW)
    until = now - timedelta(seconds=settings.SEARCH_SWEEP_GRACE)
    missing = (IncomingRecord.objects.filter(arrived_at__gte=since, arrived_at__lt=until, search_entry__isnull=True)
               .exclude(status="cancelled").order_by("arrived_at", "pk").values_list("document_id", "dispatch_id")[:limit])
    by_document: dict[int, list[int]] = {}
    for document_id, dispatch_id in missing:
        by_document.setdefault(document_id, []).append(dispatch_id)
    owner_entry = SearchEntry.objects.filter(document=OuterRef("pk"), unit=OuterRef("owner_unit"),
                                             incoming__isnull=True)
    outgoing = list(Document.objects.filter(issued_at__gte=since, issued_at__lt=until, owner_unit__is_local=True)
                    .exclude(Exists(owner_entry)).order_by("issued_at", "pk").values_list("pk", flat=True)[:limit])
    written = 0
    for document_id in outgoing:  # the whole document: its owner's entry and every record's
        written += search_index_document(document_id=document_id)
        by_document.pop(document_id, None)
    for document_id, dispatch_ids in by_document.items():
        written += search_index_document(document_id=document_id, dispatch_ids=dispatch_ids)
    if written:
        log.warning("search index sweep: %d entries written for %d records and %d documents whose indexing "
                    "task was lost", written, sum(len(v) for v in by_document.values()), len(outgoing))
    return written


# --- query ---------------------------------------------------------------------------------------

SEARCH_COLUMNS = {  # key: (label, shown by default)
    "date": (gettext_lazy("Date"), True),
    "direction": (gettext_lazy("Direction"), True),
    "number": (gettext_lazy("Number and notation"), True),
    "incoming_number": (gettext_lazy("Incoming number"), False),
    "type": (gettext_lazy("Type"), False),
    "subject": (gettext_lazy("Subject"), True),
    "sender": (gettext_lazy("Issuing unit"), True),
    "signer": (gettext_lazy("Signer"), False),
    "status": (gettext_lazy("Status"), False),
    "deadline": (gettext_lazy("Deadline"), False),
    "handler": (gettext_lazy("Main handler"), False),
    "snippet": (gettext_lazy("Excerpt"), True),
}
SEARCH_ORDERINGS = {"relevance": ("-rank", "-at", "-pk"), "newest": ("-at", "-pk"), "oldest": ("at", "pk")}


@dataclass
class SearchParams:
    q: str = ""
    direction: str = ""  # "" | "incoming" | "outgoing"
    date_from: object = None
    date_to: object = None
    ordering: str = "relevance"
    columns: list[str] = field(default_factory=lambda: [k for k, (_l, d) in SEARCH_COLUMNS.items() if d])


def _tsquery(words: list[str], unit_id: int) -> str:
    return " & ".join(f"u{unit_id}x{w}" for w in words)


def _fts5_match(words: list[str], unit_id: int) -> str:
    return " ".join(f'"u{unit_id}x{w}"' for w in words)


def _visible(qs: QuerySet, *, user, unit: Unit) -> QuerySet:
    """A specialist (without a unit-wide role) finds the unit's outgoing documents and the records assigned to them."""
    roles = set(Membership.objects.filter(user=user, unit=unit, is_active=True).values_list("role", flat=True))
    if not roles:
        return qs.none()
    if roles & {Role.CLERK, Role.LEADER, Role.UNIT_ADMIN}:
        return qs
    from ..selectors import incoming_visible_to

    return qs.filter(Q(incoming__isnull=True) | Q(incoming__in=incoming_visible_to(user=user, unit=unit)
                                                  .values("pk")))


SEARCH_RANK_WINDOW = 2000  # relevance ranks the newest this many matches (settings.SEARCH_RANK_WINDOW)


def _rank_window() -> int:
    return int(getattr(settings, "SEARCH_RANK_WINDOW", SEARCH_RANK_WINDOW))


def search_entries(*, user, unit: Unit, params: SearchParams, window: int | None = None) -> QuerySet[SearchEntry]:
    """
    The unit's entries matching every word of ``params.q`` (diacritic-insensitive), filtered,
    with ``rank`` and ordered as asked. Never another unit's entries; a specialist sees only
    what they may read. An empty query lists by the filters alone.

    Ordered by relevance, the newest ``window`` matches (default ``SEARCH_RANK_WINDOW``) are
    ranked: the matches are found in the index and cut to the newest ones by their date alone,
    and only those rows are ranked and joined. Without it a common word ranked and sorted every one of the
    unit's matching rows. Newest/oldest need no rank: the first page is a top-N by date.
    """
    qs = SearchEntry.objects.filter(unit=unit)
    words = search_query_words(params.q)
    if words:
        if connection.vendor == "postgresql":
            qs = qs.filter(RawSQL("documents_searchentry.tsv @@ to_tsquery('simple', %s)", [_tsquery(words, unit.pk)],
                                  output_field=BooleanField()))
        else:
            qs = qs.filter(RawSQL("documents_searchentry.id IN (SELECT rowid FROM documents_searchentry_fts "
                                  "WHERE documents_searchentry_fts MATCH %s)", [_fts5_match(words, unit.pk)],
                                  output_field=BooleanField()))
    if params.direction == "incoming":
        qs = qs.filter(incoming__isnull=False)
    elif params.direction == "outgoing":
        qs = qs.filter(incoming__isnull=True)
    if params.date_from:
        qs = qs.filter(at__date__gte=params.date_from)
    if params.date_to:
        qs = qs.filter(at__date__lte=params.date_to)
    qs = _visible(qs, user=user, unit=unit)
    ordering = params.ordering if params.ordering in SEARCH_ORDERINGS else "relevance"
    if words and ordering == "relevance":
        # The candidates: the newest matches (every filter applied), by date alone; then rank them.
        # Read as a query of its own, not as a subquery: the raw ``tsv @@`` condition names the
        # table, which inside a subquery would mean the outer query's row (a correlated subquery).
        candidates = list(qs.order_by("-at", "-pk").values_list("pk", flat=True)[:window or _rank_window()])
        qs = SearchEntry.objects.filter(pk__in=candidates)
        if connection.vendor == "postgresql":
            qs = qs.annotate(rank=RawSQL("ts_rank(documents_searchentry.meta_tsv, to_tsquery('simple', %s))",
                                         [_tsquery(words, unit.pk)], output_field=FloatField()))
        else:
            qs = qs.annotate(rank=RawSQL(
                "(SELECT -bm25(documents_searchentry_fts, 10.0, 1.0) FROM documents_searchentry_fts "
                "WHERE documents_searchentry_fts MATCH %s AND rowid = documents_searchentry.id)",
                [_fts5_match(words, unit.pk)], output_field=FloatField()))
    else:
        qs = qs.annotate(rank=RawSQL("0", [], output_field=FloatField()))
    return qs.select_related("document", "document__owner_unit", "incoming", "incoming__main_handler",
                             "incoming__sender").order_by(*SEARCH_ORDERINGS[ordering])


# --- snippets ------------------------------------------------------------------------------------

def _fold_table() -> dict[int, str]:
    """One character to one character (lower case, no diacritics), so that offsets are kept."""
    table = {}
    for cp in range(0xC0, 0x2000):
        ch = chr(cp)
        folded = unidecode(ch.replace("Đ", "D").replace("đ", "d")).lower()
        if len(folded) == 1 and folded != ch:
            table[cp] = folded
    return table


_FOLD = None


def _fold(text: str) -> str:
    global _FOLD
    if _FOLD is None:
        _FOLD = _fold_table()
    return unicodedata.normalize("NFC", text).translate(_FOLD).lower()


def search_snippet(text: str, words: list[str], *, width: int = 220) -> list[tuple[str, bool]]:
    """
    A window of ``text`` around the first matching word, as (part, highlighted) pairs for the
    template (which escapes each part). Empty when no word occurs.
    """
    if not text or not words:
        return []
    text = unicodedata.normalize("NFC", text[:200_000])
    folded = _fold(text)
    pattern = re.compile(r"(?<![a-z0-9])(" + "|".join(re.escape(w) for w in words) + r")(?![a-z0-9])")
    first = pattern.search(folded)
    if first is None:
        return []
    start = max(0, first.start() - width // 3)
    end = min(len(text), start + width)
    parts, pos = [], start
    for m in pattern.finditer(folded, start, end):
        if m.start() > pos:
            parts.append((text[pos:m.start()], False))
        parts.append((text[m.start():m.end()], True))
        pos = m.end()
    if pos < end:
        parts.append((text[pos:end], False))
    if start > 0:
        parts.insert(0, ("…", False))
    if end < len(text):
        parts.append(("…", False))
    return [(re.sub(r"\s+", " ", p), hl) for p, hl in parts]


# --- saved searches ------------------------------------------------------------------------------

@service
def saved_search_save(*, user, unit: Unit, name: str, params: dict, columns: list[str], ordering: str) -> SavedSearch:
    """Save (or replace, by name) a user's query in a unit: the terms and filters, the columns, the order."""
    if not Membership.objects.filter(user=user, unit=unit, is_active=True).exists():
        raise PermissionDeniedError(_("You do not work in %(unit)s.") % {"unit": unit.name})
    name = (name or "").strip()[:100]
    if not name:
        raise InvalidInput(_("Give the search a name."), field="name")
    allowed = {"q", "direction", "date_from", "date_to"}
    clean = {k: str(v)[:200] for k, v in params.items() if k in allowed and v not in (None, "")}
    columns = [c for c in columns if c in SEARCH_COLUMNS] or [k for k, (_l, d) in SEARCH_COLUMNS.items() if d]
    ordering = ordering if ordering in SEARCH_ORDERINGS else "relevance"
    saved, _created = SavedSearch.objects.update_or_create(
        user=user, unit=unit, name=name, defaults={"params": clean, "columns": columns, "ordering": ordering})
    audit_record(actor=user, unit=unit, verb=AuditVerb.SEARCH_SAVED, obj=saved,
                 details={"name": name, "params": clean, "columns": columns, "ordering": ordering})
    return saved


@service
def saved_search_delete(*, saved: SavedSearch, user) -> None:
    if saved.user_id != user.pk:
        raise NotFoundError(_("No such saved search."))
    audit_record(actor=user, unit=saved.unit, verb=AuditVerb.SEARCH_DELETED, obj=saved, details={"name": saved.name})
    saved.delete()


def saved_search_query(saved: SavedSearch) -> str:
    """The query string that reopens a saved search."""
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    for k, v in saved.params.items():
        q[k] = v
    q["ordering"] = saved.ordering
    q.setlist("columns", saved.columns)
    q["saved"] = str(saved.pk)
    return q.urlencode()


# --- exports -------------------------------------------------------------------------------------

def search_cells(entry: SearchEntry, columns: list[str], words: list[str]) -> list:
    """The values of one result row for the chosen columns (plain text)."""
    doc, rec = entry.document, entry.incoming
    values = {
        "date": timezone.localtime(entry.at).strftime("%d/%m/%Y"),
        "direction": str(_("Incoming")) if rec else str(_("Outgoing")),
        "number": doc.number_notation,
        "incoming_number": rec.incoming_number if rec and rec.incoming_number else "",
        "type": doc.type_name_vi,
        "subject": doc.subject,
        "sender": doc.owner_unit.name,
        "signer": doc.signer_name,
        "status": rec.get_status_display() if rec else doc.get_status_display(),
        "deadline": rec.deadline.strftime("%d/%m/%Y") if rec and rec.deadline else "",
        "handler": (rec.main_handler.get_full_name() or rec.main_handler.username) if rec and rec.main_handler else "",
        "snippet": "".join(p for p, _hl in getattr(entry, "snippet", []) or []),
    }
    return [values[c] for c in columns]


def search_attach_snippets(entries: list[SearchEntry], words: list[str]) -> None:
    """Cut each result's snippet from its files' text (one query for the page)."""
    if not entries or not words:
        for e in entries:
            e.snippet = []
        return
    texts: dict[int, list[str]] = {}
    for doc_id, text in (AttachmentText.objects.filter(attachment__document_id__in={e.document_id for e in entries},
                                                        status=TextStatus.EXTRACTED)
                         .order_by("attachment__position").values_list("attachment__document_id", "text")):
        texts.setdefault(doc_id, []).append(text)
    for e in entries:
        e.snippet = []
        for text in [e.document.content, *texts.get(e.document_id, [])]:
            e.snippet = search_snippet(text or "", words)
            if e.snippet:
                break


def search_export_xlsx(*, entries, columns: list[str], words: list[str], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Ket qua"
    ws.append([spreadsheet_safe(title)])
    ws.append([spreadsheet_safe(str(SEARCH_COLUMNS[c][0])) for c in columns])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for e in entries:
        ws.append([spreadsheet_safe(v) for v in search_cells(e, columns, words)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def search_export_pdf(*, entries, columns: list[str], words: list[str], title: str) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("dejavu", fname=settings.PRINT_MARK_FONT)
    pdf.add_page()
    pdf.set_font("dejavu", size=12)
    pdf.multi_cell(0, 7, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("dejavu", size=8)
    widths = {"subject": 4, "snippet": 5, "sender": 2.5, "handler": 2}
    with pdf.table(col_widths=tuple(widths.get(c, 1.4) for c in columns), line_height=4.5,
                   headings_style=FontFace(emphasis=None, fill_color=(230, 230, 230))) as table:
        table.row([str(SEARCH_COLUMNS[c][0]) for c in columns])
        for e in entries:
            table.row([str(v) for v in search_cells(e, columns, words)])
    return bytes(pdf.output())
