"""The search index sweep: what a lost indexing task left out becomes searchable (issue 17)."""
import datetime
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from documents.models import IncomingRecord, SearchEntry
from documents.services import (
    SearchParams,
    attachment_add,
    deliver_local_batch,
    document_create,
    document_issue,
    document_send,
    search_entries,
)
from documents.services.search import search_index_sweep
from documents.tasks import search_index_sweep_task
from tests.documents.search_files import pdf_with_text

pytestmark = pytest.mark.django_db


def broker_down():
    """Every publish fails as with the broker unreachable (the broker is external; our services run for real)."""
    return mock.patch("kombu.messaging.Producer.publish", side_effect=OperationalError("broker unreachable"))


def found(province, unit, q):
    return [e.document_id for e in search_entries(user=province.clerk(unit), unit=unit, params=SearchParams(q=q))]


def test_a_record_delivered_while_the_broker_is_down_is_found_after_the_sweep(province, settings,
                                                                            django_capture_on_commit_callbacks):
    settings.SEARCH_SWEEP_GRACE = 0
    clerk, commune = province.clerk(province.snv), province.communes[0]
    with broker_down(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        doc = document_create(owner_unit=province.snv, acting_user=clerk, subject="Về việc kiện toàn đội xung kích",
                              doc_type="CV", notation_suffix="VP", signer_name="Nguyễn Văn A",
                              signer_position="Giám đốc")
        attachment_add(document=doc, acting_user=clerk, upload=pdf_with_text("Phòng chống lụt bão năm nay."),
                       name="van-ban.pdf")
        doc = document_issue(document=doc, acting_user=clerk)
        dispatches = document_send(document=doc, acting_user=clerk, units=[commune])
        deliver_local_batch(dispatch_ids=[d.pk for d in dispatches])  # what the sweeper's worker does
    assert callbacks  # the indexing tasks were published after the commits, and every publish failed
    record = IncomingRecord.objects.get(document=doc, unit=commune)
    assert not SearchEntry.objects.filter(document=doc).exists()
    assert found(province, commune, "xung kích") == []

    written = search_index_sweep_task.run()

    assert written == 2  # the issuing unit's entry and the commune's record
    assert SearchEntry.objects.filter(incoming=record, unit=commune).exists()
    assert found(province, commune, "xung kích") == [doc.pk]
    assert found(province, commune, "lụt bão") == [doc.pk]  # the file's text too
    assert found(province, province.snv, "xung kích") == [doc.pk]
    assert search_index_sweep() == 0  # nothing left: the next sweeps write nothing


def test_the_sweep_is_bounded(province, settings):
    settings.SEARCH_SWEEP_GRACE = 0
    clerk = province.clerk(province.snv)
    docs = []
    for n in range(3):
        doc = document_create(owner_unit=province.snv, acting_user=clerk, subject=f"Thông báo số {n}",
                              doc_type="CV", notation_suffix="VP", signer_name="A", signer_position="B")
        attachment_add(document=doc, acting_user=clerk, upload=pdf_with_text("Nội dung"), name="v.pdf")
        docs.append(document_issue(document=doc, acting_user=clerk))
        deliver_local_batch(dispatch_ids=[d.pk for d in document_send(document=doc, acting_user=clerk,
                                                                      units=[province.communes[n]])])
    # too recent for the sweep (their own task may still be on its way), then too old for it
    assert search_index_sweep(now=timezone.now() - datetime.timedelta(hours=1)) == 0
    later = timezone.now() + datetime.timedelta(seconds=settings.SEARCH_SWEEP_WINDOW + 60)
    assert search_index_sweep(now=later) == 0
    # at most `limit` records and documents a run
    assert search_index_sweep(limit=1) == 2
    assert SearchEntry.objects.count() == 2
    assert search_index_sweep(limit=10) == 4
    assert SearchEntry.objects.count() == 6


def test_beat_runs_it_and_postgresql_reads_the_recent_records_through_an_index():
    entry = settings.CELERY_BEAT_SCHEDULE["search-index-sweep"]
    assert entry["task"] == search_index_sweep_task.name and entry["schedule"] <= 600
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname IN "
                        "('documents_incoming_arrived_brin', 'documents_doc_issued') ORDER BY indexname")
            defs = [r[0] for r in cur.fetchall()]
        assert len(defs) == 2 and "USING brin (arrived_at)" in defs[1] and "WHERE (issued_at IS NOT NULL)" in defs[0]
