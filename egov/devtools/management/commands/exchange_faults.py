"""
python manage.py exchange_faults --scenario all|kill-worker|broker-restart|db-restart|worker-db-down
                                 [--broker redis|rabbitmq] [--json]

Fault injection against real processes, with the portal's default recovery settings (the
sweeper on beat every DELIVERY_SWEEP_EVERY s, leases tied to the worker heartbeat, …; see
docs/operations.md "Recovery"). Everything runs on servers of its own, started for the run and
removed afterwards — a private PostgreSQL cluster, and a private Redis or RabbitMQ node — so
the machine's shared servers are never stopped. Real worker and beat processes.

- kill-worker: two workers; a province-wide send; one worker is SIGKILLed (with its pool) as
  soon as the first deliveries land. The other carries on; the batch the dead one held is
  re-enqueued when its heartbeat stops. recover_seconds counts from the kill.
- broker-restart (alias stop-broker): 20 sends; the broker is killed before send 6 and
  started again before send 16 (Redis: empty, as after a crash without persistence;
  RabbitMQ: the same node, its quorum queues kept). From the restart.
- db-restart: three province sends; PostgreSQL is stopped (immediate: a crash) as the first
  deliveries land and started again 3 s later. From the restart.
- worker-db-down: a province send waits in the queue; PostgreSQL is stopped; a worker is
  started (it cannot reach the database); PostgreSQL is started 3 s later. From the restart.

Each scenario checks "delivered exactly once" (no loss, no duplicate) and prints
``recover_seconds``: from the failed component being back (or the kill) until every dispatch of
the scenario has arrived. Exit status 0 only when every scenario delivered exactly once.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError, connection

from egov.devtools.exchange import SEND_DAY, delivery_report, ensure_clerk, ensure_province, issue_document
from egov.devtools.servers import (BeatProcess, PrivatePostgres, PrivateRabbit, PrivateRedis, ServerUnavailable,
                                   free_port)
from egov.devtools.workers import WorkerProcess, wait_until

SCENARIOS = ("kill-worker", "broker-restart", "db-restart", "worker-db-down")
DB_NAME = "egov_faults"


def _robust(fn, default=None):
    """Run a query; while the database is down answer ``default`` (and drop the broken connection)."""
    try:
        return fn()
    except (OperationalError, InterfaceError):
        connection.close()
        return default


def _exactly_once(docs) -> bool:
    return bool(_robust(lambda: delivery_report(docs)["exactly_once"], False))


def _requeued(docs) -> int:
    from documents.models import DispatchEvent
    from documents.services.dispatches import REQUEUED

    return DispatchEvent.objects.filter(dispatch__document__in=docs, code=REQUEUED).count()


class Command(BaseCommand):
    help = "Kill workers, broker and database in the middle of sends; check delivery exactly once and recovery time."

    def add_arguments(self, parser):
        parser.add_argument("--scenario", choices=[*SCENARIOS, "all", "stop-broker"], default="all")
        parser.add_argument("--broker", choices=["redis", "rabbitmq"], default="redis")
        parser.add_argument("--json", action="store_true", dest="as_json")
        parser.add_argument("--timeout", type=float, default=120, help="seconds each scenario may take to recover")
        parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)  # runs on the private servers

    # --- outer process: choose ports, run the inner process on them, clean up ---------------

    def handle(self, *args, scenario, broker, as_json, timeout, inner, **options):
        if scenario == "stop-broker":
            scenario = "broker-restart"
        if inner:
            return self._inner(scenario, broker, as_json, timeout)
        spec = {"pg_port": free_port(), "pg_root": tempfile.mkdtemp(prefix="egov-faults-pg-"),
                "broker": broker, "broker_port": free_port()}
        broker_url = (f"redis://127.0.0.1:{spec['broker_port']}/0" if broker == "redis"
                      else f"amqp://guest:guest@127.0.0.1:{spec['broker_port']}//")
        env = {**os.environ, "EGOV_FAULTS_SPEC": json.dumps(spec),
               "DATABASE_URL": f"postgres://postgres@127.0.0.1:{spec['pg_port']}/{DB_NAME}",
               "CELERY_BROKER_URL": broker_url, "CELERY_DEFAULT_QUEUE": "faults", "CELERY_QUEUE_PREFIX": "faults."}
        for key in [k for k in env if k.startswith(("DELIVERY_", "WORKER_"))]:
            del env[key]  # the default recovery settings, whatever the caller's environment says
        cmd = [sys.executable, "manage.py", "exchange_faults", "--inner", "--scenario", scenario, "--broker", broker,
               "--timeout", str(timeout)] + (["--json"] if as_json else [])
        proc = subprocess.Popen(cmd, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            out, _err = proc.communicate(timeout=timeout * 4 * len(SCENARIOS) + 300)
        except subprocess.TimeoutExpired:
            out = ""
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            PrivatePostgres(spec["pg_port"], spec["pg_root"]).destroy()  # whatever the inner process left
        self.stdout.write(out.rstrip("\n"))
        if proc.returncode != 0:
            raise CommandError(f"fault scenario {scenario} on {broker} failed (exit {proc.returncode})")

    # --- inner process: the servers are ours ---------------------------------------------------

    def _inner(self, scenario, broker, as_json, timeout):
        spec = json.loads(os.environ["EGOV_FAULTS_SPEC"])
        self.pg = PrivatePostgres(spec["pg_port"], spec["pg_root"]).init()
        self.pg.start()
        self.pg.create_database(DB_NAME)
        try:
            self.broker = (PrivateRedis(spec["broker_port"]) if broker == "redis" else PrivateRabbit(spec["broker_port"]))
        except ServerUnavailable as exc:
            raise CommandError(str(exc)) from exc
        self.broker.start()
        self.var = Path(tempfile.mkdtemp(prefix="egov-faults-"))
        self.timeout = timeout
        results = {}
        try:
            call_command("migrate", verbosity=0)
            unit = ensure_province()
            clerk = ensure_clerk(unit, "faults.vanthu")
            names = SCENARIOS if scenario == "all" else (scenario,)
            for name in names:
                started = time.monotonic()
                result = getattr(self, "_" + name.replace("-", "_"))(unit, clerk)
                result["seconds"] = round(time.monotonic() - started, 2)
                result["recovered_within_10s"] = result["exactly_once"] and result["recover_seconds"] <= 10
                results[name] = result
        finally:
            self.broker.destroy()
            self.pg.stop("immediate")
            if all(r.get("exactly_once") for r in results.values()) and results and not os.environ.get(
                    "EGOV_FAULTS_KEEP_LOGS"):
                shutil.rmtree(self.var, ignore_errors=True)
            else:
                self.stderr.write(f"worker and beat logs kept in {self.var}")
        ok = all(r["exactly_once"] for r in results.values())
        if scenario == "all":
            out = {"broker": broker, "scenarios": results, "exactly_once": ok,
                   "recover_seconds": {k: v["recover_seconds"] for k, v in results.items()},
                   "max_recover_seconds": max(v["recover_seconds"] for v in results.values())}
        else:
            out = {"scenario": scenario, "broker": broker, **results[scenario]}
        text = json.dumps(out, ensure_ascii=False)
        self.stdout.write(text if as_json else f"{scenario}: {text}")
        if not ok:
            raise CommandError("not every dispatch was delivered exactly once")

    def _env(self) -> dict:
        return {**os.environ, "EGOV_VAR_DIR": str(settings.VAR_DIR),
                "DATABASE_URL": os.environ["DATABASE_URL"], "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"]}

    def _worker(self, concurrency=1) -> WorkerProcess:
        return WorkerProcess(concurrency=concurrency, log_path=str(self.var / f"worker-{time.monotonic_ns()}.log"))

    def _beat(self) -> BeatProcess:
        return BeatProcess(self._env(), str(self.var / "beat.log")).start()

    def _wait_delivered(self, docs, since: float) -> tuple[dict, float]:
        wait_until(lambda: _exactly_once(docs), timeout=self.timeout, interval=0.05)
        recover = time.monotonic() - since
        report = _robust(lambda: delivery_report(docs), {"exactly_once": False})
        return report, round(recover, 2)

    # --- the scenarios ----------------------------------------------------------------------

    def _kill_worker(self, unit, clerk):
        from documents.models import Dispatch
        from documents.services import document_send
        from egov.core.services import live_workers

        doc = issue_document(unit, clerk, "Kiểm thử: dừng đột ngột tiến trình xử lý nền")
        victim, other = self._worker().start(), self._worker().start()
        beat = self._beat()
        try:
            total = len(document_send(document=doc, acting_user=clerk, groups=["province"], on=SEND_DAY))
            delivered = Dispatch.objects.filter(document=doc, state="delivered")
            # Mid-batch: the victim holds a batch it has not delivered yet.
            held = Dispatch.objects.filter(document=doc, claimed_by=victim.hostname).exclude(state="delivered")
            wait_until(lambda: held.exists(), timeout=60, interval=0.002)
            victim.kill()
            killed_at = time.monotonic()
            at_kill = delivered.count()
            seen = {}

            def done():
                now = time.monotonic()
                if "dead" not in seen and victim.hostname not in live_workers():
                    seen["dead"] = now
                if "delivered" not in seen and _exactly_once([doc]):
                    seen["delivered"] = now
                return len(seen) == 2

            wait_until(done, timeout=self.timeout, interval=0.05)
            dead_seen = round(seen.get("dead", time.monotonic()) - killed_at, 2)
            recover = round(seen.get("delivered", time.monotonic()) - killed_at, 2)
            report = delivery_report([doc])
        finally:
            other.stop()
            beat.stop()
        report.update({"delivered_before_kill": at_kill, "killed_mid_send": at_kill < total,
                       "worker_seen_dead_seconds": dead_seen, "recover_seconds": recover,
                       "requeued": _requeued([doc])})
        report["exactly_once"] = report["exactly_once"] and report["killed_mid_send"]
        return report

    def _broker_restart(self, unit, clerk):
        from documents.services import document_send

        worker = self._worker(concurrency=2).start()
        beat = self._beat()
        docs, sent_while_down, back_at = [], 0, None
        try:
            for i in range(20):
                if i == 5:
                    self.broker.kill()
                if i == 15:
                    self.broker.start()
                    back_at = time.monotonic()
                doc = issue_document(unit, clerk, f"Kiểm thử: mất kết nối hàng đợi, lần gửi {i + 1}")
                document_send(document=doc, acting_user=clerk, groups=["departments", "districts"], on=SEND_DAY)
                docs.append(doc)
                sent_while_down += 5 <= i < 15
            sends_done = round(time.monotonic() - back_at, 2)  # the sends after the restart are inside the count
            report, recover = self._wait_delivered(docs, back_at)
        finally:
            worker.stop()
            beat.stop()
        report.update({"sends": len(docs), "sent_while_broker_down": sent_while_down, "recover_seconds": recover,
                       "sends_after_restart_seconds": sends_done, "requeued": _requeued(docs)})
        return report

    def _db_restart(self, unit, clerk):
        from documents.models import Dispatch
        from documents.services import document_send

        docs = [issue_document(unit, clerk, f"Kiểm thử: dừng cơ sở dữ liệu, lần gửi {i + 1}") for i in range(3)]
        worker = self._worker(concurrency=2).start()
        beat = self._beat()
        try:
            total = 0
            for doc in docs:
                total += len(document_send(document=doc, acting_user=clerk, groups=["province"], on=SEND_DAY))
            delivered = Dispatch.objects.filter(document__in=docs, state="delivered")
            wait_until(lambda: delivered.exists(), timeout=60, interval=0.002)
            self.pg.stop("immediate")
            connection.close()
            time.sleep(3)
            self.pg.start()
            back_at = time.monotonic()
            at_stop = _robust(lambda: delivered.count(), -1)
            report, recover = self._wait_delivered(docs, back_at)
        finally:
            worker.stop()
            beat.stop()
        report.update({"delivered_when_stopped_at_most": at_stop, "recover_seconds": recover,
                       "stopped_mid_send": 0 <= at_stop < total, "requeued": _requeued(docs)})
        return report

    def _worker_db_down(self, unit, clerk):
        from documents.services import document_send

        doc = issue_document(unit, clerk, "Kiểm thử: khởi động tiến trình nền khi cơ sở dữ liệu ngừng")
        beat = self._beat()
        worker = self._worker(concurrency=2)
        try:
            document_send(document=doc, acting_user=clerk, groups=["province"], on=SEND_DAY)  # queued, no worker yet
            self.pg.stop("fast")
            connection.close()
            worker.start(wait=False)
            log = Path(worker.log_path)
            started = wait_until(lambda: log.exists() and b" ready." in log.read_bytes(), timeout=60, interval=0.1)
            time.sleep(3)  # the worker takes the messages and meets the outage
            self.pg.start()
            back_at = time.monotonic()
            report, recover = self._wait_delivered([doc], back_at)
        finally:
            worker.stop()
            beat.stop()
        report.update({"worker_started_while_db_down": started,
                       "recover_seconds": recover, "requeued": _requeued([doc])})
        return report
