"""
The ETSI report of a stored verification is built after it (h17, issue 17: "the ETSI report built
lazily or in a separate low-priority task"): the verification stores its verdict and evidence at
once, the report comes later from the same bytes, as of the verification's time.
"""
import pytest
from django.core.files.storage import default_storage
from django.test import override_settings

from egov.core.models import AuditEvent
from egov.core.queues import route_task
from signatures.models import Verification
from signatures.services import verification_run
from signatures.services.verification import verification_etsi_report, verification_etsi_reports_due
from signatures.tasks import etsi_reports_task

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not __import__("importlib").util.find_spec("xsdata"), reason="xsdata (pyHanko 'etsi' extra) missing"),
]


@override_settings(SIGNATURES_ETSI_REPORT=True)
def test_stored_verification_defers_the_report_then_builds_it_once(trust_store, signed_by, django_capture_on_commit_callbacks):
    content = signed_by("person")
    with django_capture_on_commit_callbacks() as callbacks:
        v = verification_run(content=content, filename="deferred.pdf")
    assert v.verdict == "valid" and v.etsi_report == ""
    assert v.evidence["etsi_report"] == "deferred" and v.etsi_report_due
    assert callbacks == []  # nothing published per verification: the sweep takes it
    with default_storage.open(v.file_path, "rb") as fh:  # the judged bytes are kept for the report
        assert fh.read() == content
    before = dict(Verification.objects.filter(pk=v.pk).values("verdict", "signatures", "evidence", "verified_at")[0])

    report = verification_etsi_report(verification_id=v.pk)
    assert "ValidationReport" in report and "mainindication:total-passed" in report
    v.refresh_from_db()
    assert v.etsi_report == report and not v.etsi_report_due
    # nothing else of the evidence changed; the addition has its audit row
    assert dict(Verification.objects.filter(pk=v.pk).values("verdict", "signatures", "evidence", "verified_at")[0]) == before
    assert AuditEvent.objects.filter(verb="signatures.etsi_report_added", object_id=str(v.pk)).count() == 1
    # idempotent: a redelivered task writes nothing more
    assert verification_etsi_report(verification_id=v.pk) == report
    assert AuditEvent.objects.filter(verb="signatures.etsi_report_added", object_id=str(v.pk)).count() == 1


@override_settings(SIGNATURES_ETSI_REPORT=True)
def test_the_sweep_builds_the_due_reports_oldest_first_and_keeps_an_unreadable_one_due(trust_store, signed_by):
    first = verification_run(content=signed_by("person"), filename="one.pdf")
    second = verification_run(content=signed_by("organisation"), filename="two.pdf")
    inline = verification_run(content=signed_by("person"), filename="inline.pdf", etsi_report=True)
    assert not inline.etsi_report_due
    assert sorted(Verification.objects.filter(etsi_report_due=True).values_list("pk", flat=True)) == sorted(
        [first.pk, second.pk])
    assert verification_etsi_reports_due(limit=1) == 1  # bounded: the oldest
    first.refresh_from_db(), second.refresh_from_db()
    assert "ValidationReport" in first.etsi_report and not first.etsi_report_due and second.etsi_report_due
    # The stored file is unreadable now (storage outage): the row stays due, nothing half-written.
    default_storage.delete(second.file_path)
    assert etsi_reports_task.run() == 0
    second.refresh_from_db()
    assert second.etsi_report == "" and second.etsi_report_due
    assert AuditEvent.objects.filter(verb="signatures.etsi_report_added", object_id=str(second.pk)).count() == 0
    assert route_task("signatures.etsi_reports", (), {}, {})["queue"].endswith("reports")


@override_settings(SIGNATURES_ETSI_REPORT=True)
def test_deferred_report_uses_the_extra_trust_material_of_the_run(pki, signed_by):
    # No trust store: the run's own anchor and CRLs make the signature valid; the report needs them too.
    content = signed_by("person")
    v = verification_run(content=content, filename="extras.pdf", extra_anchors=[pki.root.pem],
                         extra_crls=[pki.root_crl, pki.intermediate_crl])
    assert v.evidence["etsi_report"] == "deferred" and v.evidence["extra_trust_material_path"]
    assert "ValidationReport" in verification_etsi_report(verification_id=v.pk)


@override_settings(SIGNATURES_ETSI_REPORT=True)
def test_inline_report_on_request_and_nothing_deferred_without_store(trust_store, signed_by):
    v = verification_run(content=signed_by("person"), filename="inline.pdf", etsi_report=True)
    assert "ValidationReport" in v.etsi_report and v.evidence["etsi_report"] is True
    unsaved = verification_run(content=signed_by("person"), filename="x.pdf", store=False)
    assert unsaved.pk is None and unsaved.evidence["etsi_report"] is False and unsaved.file_path == ""


def test_the_report_task_waits_in_the_reports_queue():
    from django.conf import settings

    assert route_task("signatures.etsi_report", (), {}, {})["queue"] == f"{settings.CELERY_QUEUE_PREFIX}reports"
    assert route_task("signatures.verify_blob", (), {}, {})["queue"] == f"{settings.CELERY_QUEUE_PREFIX}signatures"
