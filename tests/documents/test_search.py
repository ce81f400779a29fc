"""Content search: extraction, unit-scoped index, diacritics, ranking, snippets, isolation (issue 14)."""
import datetime
from unittest import mock

import pytest

from documents.choices import TextStatus
from documents.models import AttachmentText, IncomingRecord, SearchEntry
from documents.services import (
    SearchParams,
    attachment_add,
    deliver_local_batch,
    document_create,
    document_issue,
    document_send,
    incoming_accept,
    incoming_assign,
    search_entries,
    search_index_document,
    search_snippet,
)
from documents.tasks import deliver_local_batch_task, search_index_task
from tests.documents.search_files import docx_with_text, pdf_with_text, pdf_without_text, xlsx_with_cells
from tests.factories import allow_issue_on_another_day

pytestmark = pytest.mark.django_db


def _doc(unit, clerk, subject, main: bytes, appendices=(), **fields):
    doc = document_create(owner_unit=unit, acting_user=clerk, subject=subject, doc_type="CV", notation_suffix="VP",
                          signer_name=fields.pop("signer_name", "Nguyễn Văn A"), signer_position="Giám đốc",
                          **fields)
    attachment_add(document=doc, acting_user=clerk, upload=main, name="van-ban.pdf")
    for name, data in appendices:
        attachment_add(document=doc, acting_user=clerk, upload=data, name=name, kind="appendix")
    allow_issue_on_another_day(clerk)  # dated for the fixed year the tests expect
    return document_issue(document=doc, acting_user=clerk, issued_on=datetime.date(2026, 3, 5))


def _send(doc, clerk, units):
    with mock.patch.object(deliver_local_batch_task, "delay"):
        dispatches = document_send(document=doc, acting_user=clerk, units=units)
    deliver_local_batch(dispatch_ids=[d.pk for d in dispatches])
    search_index_document(document_id=doc.pk)


def _find(user, unit, q, **kw):
    return list(search_entries(user=user, unit=unit, params=SearchParams(q=q, **kw)))


@pytest.fixture
def corpus(province):
    """SNV sends two documents to commune 0; STC sends one full of 'ngân sách' to commune 1 only."""
    snv_clerk, stc_clerk = province.clerk(province.snv), province.clerk(province.stc)
    c0, c1 = province.communes[0], province.communes[1]
    a = _doc(province.snv, snv_clerk, "Về việc kiện toàn bộ máy công văn",
             pdf_with_text("Đề nghị Ủy ban nhân dân xã rà soát hồ sơ cán bộ."),
             appendices=[("phu-luc.docx", docx_with_text("Danh sách thôn Đồng Tâm")),
                         ("so-lieu.xlsx", xlsx_with_cells(("Thôn", "Số hộ"), ("Bản Khê", 120)))])
    b = _doc(province.snv, snv_clerk, "Báo cáo tình hình thiên tai",
             pdf_with_text("Thống kê thiệt hại do bão số 3; kiện toàn lực lượng xung kích."))
    c = _doc(province.stc, stc_clerk, "Hướng dẫn lập dự toán ngân sách",
             pdf_with_text("Ngân sách xã năm 2027 lập theo Luật Ngân sách nhà nước."))
    _send(a, snv_clerk, [c0])
    _send(b, snv_clerk, [c0])
    _send(c, stc_clerk, [c1])
    return {"a": a, "b": b, "c": c}


def test_texts_are_extracted_and_scanned_pdfs_marked(province):
    clerk = province.clerk(province.snv)
    doc = _doc(province.snv, clerk, "Bản quét", pdf_without_text(),
               appendices=[("phu-luc.docx", docx_with_text("Kinh phí hỗ trợ")),
                           ("bang.xlsx", xlsx_with_cells(("Huyện", "Kinh phí"), ("Mường Tè", 15)))])
    assert search_index_task.run([doc.pk]) == 1  # the owner's entry only: not sent yet
    texts = {t.attachment.original_name: t for t in AttachmentText.objects.filter(attachment__document=doc)}
    assert texts["van-ban.pdf"].status == TextStatus.SCANNED and texts["van-ban.pdf"].pages == 1
    assert texts["phu-luc.docx"].status == TextStatus.EXTRACTED and "Kinh phí hỗ trợ" in texts["phu-luc.docx"].text
    assert "Mường Tè 15" in texts["bang.xlsx"].text
    # extraction runs once: re-indexing does not read the files again
    with mock.patch("documents.services.search.attachment_text_extract") as again:
        search_index_document(document_id=doc.pk)
    again.assert_not_called()


