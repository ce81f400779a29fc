import datetime
import io
import threading

import pytest
from django.db import connection, transaction

from documents.choices import DocumentStatus, RegisterDirection, Secrecy
from documents.models import Document, Register
from documents.services import (
    document_create,
    document_issue,
    document_update,
    register_allocate,
    register_export_csv,
    register_export_xlsx,
)
from egov.core.errors import InvalidInput, PermissionDeniedError, StateError

pytestmark = pytest.mark.django_db


def test_notation_rules(province, issued):
    clerk = province.clerk(province.snv)
    qd = issued(province.snv, clerk, doc_type="QĐ")
    cv = issued(province.snv, clerk, doc_type="CV", notation_suffix="VP")
    assert qd.number_notation == "01/QĐ-SNV"
    assert cv.number_notation == "02/SNV-VP"  # công văn: no type abbreviation; one series per year
    assert cv.document_id == "000.00.02.H99,2026/03/05,02/SNV-VP"
    ubnd_clerk = province.clerk(province.ubnd)
    for _ in range(14):
        last = issued(province.ubnd, ubnd_clerk, doc_type="QĐ")
    assert last.number_notation == "14/QĐ-UBND"  # no leading zero from 10 on


def test_issued_document_is_frozen(province, issued):
    clerk = province.clerk(province.snv)
    doc = issued(province.snv, clerk)
    assert doc.status == DocumentStatus.ISSUED
    with pytest.raises(StateError):
        document_update(document=doc, acting_user=clerk, subject="Sửa sau khi ban hành")
    with pytest.raises(StateError):
        document_issue(document=doc, acting_user=clerk)
    doc.refresh_from_db()
    assert doc.subject == "Về việc thử nghiệm liên thông" and doc.number == 1


def test_issue_needs_clerk_signer_main_file_and_suffix(province):
    specialist = province.specialist(province.snv)
    clerk = province.clerk(province.snv)
    draft = document_create(owner_unit=province.snv, acting_user=specialist, subject="Dự thảo", doc_type="CV")
    with pytest.raises(PermissionDeniedError):
        document_issue(document=draft, acting_user=specialist)
    with pytest.raises(InvalidInput) as exc:
        document_issue(document=draft, acting_user=clerk)
    assert exc.value.field == "signer_name"
    document_update(document=draft, acting_user=clerk, signer_name="Trần Thị B")
    with pytest.raises(InvalidInput) as exc:
        document_issue(document=draft, acting_user=clerk)
    assert exc.value.field == "notation_suffix"
    document_update(document=draft, acting_user=clerk, notation_suffix="TCBC")
    with pytest.raises(InvalidInput) as exc:
        document_issue(document=draft, acting_user=clerk)
    assert exc.value.field == "attachments"
    assert not Register.objects.filter(last_number__gt=0).exists()  # nothing allocated by failed attempts


def test_subject_limits(province):
    clerk = province.clerk(province.snv)
    with pytest.raises(InvalidInput):
        document_create(owner_unit=province.snv, acting_user=clerk, subject="   ")
    with pytest.raises(InvalidInput):
        document_create(owner_unit=province.snv, acting_user=clerk, subject="x" * 501)
    assert Document.objects.count() == 0


def test_numbering_restarts_on_first_january(province, issued):
    clerk = province.clerk(province.snv)
    issued(province.snv, clerk, issued_on=datetime.date(2026, 12, 30))
    last = issued(province.snv, clerk, issued_on=datetime.date(2026, 12, 31))
    first = issued(province.snv, clerk, issued_on=datetime.date(2027, 1, 1))
    assert (last.number, first.number) == (2, 1)
    assert last.register.year == 2026 and first.register.year == 2027


def test_secret_and_normative_documents_keep_their_own_series(province, issued):
    clerk = province.clerk(province.snv)
    a = issued(province.snv, clerk)
    secret = issued(province.snv, clerk, secrecy=Secrecy.SECRET)
    normative = issued(province.snv, clerk, doc_type="QĐ", is_normative=True)
    b = issued(province.snv, clerk)
    assert (a.number, b.number, secret.number, normative.number) == (1, 2, 1, 1)
    assert len({a.register_id, secret.register_id, normative.register_id}) == 3
    assert normative.number_notation == "01/2026/QĐ-SNV" and secret.document_id == ""


def test_rolled_back_allocation_leaves_no_gap(province):
    try:
        with transaction.atomic():
            register_allocate(unit=province.snv, direction=RegisterDirection.OUTGOING, year=2026)
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with transaction.atomic():
        _reg, n = register_allocate(unit=province.snv, direction=RegisterDirection.OUTGOING, year=2026)
    assert n == 1


def test_register_exports_in_nd30_layout(province, issued):
    clerk = province.clerk(province.snv)
    issued(province.snv, clerk, subject="Về việc kiểm tra công vụ")
    csv_bytes = register_export_csv(unit=province.snv, kind="outgoing", year=2026, user=clerk)
    text = csv_bytes.decode("utf-8-sig")
    import csv

    header = next(csv.reader(io.StringIO(text)))
    assert header[:2] == ["Số, ký hiệu văn bản", "Ngày tháng văn bản"] and len(header) == 10
    assert "01/SNV-VP" in text and "05/03/2026" in text and "Công văn: Về việc kiểm tra công vụ" in text
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(register_export_xlsx(unit=province.snv, kind="outgoing", year=2026, user=clerk)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[1][0] == "Số, ký hiệu văn bản" and rows[2][0] == "01/SNV-VP"


def test_registers_are_read_only_by_the_units_clerks_leaders_and_admins(province, issued):
    from documents.services import register_rows
    from egov.core.errors import NotFoundError

    issued(province.snv, province.clerk(province.snv))
    for outsider in (province.clerk(province.stc), province.specialist(province.snv), None):
        with pytest.raises(NotFoundError):
            register_export_csv(unit=province.snv, kind="outgoing", year=2026, user=outsider)
        with pytest.raises(NotFoundError):
            list(register_rows(unit=province.snv, kind="incoming", year=2026, user=outsider))
    assert len(list(register_rows(unit=province.snv, kind="outgoing", year=2026,
                                  user=province.leader(province.snv)))) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocation_has_no_duplicate_and_no_gap(province):
    """8 threads × 50 allocations, each in its own transaction (row lock on PostgreSQL)."""
    threads, per_thread = 8, 50
    if connection.vendor == "sqlite":
        per_thread = 15  # SQLite serialises writers; a smaller run keeps the suite quick
    results, errors = [], []

    def work():
        try:
            for _ in range(per_thread):
                with transaction.atomic():
                    _r, n = register_allocate(unit=province.snv, direction=RegisterDirection.OUTGOING, year=2026)
                results.append(n)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors
    assert sorted(results) == list(range(1, threads * per_thread + 1))
