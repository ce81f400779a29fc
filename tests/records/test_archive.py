"""Transfer to the archive, E-ARK packages (validated by eark-validator), access, retention, holds."""
import datetime
import io
import zipfile

import pytest
from django.utils import timezone

from egov.core.errors import InvalidInput, PermissionDeniedError, StateError
from egov.core.models import Notification
from records.choices import AccessState, FileState, PackageKind, ProposalState
from records.models import CaseFile, DestructionProposal
from records.packages import PackageInvalid, package_verify
from records.services import (
    access_decide,
    access_request,
    archive_accept,
    archive_check,
    archive_return,
    destruction_council_set,
    destruction_execute,
    destruction_vote,
    dip_create,
    file_add_document,
    file_keep_back,
    file_open,
    legal_hold_place,
    legal_hold_release,
    package_download,
    retention_review,
    sip_export,
    transfer_reminders_send,
    transfer_submit,
)
from records.services.packaging import package_check, package_read

from .conftest import eark_validate

pytestmark = pytest.mark.django_db


def _archived(office, **kw):
    f = office.closed_file(**kw)
    transfer_submit(case_file=f, acting_user=office.keeper)
    archive_accept(case_file=f, acting_user=office.archivist)
    return CaseFile.objects.get(pk=f.pk)


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _rezip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def test_transfer_of_an_open_file_is_refused(office):
    office.plan()
    f = file_open(entry=office.entry, acting_user=office.keeper)
    file_add_document(case_file=f, acting_user=office.keeper, document=office.issue())
    with pytest.raises(StateError, match="Only a closed file"):
        transfer_submit(case_file=f, acting_user=office.keeper)


def test_transfer_accept_and_every_package_passes_the_eark_validator(office):
    f = office.closed_file(docs=2, pages=2)
    with pytest.raises(PermissionDeniedError):
        transfer_submit(case_file=f, acting_user=office.other)
    sip = transfer_submit(case_file=f, acting_user=office.keeper)
    f.refresh_from_db()
    assert f.state == FileState.SUBMITTED and sip.kind == PackageKind.SIP
    assert Notification.objects.filter(user=office.archivist, kind="records.file_submitted").exists()
    assert archive_check(f) == []
    with pytest.raises(PermissionDeniedError):
        archive_accept(case_file=f, acting_user=office.leader)  # the archive accepts
    aip = archive_accept(case_file=f, acting_user=office.archivist)
    f.refresh_from_db()
    assert f.state == FileState.ARCHIVED and f.archived_by == office.archivist
    with pytest.raises(StateError):
        file_add_document(case_file=f, acting_user=office.keeper, document=office.issue())  # read-only
    req = access_request(case_file=f, acting_user=office.other, reason="Tra cứu phục vụ thanh tra")
    with pytest.raises(PermissionDeniedError):
        dip_create(case_file=f, acting_user=office.other)  # not granted yet
    access_decide(access=req, acting_user=office.archivist, grant=True,
                  valid_until=timezone.localdate() + datetime.timedelta(days=30))
    dip = dip_create(case_file=f, acting_user=office.other)
    out = sip_export(case_file=f, acting_user=office.archivist)  # for the historical archive
    for package in (sip, aip, dip, out):
        data = package_read(package)
        report = eark_validate(data)
        assert report["valid"], (package.kind, report)
        assert report["structure"] == "WellFormed" and not report["schema_errors"]
        members = package_check(package)["files"]
        assert "METS.xml" in members and "metadata/preservation/premis.xml" in members
        assert "metadata/descriptive/ead.xml" in members
        assert sum(m.startswith("representations/rep1/data/") for m in members) == 2
    premis = _members(package_read(dip))
    premis = next(v for k, v in premis.items() if k.endswith("premis.xml")).decode()
    for kind in ("creation", "closing", "transfer", "acceptance", "access"):
        assert f"<premis:eventType>{kind}</premis:eventType>" in premis
    assert "+07:00" in premis
    # every download of a package is an access event of the file
    before = f.events.filter(kind="access").count()
    package_download(package=dip, acting_user=office.other)
    assert f.events.filter(kind="access").count() == before + 1
    with pytest.raises(PermissionDeniedError):
        package_download(package=aip, acting_user=office.other)


