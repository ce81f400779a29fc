"""File plan and case files: every transition and refusal, against the real database."""
import datetime

import pytest

from egov.core.errors import InvalidInput, NotFoundError, PermissionDeniedError, StateError
from egov.core.models import AuditEvent
from records.choices import FileState, PlanState
from records.models import FileItem, PlanEntry
from records.selectors import file_suggest, files_holding, files_visible_to
from records.services import (
    file_add_document,
    file_close,
    file_open,
    file_remove_document,
    plan_approve,
    plan_copy_forward,
    plan_create,
    plan_entry_save,
    plan_import_csv,
)

pytestmark = pytest.mark.django_db


def test_plan_is_drafted_approved_by_the_head_and_copied_forward(office):
    plan = office.plan(approve=False)
    assert plan.state == PlanState.DRAFT and plan.entries.count() == 3
    with pytest.raises(PermissionDeniedError):
        plan_approve(plan=plan, acting_user=office.clerk)  # the head approves
    with pytest.raises(StateError):
        file_open(entry=office.entry, acting_user=office.keeper)  # not approved yet
    plan = plan_approve(plan=plan, acting_user=office.leader)
    assert plan.state == PlanState.APPROVED and plan.approved_by == office.leader
    with pytest.raises(StateError):
        plan_entry_save(plan=plan, acting_user=office.clerk, heading="X", number="09", notation="X", title="X")
    nxt = plan_copy_forward(plan=plan, acting_user=office.clerk)
    assert (nxt.year, nxt.state) == (2027, PlanState.DRAFT)
    assert [e.code for e in nxt.entries.order_by("position")] == ["01.TCCB", "02.KH", "03.KH"]
    assert nxt.entries.get(number="01").person_in_charge == office.keeper
    with pytest.raises(StateError):
        plan_copy_forward(plan=plan, acting_user=office.clerk)  # 2027 exists
    verbs = set(AuditEvent.objects.filter(unit=office.unit).values_list("verb", flat=True))
    assert {"file_plan.created", "file_plan.approved", "file_plan.copied"} <= verbs


def test_plan_entry_validation_and_duplicate_code(office):
    plan = plan_create(unit=office.unit, year=2026, acting_user=office.clerk)
    plan_entry_save(plan=plan, acting_user=office.clerk, heading="I", number="01", notation="tccb", title="A")
    with pytest.raises(InvalidInput):
        plan_entry_save(plan=plan, acting_user=office.clerk, heading="I", number="01", notation="TCCB", title="B")
    with pytest.raises(InvalidInput):
        plan_entry_save(plan=plan, acting_user=office.clerk, heading="I", number="02", notation="TCCB", title="B",
                        retention="07")  # 07 needs years
    with pytest.raises(InvalidInput):
        plan_entry_save(plan=plan, acting_user=office.clerk, heading="I", number="03", notation="X", title="C",
                        person_in_charge=office.stranger)  # works elsewhere
    with pytest.raises(PermissionDeniedError):
        plan_entry_save(plan=plan, acting_user=office.keeper, heading="I", number="04", notation="X", title="D")


def test_plan_import_is_all_or_nothing(office):
    plan = plan_create(unit=office.unit, year=2026, acting_user=office.clerk)
    good = ("heading,number,notation,title,retention,retention_years,use_regime,person_in_charge,note\n"
            "I. Tổ chức,01,TCCB,Hồ sơ tuyển dụng,06,,01,cv.tccb,\n"
            "I. Tổ chức,02,TCCB,Hồ sơ nâng lương,07,15,02,,ghi chú\n").encode()
    assert plan_import_csv(plan=plan, acting_user=office.clerk, data=good) == 2
    e = PlanEntry.objects.get(plan=plan, number="02")
    assert (e.retention, e.retention_years, e.use_regime, e.note) == ("07", 15, "02", "ghi chú")
    bad = ("heading,number,notation,title,person_in_charge\nII,05,KH,Một,\nII,06,KH,Hai,nobody\n").encode()
    with pytest.raises(InvalidInput, match="Line 3"):
        plan_import_csv(plan=plan, acting_user=office.clerk, data=bad)
    assert plan.entries.count() == 2  # the good line 2 of the bad file was rolled back too


