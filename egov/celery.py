"""
The Celery application. Reads the ``CELERY_*`` settings, autodiscovers each app's
``tasks.py`` and installs a worker bootstep that records a heartbeat row, so ``/healthz``
can tell whether a worker is alive whatever the broker (the filesystem transport has no
broadcast, so ``control.ping`` cannot be used).
"""
import functools
import os
import time

from celery import Celery, bootsteps, signals
from celery.worker.consumer import Consumer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "egov.settings.local")

app = Celery("egov", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

import egov.core.logs  # noqa: E402,F401  h17: the request id travels in task headers (signals)


class HeartbeatStep(bootsteps.StartStopStep):
    """Writes ``WorkerHeartbeat(hostname, seen_at)`` every WORKER_HEARTBEAT_SECONDS."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker):
        from django.conf import settings

        self._beat(worker)
        self.tref = worker.timer.call_repeatedly(settings.WORKER_HEARTBEAT_SECONDS, self._beat, (worker,))

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        # h17: a worker that stops cleanly says so at once: /healthz and the sweeper's leases
        # (docs/operations.md, "Recovery") do not wait for its heartbeat to go stale.
        try:
            from egov.core.services import worker_heartbeat_forget

            worker_heartbeat_forget(hostname=worker.hostname)
        except Exception:  # noqa: BLE001
            pass

    @staticmethod
    def _beat(worker):
        from egov.core.services import worker_heartbeat_record

        try:
            worker_heartbeat_record(hostname=worker.hostname)
        except Exception:  # a database hiccup must never kill the worker
            import logging

            logging.getLogger(__name__).warning("worker heartbeat not recorded", exc_info=True)


app.steps["worker"].add(HeartbeatStep)


@functools.cache
def _beat_jobs() -> frozenset[str]:
    """The beat schedule's task names (fixed once configured): checked on every task run."""
    return frozenset(entry["task"] for entry in (app.conf.beat_schedule or {}).values())


@signals.task_prerun.connect
def _job_started(task_id=None, task=None, **kwargs):
    if task is not None and task.name in _beat_jobs():
        task.request._egov_started = time.monotonic()


@signals.task_postrun.connect
def _job_finished(task_id=None, task=None, state=None, **kwargs):
    """h17: a beat job's last run (egov_job_last_run_age_seconds): when it finished and whether it succeeded."""
    if task is None or task.name not in _beat_jobs():
        return
    started = getattr(task.request, "_egov_started", None)
    try:
        from egov.core.services import job_run_record

        job_run_record(name=task.name, succeeded=state == "SUCCESS",
                       runtime_ms=int((time.monotonic() - started) * 1000) if started else 0)
    except Exception:  # noqa: BLE001 - bookkeeping must never fail a task (the database may be down)
        import logging

        logging.getLogger(__name__).warning("job run of %s not recorded", task.name, exc_info=True)


def reconnect_intervals() -> dict:
    """
    How often a worker or beat that lost the broker tries again: the ``interval_*`` of
    CELERY_BROKER_TRANSPORT_OPTIONS (every second here). Celery passes them to publishing only;
    the consumer and beat reconnect with kombu's own back-off (2, 4, 6 … 30 s), which made a
    worker come back up to 10 s after a restarted broker (h16).
    """
    opts = app.conf.broker_transport_options or {}
    return {k: opts[k] for k in ("interval_start", "interval_step", "interval_max") if k in opts}


class ReconnectingConsumer(Consumer):
    """The worker's consumer, reconnecting to the broker at the configured intervals (CELERY_WORKER_CONSUMER)."""

    def ensure_connected(self, conn):
        conn.ensure_connection = functools.partial(conn.ensure_connection, **reconnect_intervals())
        return super().ensure_connected(conn)
