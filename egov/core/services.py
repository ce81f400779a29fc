"""Services of the portal package: worker heartbeats, periodic jobs' last runs and the health check."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import JobRun, WorkerHeartbeat


def worker_heartbeat_record(*, hostname: str) -> None:
    """Upsert the heartbeat of one worker process."""
    WorkerHeartbeat.objects.update_or_create(hostname=hostname, defaults={"seen_at": timezone.now()})


def job_run_record(*, name: str, succeeded: bool, runtime_ms: int = 0) -> None:
    """Upsert the last run of one periodic job (bookkeeping, like the heartbeat: no audit row)."""
    JobRun.objects.update_or_create(name=name[:200], defaults={
        "finished_at": timezone.now(), "succeeded": succeeded, "runtime_ms": max(0, int(runtime_ms))})


def worker_heartbeat_forget(*, hostname: str) -> None:
    """A worker stopping cleanly: it is no longer alive (health, leases) from now on."""
    WorkerHeartbeat.objects.filter(hostname=hostname).delete()


def live_workers() -> set[str]:
    """Hostnames of the workers whose heartbeat is younger than WORKER_STALE_AFTER."""
    fresh_after = timezone.now() - timedelta(seconds=settings.WORKER_STALE_AFTER)
    return set(WorkerHeartbeat.objects.filter(seen_at__gte=fresh_after).values_list("hostname", flat=True))


def health_check() -> dict:
    """
    Database reachable, broker reachable, a worker seen within WORKER_STALE_AFTER seconds.
    Each check catches its own failure so that one broken part never hides the others.
    """
    result: dict = {"database": False, "broker": False, "worker": False, "workers": []}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            result["database"] = cursor.fetchone()[0] == 1
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        result["database_error"] = str(exc)
    try:
        from egov.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            result["broker"] = True
    except Exception as exc:  # noqa: BLE001
        result["broker_error"] = str(exc)
    if result["database"]:
        fresh_after = timezone.now() - timedelta(seconds=settings.WORKER_STALE_AFTER)
        workers = list(
            WorkerHeartbeat.objects.filter(seen_at__gte=fresh_after).values_list("hostname", "seen_at")
        )
        result["workers"] = [{"hostname": h, "seen_at": s.isoformat()} for h, s in workers]
        result["worker"] = bool(workers)
    if result["database"]:
        result["axis"] = _axis_health()
    result["ok"] = result["database"] and result["broker"] and result["worker"]
    return result


def _axis_health() -> list[dict]:
    """Informational: each axis / LGSP peer's last poll and last successful poll (the model by name: base layer)."""
    from django.apps import apps

    if not apps.is_installed("documents.federation"):
        return []
    Peer = apps.get_model("federation", "Peer")
    try:
        rows = Peer.objects.filter(protocol="axis", enabled=True).values_list(
            "code", "poll_last_at", "poll_last_ok_at", "poll_failures", "poll_error")
        return [{"peer": code, "last_poll": last and last.isoformat(), "last_success": ok and ok.isoformat(),
                 "failures": failures, "error": error[:300]} for code, last, ok, failures, error in rows]
    except Exception as exc:  # noqa: BLE001 - health must answer even before the migration ran
        return [{"error": str(exc)[:300]}]