def test_a_tampered_package_is_refused_by_the_validator_and_by_the_portal(office):
    f = office.closed_file(docs=1)
    sip = transfer_submit(case_file=f, acting_user=office.keeper)
    members = _members(package_read(sip))
    name = next(k for k in members if k.endswith(".pdf"))
    members[name] = members[name] + b"%% tampered\n"
    tampered = _rezip(members)
    report = eark_validate(tampered)
    assert not report["valid"] and report["manifest_issues"], report
    with pytest.raises(PackageInvalid, match="differs"):
        package_verify(tampered)
    with pytest.raises(PackageInvalid):
        package_check(sip, tampered)
    # the same bytes changed without changing the size: still caught by both
    members = _members(package_read(sip))
    content = bytearray(members[name])
    content[-10] = (content[-10] + 1) % 256
    members[name] = bytes(content)
    same_size = _rezip(members)
    assert not eark_validate(same_size)["valid"]
    with pytest.raises(PackageInvalid, match="SHA-256"):
        package_verify(same_size)
    # and the archive refuses to accept a package altered in storage
    from django.core.files.storage import default_storage

    default_storage.delete(sip.path)
    default_storage.save(sip.path, io.BytesIO(tampered))
    with pytest.raises(StateError, match="cannot be accepted"):
        archive_accept(case_file=f, acting_user=office.archivist)


def test_package_verify_refuses_unlisted_and_unsafe_members(office):
    f = office.closed_file(docs=1)
    sip = transfer_submit(case_file=f, acting_user=office.keeper)
    members = _members(package_read(sip))
    top = next(iter(members)).split("/")[0]
    with pytest.raises(PackageInvalid, match="not listed"):
        package_verify(_rezip({**members, f"{top}/representations/rep1/data/extra.pdf": b"%PDF-1.4"}))
    with pytest.raises(PackageInvalid, match="unsafe"):
        package_verify(_rezip({**members, f"{top}/../evil.txt": b"x"}))
    with pytest.raises(PackageInvalid, match="exactly one top folder"):
        package_verify(_rezip({**members, "other/METS.xml": b"<x/>"}))


def test_return_with_reasons_then_transfer_again(office):
    f = office.closed_file()
    transfer_submit(case_file=f, acting_user=office.keeper)
    with pytest.raises(InvalidInput):
        archive_return(case_file=f, acting_user=office.archivist, reason=" ")
    archive_return(case_file=f, acting_user=office.archivist, reason="Thiếu văn bản số 3")
    f.refresh_from_db()
    assert f.state == FileState.RETURNED and f.return_reason == "Thiếu văn bản số 3"
    assert Notification.objects.filter(user=office.keeper, kind="records.file_returned").exists()
    transfer_submit(case_file=f, acting_user=office.keeper)
    assert CaseFile.objects.get(pk=f.pk).state == FileState.SUBMITTED


def test_keep_back_is_approved_by_the_head_for_at_most_two_years(office):
    f = office.closed_file()
    with pytest.raises(PermissionDeniedError):
        file_keep_back(case_file=f, acting_user=office.keeper, until=f.transfer_due, reason="Còn dùng")
    with pytest.raises(InvalidInput, match="at the latest"):
        file_keep_back(case_file=f, acting_user=office.leader, until=f.transfer_due + datetime.timedelta(days=731),
                       reason="Còn dùng")
    f = file_keep_back(case_file=f, acting_user=office.leader, until=f.transfer_due + datetime.timedelta(days=700),
                       reason="Còn phục vụ công tác")
    assert f.state == FileState.KEPT_BACK and f.keep_back_approved_by == office.leader
    assert f.events.filter(kind="keep_back").exists()


def test_reminder_30_days_before_the_transfer_is_due(office):
    f = office.closed_file()
    assert transfer_reminders_send(today=f.transfer_due - datetime.timedelta(days=31)) == 0
    assert transfer_reminders_send(today=f.transfer_due - datetime.timedelta(days=30)) == 1
    assert transfer_reminders_send(today=f.transfer_due - datetime.timedelta(days=29)) == 0  # once
    for user in (office.keeper, office.archivist):
        assert Notification.objects.filter(user=user, kind="records.transfer_due", object_id=f.pk).exists()


def test_a_kept_back_file_is_reminded_30_days_before_its_keep_back_ends(office):
    f = office.closed_file()
    assert transfer_reminders_send(today=f.transfer_due - datetime.timedelta(days=30)) == 1
    until = f.transfer_due + datetime.timedelta(days=400)
    f = file_keep_back(case_file=f, acting_user=office.leader, until=until, reason="Còn phục vụ thanh tra")
    # not at the old deadline, which the keep-back moved
    assert transfer_reminders_send(today=f.transfer_due - datetime.timedelta(days=30)) == 0
    assert transfer_reminders_send(today=until - datetime.timedelta(days=31)) == 0
    assert transfer_reminders_send(today=until - datetime.timedelta(days=30)) == 1
    note = Notification.objects.filter(user=office.keeper, kind="records.transfer_due", object_id=f.pk).latest("pk")
    assert until.strftime("%d/%m/%Y") in note.text


def test_the_beat_task_reminds(office):
    from django.conf import settings

    from records.tasks import transfer_reminders_task

    f = office.closed_file()
    CaseFile.objects.filter(pk=f.pk).update(transfer_due=timezone.localdate())
    assert transfer_reminders_task.apply().get() == 1
    assert {"records-transfer-reminders", "records-retention-review"} <= set(settings.CELERY_BEAT_SCHEDULE)


