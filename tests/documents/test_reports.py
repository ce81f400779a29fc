"""The handling reports (Phụ lục VI, V) against a hand-built dataset; drill-down; exports (issue 14)."""
import datetime
import io
from unittest import mock

import pytest
from django.utils import timezone

from documents.models import Chase, Dispatch, IncomingRecord
from documents.services import (
    ReportPeriod,
    connection_report,
    deliver_local_batch,
    document_send,
    incoming_drill,
    incoming_report,
    outgoing_report,
    report_export_pdf,
    report_export_xlsx,
    report_units_for,
)
from documents.tasks import deliver_local_batch_task
from egov.core.errors import PermissionDeniedError

pytestmark = pytest.mark.django_db
D = datetime.date(2026, 3, 20)  # the deadline of the dated records
TZ = timezone.get_current_timezone()


def _at(day: datetime.date, hour=9):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


@pytest.fixture
def dataset(province, issued):
    """Six records at commune 0 (one of each kind), one at commune 1, all arrived on 10 March 2026."""
    clerk = province.clerk(province.snv)
    c0, c1 = province.communes[0], province.communes[1]
    h1, h2 = province.specialist(c0), province.user(c0, "unit_admin")
    docs = [issued(province.snv, clerk, subject=f"Văn bản {i}", due_date=D if i == 0 else None) for i in range(6)]
    for i, doc in enumerate(docs):
        with mock.patch.object(deliver_local_batch_task, "delay"):
            ds = document_send(document=doc, acting_user=clerk, units=[c0] + ([c1] if i == 0 else []))
        deliver_local_batch(dispatch_ids=[d.pk for d in ds])
    recs = [IncomingRecord.objects.get(unit=c0, document=d) for d in docs]
    arrived = _at(datetime.date(2026, 3, 10))
    IncomingRecord.objects.filter(pk__in=[r.pk for r in recs]).update(arrived_at=arrived)
    Dispatch.objects.update(created_at=arrived)
    plan = [
        dict(status="done", deadline=D, finished_at=_at(D - datetime.timedelta(days=1)), main_handler=h1,
             incoming_number=1),                                                       # on time, 9 days
        dict(status="done", deadline=D, finished_at=_at(D + datetime.timedelta(days=2)), main_handler=h1,
             incoming_number=2),                                                       # late, 12 days
        dict(status="in_progress", deadline=datetime.date(2026, 4, 30), main_handler=h2, incoming_number=3),
        dict(status="assigned", deadline=D, main_handler=h2, incoming_number=4),       # overdue on 31/3
        dict(status="rejected"),
        dict(status="arrived"),
    ]
    for rec, fields in zip(recs, plan):
        IncomingRecord.objects.filter(pk=rec.pk).update(**fields)
    for n in (1, 2):
        Chase.objects.create(incoming=recs[3], number=n, kind="reminder", target=h2, created_by=province.leader(c0),
                             created_at=arrived)
    other = IncomingRecord.objects.get(unit=c1)
    IncomingRecord.objects.filter(pk=other.pk).update(arrived_at=arrived, status="done", incoming_number=1,
                                                      deadline=None, finished_at=_at(datetime.date(2026, 3, 11)))
    # commune 1 answers the document expecting a reply with a reply document, late
    reply = issued(c1, province.clerk(c1), subject="Trả lời")
    IncomingRecord.objects.filter(pk=other.pk).update(reply_document=reply, finished_at=_at(D + datetime.timedelta(days=3)))
    return {"recs": recs, "h1": h1, "h2": h2, "docs": docs, "other": other}


PERIOD = ReportPeriod.of(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), today=datetime.date(2026, 6, 1))


def test_incoming_report_figures_per_unit(province, dataset):
    c0, c1 = province.communes[0], province.communes[1]
    report = incoming_report(period=PERIOD, unit_ids=[c0.pk, c1.pk])
    rows = {r["key"]: r for r in report["rows"]}
    r0 = rows[c0.pk]
    assert {k: r0[k] for k in ("received", "registered", "rejected", "waiting", "done_on_time", "done_late",
                               "in_progress", "overdue", "chases")} == {
        "received": 6, "registered": 4, "rejected": 1, "waiting": 1, "done_on_time": 1, "done_late": 1,
        "in_progress": 1, "overdue": 1, "chases": 2}
    assert r0["avg_days"] == 10.5  # (9 + 12) / 2
    r1 = rows[c1.pk]
    assert (r1["received"], r1["done_on_time"], r1["done_late"]) == (1, 1, 0)  # no deadline: on time
    total = report["total"]
    assert total["received"] == 7 and total["done_on_time"] == 2 and total["chases"] == 2
    # avg weighted by the finished records: (9 + 12 + 13) / 3 (commune 1: 10/3 → 23/3)
    assert total["avg_days"] == round((9 + 12 + 13) / 3, 1)
    # a period without the records: nothing
    empty = incoming_report(period=ReportPeriod.of(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)),
                            unit_ids=[c0.pk])
    assert empty["rows"] == [] and empty["total"]["received"] == 0


