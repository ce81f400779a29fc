"""
Divisions inside a unit; incoming documents assigned to divisions (lead / co-handling / for
information) and on to people by the division head, with deadlines at both levels; the
handling slip's data; the reply flow: an incoming record answered by a draft that is issued
ends at status 06 with the reply linked at both ends.
"""
import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from documents import services as s
from documents.choices import DraftEventKind, HandlerRole, IncomingStatus, StatusCode
from documents.models import IncomingRecord
from documents.services.delivery import deliver_local_batch
from egov.core.errors import InvalidInput, PermissionDeniedError, StateError
from tests.documents.conftest import make_issued
from units.selectors import division_members, divisions_of, user_division_ids

from .test_flow import CHECKS

pytestmark = pytest.mark.django_db


def _received(office, subject="Về việc báo cáo biên chế năm 2026"):
    p = office.p
    stc_clerk = p.clerk(p.stc)
    doc = make_issued(p.stc, stc_clerk, subject=subject)
    [dispatch] = s.document_send(document=doc, acting_user=stc_clerk, units=[office.unit])
    deliver_local_batch(dispatch_ids=[dispatch.pk])
    rec = IncomingRecord.objects.get(dispatch=dispatch)
    return s.incoming_accept(incoming=rec, acting_user=office.clerk)


def test_divisions_memberships_and_refusals(office):
    from units.services import division_create, division_member_set

    assert [d.short_name for d in divisions_of(unit=office.unit)] == ["VP", "TCCB", "KH"]
    assert division_members(division_ids=[office.tccb.pk], heads_only=True) == [(office.tccb.pk, office.head.pk)]
    assert user_division_ids(user=office.drafter, unit=office.unit) == {office.tccb.pk}
    with pytest.raises(InvalidInput):  # one office per unit
        division_create(unit=office.unit, name="Văn phòng 2", short_name="VP2", is_office=True)
    with pytest.raises(PermissionDeniedError):  # only the unit admin
        division_create(unit=office.unit, name="Phòng mới", short_name="PM", acting_user=office.drafter)
    division_create(unit=office.unit, name="Phòng mới", short_name="PM", acting_user=office.admin)
    stranger = office.p.clerk(office.p.stc)
    with pytest.raises(InvalidInput):  # must hold a role in the unit
        division_member_set(unit=office.unit, user=stranger, division=office.kh)
    with pytest.raises(InvalidInput):  # a division of another unit
        division_member_set(unit=office.p.stc, user=stranger, division=office.kh)


def test_assign_to_divisions_then_people_with_deadlines(office):
    rec = _received(office)
    today = timezone.localdate()
    d10, d7, d12 = (today + datetime.timedelta(days=n) for n in (10, 7, 12))
    with pytest.raises(PermissionDeniedError):
        s.incoming_assign_divisions(incoming=rec, acting_user=office.head, lead_division=office.tccb)
    other_unit_division = _other_division(office)
    with pytest.raises(InvalidInput):
        s.incoming_assign_divisions(incoming=rec, acting_user=office.director, lead_division=other_unit_division)
    with pytest.raises(InvalidInput):
        s.incoming_assign_divisions(incoming=rec, acting_user=office.director, lead_division=office.tccb,
                                    deadline=d7, co_deadline=d10)
    rec = s.incoming_assign_divisions(incoming=rec, acting_user=office.director, lead_division=office.tccb,
                                      co_divisions=[office.kh], info_divisions=[office.vp], deadline=d10,
                                      instruction="Giao Phòng TCCB chủ trì, Phòng KH phối hợp")
    rec.refresh_from_db()
    assert rec.status == IncomingStatus.ASSIGNED and rec.deadline == d10
    assert rec.dispatch.status_code == StatusCode.ASSIGNED
    lead = rec.division_assignments.get(division=office.tccb, is_active=True)
    co = rec.division_assignments.get(division=office.kh, is_active=True)
    # the head of TCCB sees the record although a specialist; the head of KH would too
    from documents.selectors import incoming_visible_to

    assert incoming_visible_to(user=office.head).filter(pk=rec.pk).exists()
    assert not incoming_visible_to(user=office.colleague1).filter(pk=rec.pk).exists()
    with pytest.raises(PermissionDeniedError):  # wrong division head
        s.incoming_division_hand_on(division_assignment=co, acting_user=office.head, co_handlers=[office.drafter])
    with pytest.raises(InvalidInput, match="does not work in"):
        s.incoming_division_hand_on(division_assignment=lead, acting_user=office.head,
                                    main_handler=office.colleague2)
    with pytest.raises(InvalidInput, match="later than the division"):
        s.incoming_division_hand_on(division_assignment=lead, acting_user=office.head, main_handler=office.drafter,
                                    deadline=d12)
    s.incoming_division_hand_on(division_assignment=lead, acting_user=office.head, main_handler=office.drafter,
                                co_handlers=[office.colleague1], deadline=d7, note="Chuyên viên Bình dự thảo")
    rec.refresh_from_db()
    assert rec.main_handler == office.drafter
    people = {(a.user_id, a.role, a.deadline, a.division_id) for a in rec.assignments.filter(is_active=True)}
    assert people == {(office.drafter.pk, HandlerRole.MAIN, d7, office.tccb.pk),
                      (office.colleague1.pk, HandlerRole.CO, d7, office.tccb.pk)}
    slip = s.handling_slip(incoming=rec)
    assert [x["assignment"].division.short_name for x in slip["divisions"]] == ["TCCB", "KH", "VP"]
    assert [a.user for a in slip["divisions"][0]["people"]] == [office.drafter, office.colleague1]
    assert slip["leader"] == office.director
    # the main handler can report and will finish; re-assignment by the leader deactivates the old rows
    s.incoming_progress(incoming=rec, acting_user=office.drafter, note="Đang dự thảo", progress=30)