def test_access_is_refused_before_archiving_and_decided_once(office):
    f = office.closed_file()
    with pytest.raises(StateError):
        access_request(case_file=f, acting_user=office.other, reason="Tra cứu")
    transfer_submit(case_file=f, acting_user=office.keeper)
    archive_accept(case_file=f, acting_user=office.archivist)
    with pytest.raises(PermissionDeniedError):
        access_request(case_file=f, acting_user=office.stranger, reason="Tra cứu")  # another unit
    req = access_request(case_file=f, acting_user=office.other, reason="Tra cứu")
    access_decide(access=req, acting_user=office.archivist, grant=False, note="Không thuộc phạm vi")
    with pytest.raises(StateError):
        access_decide(access=req, acting_user=office.archivist, grant=True)
    req.refresh_from_db()
    assert req.state == AccessState.REFUSED


def _expired(office):
    f = _archived(office)
    # retention 06 (10 years), closed in 2026: it ends on 31/12/2036
    assert f.retention_ends == datetime.date(timezone.localtime(f.closed_at).year + 10, 12, 31)
    return f, f.retention_ends + datetime.timedelta(days=1)


def test_retention_review_council_and_destruction(office):
    f, after = _expired(office)
    assert retention_review(year=after.year, on=f.retention_ends) == []  # not yet ended
    [proposal] = retention_review(year=after.year, on=after)
    assert retention_review(year=after.year, on=after) == []  # once a year
    assert list(proposal.files.all()) == [f] and list(proposal.council.all()) == [office.leader]
    destruction_council_set(proposal=proposal, acting_user=office.leader, members=[office.leader, office.clerk])
    with pytest.raises(PermissionDeniedError):
        destruction_vote(proposal=proposal, acting_user=office.keeper, approve=True)
    with pytest.raises(StateError):
        destruction_execute(proposal=proposal, acting_user=office.archivist)  # not approved yet
    destruction_vote(proposal=proposal, acting_user=office.leader, approve=True)
    p = destruction_vote(proposal=proposal, acting_user=office.clerk, approve=True, decision_ref="QĐ 12/QĐ-SNV")
    assert p.state == ProposalState.APPROVED
    with pytest.raises(PermissionDeniedError):
        destruction_execute(proposal=p, acting_user=office.leader)  # the archive carries it out
    aip = f.packages.get(kind=PackageKind.AIP)
    assert destruction_execute(proposal=p, acting_user=office.archivist) == 1
    f.refresh_from_db()
    assert f.state == FileState.DESTROYED and not f.items.exists()
    assert [row["ordinal"] for row in f.destroyed_index] == [1, 2]  # the metadata stays
    aip.refresh_from_db()
    assert aip.purged_at is not None and aip.path == ""
    assert DestructionProposal.objects.get(pk=p.pk).state == ProposalState.EXECUTED
    with pytest.raises(StateError):
        package_download(package=aip, acting_user=office.archivist)


def test_a_vote_against_rejects(office):
    f, after = _expired(office)
    [p] = retention_review(year=after.year, on=after)
    p = destruction_vote(proposal=p, acting_user=office.leader, approve=False, note="Còn giá trị")
    assert p.state == ProposalState.REJECTED


def test_legal_hold_freezes_change_move_and_destruction(office):
    f = office.closed_file()
    with pytest.raises(PermissionDeniedError):
        legal_hold_place(unit=office.unit, files=[f], acting_user=office.keeper, reason="Thanh tra")
    hold = legal_hold_place(unit=office.unit, files=[f], acting_user=office.leader, reason="Thanh tra")
    with pytest.raises(StateError, match="legal hold"):
        transfer_submit(case_file=f, acting_user=office.keeper)  # move
    legal_hold_release(hold=hold, acting_user=office.leader)
    transfer_submit(case_file=f, acting_user=office.keeper)
    archive_accept(case_file=f, acting_user=office.archivist)
    f.refresh_from_db()
    after = f.retention_ends + datetime.timedelta(days=1)
    [p] = retention_review(year=after.year, on=after)
    destruction_vote(proposal=p, acting_user=office.leader, approve=True)
    legal_hold_place(unit=office.unit, files=[f], acting_user=office.archivist, reason="Tranh chấp")
    with pytest.raises(StateError, match="legal hold"):
        destruction_execute(proposal=p, acting_user=office.archivist)
    assert CaseFile.objects.get(pk=f.pk).state == FileState.ARCHIVED
    open_file = file_open(entry=office.entry, acting_user=office.keeper)
    legal_hold_place(unit=office.unit, files=[open_file], acting_user=office.leader, reason="Niêm phong")
    with pytest.raises(StateError, match="legal hold"):
        file_add_document(case_file=open_file, acting_user=office.keeper, document=office.issue())  # change