def test_content_search_is_diacritic_insensitive_and_covers_every_field(province, corpus):
    c0 = province.communes[0]
    clerk = province.clerk(c0)
    # the appendices' text, without diacritics
    assert [e.document for e in _find(clerk, c0, "dong tam")] == [corpus["a"]]
    assert [e.document for e in _find(clerk, c0, "Bản Khê")] == [corpus["a"]]
    assert [e.document for e in _find(clerk, c0, "ra soat ho so")] == [corpus["a"]]  # main PDF text
    assert [e.document for e in _find(clerk, c0, "thiệt hại bão")] == [corpus["b"]]
    # number and notation, signer, sender
    assert {e.document for e in _find(clerk, c0, corpus["a"].number_notation)} == {corpus["a"]}
    assert len(_find(clerk, c0, "nguyen van a")) == 2
    assert len(_find(clerk, c0, "so noi vu")) == 2
    # every word must occur
    assert _find(clerk, c0, "dong tam thien tai") == []


def test_subject_matches_rank_above_content_matches(province, corpus):
    c0 = province.communes[0]
    found = _find(province.clerk(c0), c0, "kien toan")
    assert [e.document for e in found] == [corpus["a"], corpus["b"]]  # a: in the subject; b: in its text only
    assert found[0].rank > found[1].rank
    newest = _find(province.clerk(c0), c0, "kien toan", ordering="newest")
    assert [e.document for e in newest] == [corpus["b"], corpus["a"]]


def test_results_are_per_unit_only(province, corpus):
    c0, c1 = province.communes[0], province.communes[1]
    # "ngân sách" is all over commune 1 and the issuing department, absent from commune 0
    assert _find(province.clerk(c0), c0, "ngan sach") == []
    assert [e.document for e in _find(province.clerk(c1), c1, "ngan sach")] == [corpus["c"]]
    assert [e.incoming.unit for e in _find(province.clerk(c1), c1, "ngan sach")] == [c1]
    # the issuing unit finds its own outgoing document
    stc = _find(province.clerk(province.stc), province.stc, "ngan sach")
    assert [(e.document, e.incoming) for e in stc] == [(corpus["c"], None)]
    # someone without a role in the unit finds nothing
    assert _find(province.clerk(c0), c1, "ngan sach") == []
    # direction filter
    assert _find(province.clerk(province.stc), province.stc, "ngan sach", direction="incoming") == []


def test_a_specialist_finds_only_what_is_assigned_to_them(province, corpus):
    c0 = province.communes[0]
    specialist = province.specialist(c0)
    assert _find(specialist, c0, "kien toan") == []
    rec = IncomingRecord.objects.get(unit=c0, document=corpus["b"])
    rec = incoming_accept(incoming=rec, acting_user=province.clerk(c0))
    incoming_assign(incoming=rec, acting_user=province.leader(c0), main_handler=specialist)
    assert [e.document for e in _find(specialist, c0, "kien toan")] == [corpus["b"]]


def test_reindexing_is_idempotent_and_drops_cancelled_records(province, corpus):
    before = SearchEntry.objects.count()
    search_index_document(document_id=corpus["a"].pk)
    assert SearchEntry.objects.count() == before == 6  # 3 outgoing + 3 incoming
    IncomingRecord.objects.filter(document=corpus["a"]).update(status="cancelled")
    search_index_document(document_id=corpus["a"].pk)
    assert SearchEntry.objects.count() == 5
    assert _find(province.clerk(province.communes[0]), province.communes[0], "dong tam") == []


def test_snippet_highlights_the_words_whatever_the_diacritics():
    text = "Căn cứ Luật Tổ chức chính quyền địa phương; đề nghị Ủy ban nhân dân xã rà soát hồ sơ cán bộ ngay."
    parts = search_snippet(text, ["ra", "soat"], width=60)
    highlighted = [p for p, hl in parts if hl]
    assert highlighted == ["rà", "soát"]
    assert "".join(p for p, _hl in parts).replace("…", "").strip() in text
    assert search_snippet(text, ["ngan"]) == []


def test_relevance_ranks_the_newest_window_of_matches(province, corpus, settings):
    """With more matches than SEARCH_RANK_WINDOW, only the newest ones are ranked; dates still order all."""
    c0 = province.communes[0]
    clerk = province.clerk(c0)
    # a (subject match) arrived before b (text match): a window of one keeps only b, the newest
    SearchEntry.objects.filter(incoming__document=corpus["a"], unit=c0).update(
        at=SearchEntry.objects.get(incoming__document=corpus["b"], unit=c0).at - datetime.timedelta(days=1))
    settings.SEARCH_RANK_WINDOW = 1
    assert [e.document for e in _find(clerk, c0, "kien toan")] == [corpus["b"]]
    # the window holds the newest *matches*, not the unit's newest entries: a, older than b, is found
    assert [e.document for e in _find(clerk, c0, "dong tam")] == [corpus["a"]]
    assert [e.document for e in _find(clerk, c0, "kien toan", ordering="oldest")] == [corpus["a"], corpus["b"]]
    # an explicit window (the exports') ranks more; the filters apply before the window is cut
    wide = search_entries(user=clerk, unit=c0, params=SearchParams(q="kien toan"), window=10)
    assert [e.document for e in wide] == [corpus["a"], corpus["b"]]
    assert [e.document for e in _find(clerk, c0, "kien toan", date_to=corpus["b"].issued_on - datetime.timedelta(
        days=400))] == []
    settings.SEARCH_RANK_WINDOW = 2
    assert [e.document for e in _find(clerk, c0, "kien toan")] == [corpus["a"], corpus["b"]]
    # the window is the unit's: another unit's matches never take a place in it
    assert _find(province.clerk(c0), c0, "ngan sach") == []