def _other_division(office):
    from units.services import division_create

    return division_create(unit=office.p.stc, name="Văn phòng Sở Tài chính", short_name="VP")


def test_reply_draft_issued_closes_the_incoming_with_06_and_links_both_ends(signing_ready):
    office = signing_ready
    rec = _received(office)
    rec = s.incoming_assign_divisions(incoming=rec, acting_user=office.director, lead_division=office.tccb)
    lead = rec.division_assignments.get(is_active=True)
    s.incoming_division_hand_on(division_assignment=lead, acting_user=office.head, main_handler=office.drafter)
    d = s.draft_create(owner_unit=office.unit, acting_user=office.drafter, upload=office.pdf(), doc_type="CV",
                       subject="Về việc báo cáo biên chế (trả lời)", replies_to=[rec])
    s.draft_submit(draft=d, acting_user=office.drafter, signer=office.director)
    s.draft_approve(draft=d, acting_user=office.head)
    s.draft_approve(draft=d, acting_user=office.office, checklist=CHECKS)
    s.draft_approve(draft=d, acting_user=office.director)
    s.draft_sign(draft=d, acting_user=office.director, pin="112233")
    d = s.draft_issue(draft=d, acting_user=office.clerk)
    rec.refresh_from_db()
    rec.dispatch.refresh_from_db()
    assert rec.status == IncomingStatus.DONE and rec.reply_document_id == d.document_id
    assert rec.dispatch.status_code == StatusCode.DONE
    assert rec.dispatch.status_note == f"Trả lời: {d.document.number_notation}" or \
        d.document.number_notation in rec.dispatch.status_note
    assert list(d.replies_to.all()) == [rec] and list(rec.reply_drafts.all()) == [d]
    assert d.events.filter(kind=DraftEventKind.REPLY_CLOSED, details__incoming=rec.pk).exists()
    # The portal's own handling note ("Answered by …") is a code: the slip reads it in the reader's
    # language whatever the language it was written in (issue 15, "English").
    note = rec.notes.get(progress=100)
    number = rec.reply_document.number_notation
    assert (note.text_code, note.text_params) == ("documents.note.answered_by", {"n": number})
    with translation.override("vi"):
        vietnamese = translation.gettext("Answered by %(n)s") % {"n": number}
    assert vietnamese != f"Answered by {number}" and note.text == vietnamese  # stored in the portal's language
    client = Client()
    client.force_login(office.clerk)
    slip = client.get(reverse("documents:incoming_slip", args=[rec.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Answered by {number}" in slip and vietnamese not in slip
    slip = client.get(reverse("documents:incoming_slip", args=[rec.pk]), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert vietnamese in slip
    with pytest.raises(StateError):  # issued once
        s.draft_issue(draft=d, acting_user=office.clerk)


def test_a_draft_answers_only_open_records_of_its_unit(office):
    rec = _received(office)
    other = office.p.leader(office.p.stc)
    with pytest.raises(InvalidInput):
        s.draft_create(owner_unit=office.p.stc, acting_user=other, upload=office.pdf(), subject="x", replies_to=[rec])