def test_overdue_is_judged_on_the_report_date(province, dataset):
    c0 = province.communes[0]
    early = ReportPeriod.of(datetime.date(2026, 3, 1), datetime.date(2026, 3, 15), today=datetime.date(2026, 6, 1))
    row = incoming_report(period=early, unit_ids=[c0.pk])["rows"][0]
    assert (row["overdue"], row["in_progress"]) == (0, 2)  # on 15 March the deadline of 20 March had not passed


def test_report_by_handler_and_drill_down_match(province, dataset):
    c0 = province.communes[0]
    report = incoming_report(period=PERIOD, unit_ids=[c0.pk], group="handler")
    rows = {r["key"]: r for r in report["rows"]}
    h1, h2 = dataset["h1"], dataset["h2"]
    assert (rows[h1.pk]["done_on_time"], rows[h1.pk]["done_late"], rows[h1.pk]["avg_days"]) == (1, 1, 10.5)
    assert (rows[h2.pk]["overdue"], rows[h2.pk]["in_progress"], rows[h2.pk]["chases"]) == (1, 1, 2)
    assert rows[None]["received"] == 2  # rejected + waiting have no handler
    for metric in ("received", "done_late", "overdue", "in_progress", "chases", "rejected"):
        for key, row in rows.items():
            drilled = incoming_drill(period=PERIOD, unit_ids=[c0.pk], metric=metric, group="handler", key=key)
            n = sum(r.chases.count() for r in drilled) if metric == "chases" else drilled.count()
            assert n == row[metric], (metric, key)
    overdue = incoming_drill(period=PERIOD, unit_ids=[c0.pk], metric="overdue")
    assert list(overdue) == [dataset["recs"][3]]


def test_outgoing_report_and_reply_figures(province, dataset):
    report = outgoing_report(period=PERIOD, unit_ids=[province.snv.pk])
    row = report["rows"][0]
    assert (row["issued"], row["sent"], row["recipients"], row["delivered"], row["expecting_reply"]) == (6, 6, 7, 7, 1)
    # document 0 expects a reply from c0 and c1: c1 answered late, c0 finished it without a reply document
    assert (row["answered_on_time"], row["answered_late"]) == (0, 1)
    assert row["late_unanswered"] == 1


def test_connection_table(province, dataset):
    rows = {r["kind"]: r for r in connection_report(period=PERIOD, root=province.ubnd)}
    assert (rows["department"]["connected"], rows["department"]["sending"], rows["department"]["total"]) == (1, 1, 2)
    assert rows["commune_committee"]["total"] == 3 and rows["commune_committee"]["receiving"] == 2
    assert rows["commune_committee"]["sending"] == 0 and rows["district_committee"]["connected"] == 0


def test_who_may_read_which_report(province, dataset):
    c0 = province.communes[0]
    assert report_units_for(user=province.leader(c0), unit=c0) == [c0.pk]
    with pytest.raises(PermissionDeniedError):
        report_units_for(user=province.specialist(c0), unit=c0)
    with pytest.raises(PermissionDeniedError):
        report_units_for(user=province.leader(c0), unit=c0, scope="province")
    assert report_units_for(user=province.clerk(province.ubnd), unit=province.ubnd, scope="province") is None


def test_exports_carry_the_figures(province, dataset):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    c0 = province.communes[0]
    report = incoming_report(period=PERIOD, unit_ids=[c0.pk])
    report["rows"][0]["label"] = "=HYPERLINK(\"http://x\")"  # a hostile name stays text
    wb = load_workbook(io.BytesIO(report_export_xlsx(report=report, kind="incoming", unit=c0, first_column="Đơn vị")))
    values = [[c.value for c in row] for row in wb.active.iter_rows()]
    assert values[1][0] == "BÁO CÁO TÌNH HÌNH XỬ LÝ VĂN BẢN ĐẾN"
    assert values[5][0].startswith("'=") and values[5][1] == 6
    pdf = report_export_pdf(report=report, kind="incoming", unit=c0, first_column="Đơn vị")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "BÁO CÁO TÌNH HÌNH XỬ LÝ VĂN BẢN ĐẾN" in text and "10.5" in text
    assert Dispatch.objects.count() == 7
