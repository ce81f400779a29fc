"""
Celery tasks of the signatures app. Thin: they take primary keys and call services.

- ``verify_blob_task(verification_id)``: run a pending Verification whose bytes are in the
  default storage (documents app: on attachment upload and on receipt).
- ``sweep_pending_verifications_task()``: re-enqueue verifications whose task was lost (beat).
- ``etsi_reports_task()``: build the deferred ETSI reports still due (beat, queue ``reports``);
  ``etsi_report_task(verification_id)`` builds one (kept for messages queued before the sweep).
- ``refresh_crls_task()``: periodic CRL refresh from distribution points (beat; does nothing
  unless SIGNATURES_NETWORK_FETCH is on).
"""
from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)

# Merge into CELERY_BEAT_SCHEDULE (egov/settings/base.py).
SIGNATURES_BEAT_SCHEDULE = {
    "signatures-refresh-crls": {"task": "signatures.refresh_crls", "schedule": 6 * 3600.0},
    "signatures-sweep-pending": {"task": "signatures.sweep_pending", "schedule": 300.0},
    "signatures-etsi-reports": {"task": "signatures.etsi_reports", "schedule": 30.0, "options": {"expires": 60}},
}


@shared_task(name="signatures.verify_blob", bind=True, acks_late=True, autoretry_for=(OSError,),
             retry_backoff=30, retry_jitter=True, max_retries=5)
def verify_blob_task(self, verification_id: int) -> None:
    """Run pending verification ``verification_id``; returns quietly if it is gone or done."""
    from .models import Verification
    from .services import verification_execute

    verification = Verification.objects.filter(pk=verification_id).first()
    if verification is None:
        logger.info("verification %s is gone", verification_id)
        return
    verification_execute(verification=verification)


@shared_task(name="signatures.etsi_report", acks_late=True, autoretry_for=(OSError,), retry_backoff=30,
             retry_jitter=True, max_retries=5)
def etsi_report_task(verification_id: int) -> None:
    """Build the deferred ETSI report of a verification (queue "reports": low priority, h17)."""
    from .services.verification import verification_etsi_report

    verification_etsi_report(verification_id=verification_id)


@shared_task(name="signatures.etsi_reports", acks_late=True)
def etsi_reports_task(limit: int = 50) -> int:
    """The deferred ETSI reports still due, oldest first (h17: nothing is published per verification)."""
    from .services.verification import verification_etsi_reports_due

    return verification_etsi_reports_due(limit=limit)


@shared_task(name="signatures.refresh_crls", acks_late=True)
def refresh_crls_task() -> None:
    from .services.crl_fetch import crls_refresh

    report = crls_refresh()
    logger.info("CRL refresh: %s", report)


@shared_task(name="signatures.sweep_pending", acks_late=True)
def sweep_pending_verifications_task(older_than_seconds: int = 300, limit: int = 500) -> int:
    """
    Re-enqueue verifications still pending after ``older_than_seconds`` (their task was lost:
    broker down at upload time, worker killed). Running one twice is harmless: a verification
    that is no longer pending is left alone.
    """
    from datetime import timedelta

    from django.utils import timezone

    from .choices import VerificationStatus
    from .models import Verification

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(Verification.objects.filter(status=VerificationStatus.PENDING, created_at__lt=cutoff)
               .order_by("pk").values_list("pk", flat=True)[:limit])
    for pk in ids:
        verify_blob_task.delay(pk)
    return len(ids)