def test_open_add_order_close_and_refusals(office):
    office.plan()
    with pytest.raises(PermissionDeniedError):
        file_open(entry=office.entry, acting_user=office.other)  # not the person in charge
    f = file_open(entry=office.entry, acting_user=office.keeper)
    assert (f.code, f.state, f.retention) == ("01.TCCB", FileState.OPEN, "06")
    d1, d2 = office.issue(subject="Một"), office.issue(subject="Hai")
    rec = office.receive()
    i1 = file_add_document(case_file=f, acting_user=office.keeper, document=d1)
    i2 = file_add_document(case_file=f, acting_user=office.keeper, incoming=rec)
    i3 = file_add_document(case_file=f, acting_user=office.keeper, document=d2)
    assert [i1.ordinal, i2.ordinal, i3.ordinal] == [1, 2, 3]
    with pytest.raises(StateError):
        file_add_document(case_file=f, acting_user=office.keeper, document=d1)  # no duplicate
    with pytest.raises(PermissionDeniedError):
        file_add_document(case_file=f, acting_user=office.other, document=d1)
    other_unit_doc = office.p.stc.documents.first()
    with pytest.raises(NotFoundError):
        file_add_document(case_file=f, acting_user=office.keeper, document=other_unit_doc)  # not ours
    file_remove_document(case_file=f, acting_user=office.keeper, item=i2)
    assert list(f.items.order_by("ordinal").values_list("document__subject", "ordinal")) == [("Một", 1), ("Hai", 2)]
    with pytest.raises(StateError):
        file_close(case_file=file_open(entry=office.free_entry, acting_user=office.other), acting_user=office.other)
    f = file_close(case_file=f, acting_user=office.keeper, on=datetime.date(2026, 12, 31))
    assert f.state == FileState.CLOSED and f.transfer_due == datetime.date(2027, 12, 31)
    with pytest.raises(StateError, match="can no longer be added"):
        file_add_document(case_file=f, acting_user=office.keeper, document=office.issue(subject="Ba"))
    with pytest.raises(StateError):
        file_remove_document(case_file=f, acting_user=office.keeper, item=f.items.first())
    with pytest.raises(StateError):
        file_close(case_file=f, acting_user=office.keeper)
    kinds = list(f.events.values_list("kind", flat=True))
    assert kinds == ["creation", "addition", "addition", "addition", "removal", "closing"]


def test_one_document_in_several_files_of_several_people_without_copy(office):
    office.plan()
    mine = file_open(entry=office.entry, acting_user=office.keeper)
    theirs = file_open(entry=office.free_entry, acting_user=office.other)
    doc = office.issue()
    file_add_document(case_file=mine, acting_user=office.keeper, document=doc)
    file_add_document(case_file=theirs, acting_user=office.other, document=doc)
    assert FileItem.objects.filter(document=doc).count() == 2
    assert set(FileItem.objects.filter(document=doc).values_list("case_file__person_in_charge", flat=True)) == {
        office.keeper.pk, office.other.pk}
    assert office.unit.documents.filter(subject=doc.subject).count() == 1  # no copy of the document
    assert list(files_holding(document=doc, user=office.keeper)) == [mine]
    assert set(files_holding(document=doc, user=office.leader)) == {mine, theirs}
    assert not files_visible_to(user=office.stranger).exists()


def test_second_file_under_one_entry_gets_its_own_code(office):
    office.plan()
    a = file_open(entry=office.entry, acting_user=office.keeper)
    b = file_open(entry=office.entry, acting_user=office.keeper, title="Đợt 2")
    assert (a.code, b.code, b.title) == ("01.TCCB", "01.TCCB/2", "Đợt 2")


def test_suggestion_by_thread_correspondent_and_heading(office):
    office.plan()
    by_field = file_open(entry=office.entry, acting_user=office.keeper)  # notation TCCB
    by_sender = file_open(entry=office.entry, acting_user=office.keeper, title="Thư từ Sở Tài chính")
    first = office.receive(subject="Lần 1")
    file_add_document(case_file=by_sender, acting_user=office.keeper, incoming=first)
    second = office.receive(subject="Lần 2")
    assert file_suggest(user=office.keeper, document=second.document, incoming=second)[0] == by_sender
    doc = office.issue(subject="Thông báo", notation_suffix="TCCB")
    assert by_field in file_suggest(user=office.keeper, document=doc)
    followup = office.issue(subject="Đính chính", notation_suffix="VP", business_type=1, related_document=doc,
                            business_reason="Sai sót")
    thread = file_open(entry=office.entry, acting_user=office.keeper, title="Luồng")
    file_add_document(case_file=thread, acting_user=office.keeper, document=doc)
    assert file_suggest(user=office.keeper, document=followup)[0] == thread
    assert file_suggest(user=office.other, document=followup) == []  # only one's own open files