def _vectors(doc):
    """Each entry's (unit, incoming, at, meta_tsv, tsv) as text, or the FTS5 row on SQLite."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT unit_id, incoming_id, at, meta_tsv::text, tsv::text FROM documents_searchentry "
                        "WHERE document_id = %s ORDER BY unit_id, incoming_id", [doc.pk])
        else:
            cur.execute("SELECT e.unit_id, e.incoming_id, e.at, f.meta, f.body FROM documents_searchentry e "
                        "JOIN documents_searchentry_fts f ON f.rowid = e.id WHERE e.document_id = %s "
                        "ORDER BY e.unit_id, e.incoming_id", [doc.pk])
        return cur.fetchall()


def test_a_delivery_batch_indexes_only_its_own_records_and_matches_a_full_rebuild(province):
    """
    A send delivered in several batches indexes each recipient once (the earlier batches' entries
    are not rewritten), and the result is the same as rebuilding the document's entries whole.
    """
    clerk = province.clerk(province.snv)
    doc = _doc(province.snv, clerk, "Kế hoạch chuyển đổi số năm 2027",
               pdf_with_text("Triển khai nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh."))
    search_index_document(document_id=doc.pk)
    owner_entry = SearchEntry.objects.get(document=doc)
    with mock.patch.object(deliver_local_batch_task, "delay"):
        dispatches = document_send(document=doc, acting_user=clerk, units=[*province.communes, province.district])
    first, second = dispatches[:2], dispatches[2:]
    deliver_local_batch(dispatch_ids=[d.pk for d in first])
    assert search_index_task.run([doc.pk], dispatch_ids=[d.pk for d in first]) == 2  # not the owner's
    written = {e.pk: e.indexed_at for e in SearchEntry.objects.filter(document=doc)}
    assert len(written) == 3
    deliver_local_batch(dispatch_ids=[d.pk for d in second])
    assert search_index_task.run([doc.pk], dispatch_ids=[d.pk for d in second]) == 2
    after = {e.pk: e.indexed_at for e in SearchEntry.objects.filter(document=doc)}
    assert len(after) == 5
    assert all(after[pk] == at for pk, at in written.items())  # the first batch was not indexed again
    assert SearchEntry.objects.get(pk=owner_entry.pk).indexed_at == owner_entry.indexed_at
    batched = _vectors(doc)
    SearchEntry.objects.filter(document=doc).delete()
    assert search_index_document(document_id=doc.pk) == 5
    assert _vectors(doc) == batched
    # The same vectors as the unit's tokens of the whole text would give (the formula before h17's batching).
    from django.db import connection

    from documents.services import search_tokens

    if connection.vendor == "postgresql":
        doc.refresh_from_db()
        meta_text = " ".join(str(p) for p in (doc.subject, doc.number_notation, doc.notation, doc.signer_name,
                                              doc.owner_unit.name, doc.owner_unit.short_name,
                                              doc.get_doc_type_display(), doc.type_name_vi, doc.document_id) if p)
        content = AttachmentText.objects.get(attachment__document=doc).text
        with connection.cursor() as cur:
            for unit_id, _inc, _at, meta_tsv, tsv in batched:
                meta = search_tokens(unit_id, meta_text)
                cur.execute("SELECT to_tsvector('simple', %s)::text, (setweight(to_tsvector('simple', %s), 'A') "
                            "|| to_tsvector('simple', %s))::text",
                            [meta, meta, search_tokens(unit_id, doc.content + "\n" + content, distinct=True)])
                assert cur.fetchone() == (meta_tsv, tsv)
    commune = province.district  # delivered in the second batch
    assert [e.document for e in _find(province.clerk(commune), commune, "chia se du lieu")] == [doc]


def test_an_accepted_record_is_found_by_its_incoming_number(province, corpus, django_capture_on_commit_callbacks):
    """Accepting gives the record its incoming number; "số đến N" then finds it (it did not before)."""
    c0 = province.communes[0]
    clerk = province.clerk(c0)
    rec = IncomingRecord.objects.get(unit=c0, document=corpus["b"])
    with mock.patch.object(search_index_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            rec = incoming_accept(incoming=rec, acting_user=clerk)
    delay.assert_called_once_with([corpus["b"].pk], dispatch_ids=[rec.dispatch_id])
    query = f"số đến {rec.incoming_number}"
    assert _find(clerk, c0, query) == []
    search_index_task.run([corpus["b"].pk], dispatch_ids=[rec.dispatch_id])
    assert [e.incoming_id for e in _find(clerk, c0, query)] == [rec.pk]
