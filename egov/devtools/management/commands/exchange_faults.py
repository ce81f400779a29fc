"""
python manage.py exchange_faults --scenario kill-worker|stop-broker [--json]

Fault injection against real processes:
- kill-worker: a province-wide send; the worker is SIGKILLed (with its pool) as soon as the
  first deliveries land; a new worker is started and the sweeper runs → every dispatch must end
  delivered exactly once.
- stop-broker: a private Redis is started for the run; 20 sends, with Redis stopped for sends
  6–15 and started again (empty, as after a crash without persistence) → every dispatch
  delivered exactly once, none lost.
Exit status 0 only when every dispatch was delivered exactly once. Uses the configured database.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from egov.devtools.exchange import SEND_DAY, delivery_report, ensure_clerk, ensure_province, issue_document
from egov.devtools.workers import WorkerProcess, wait_until


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A throw-away redis-server on a free loopback port (never the machine's shared Redis)."""

    def __init__(self):
        if shutil.which("redis-server") is None:
            raise CommandError("redis-server is not installed")
        self.port = _free_port()
        self.dir = tempfile.mkdtemp(prefix="egov-redis-")
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)

        def up():
            try:
                return client.ping()
            except Exception:  # noqa: BLE001
                return False

        if not wait_until(up, timeout=10, interval=0.05):
            raise CommandError("private redis did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()  # a crash, not a clean shutdown
            self.proc.wait(5)


class Command(BaseCommand):
    help = "Kill the worker or stop the broker in the middle of sends; check every dispatch is delivered exactly once."

    def add_arguments(self, parser):
        parser.add_argument("--scenario", choices=["kill-worker", "stop-broker"], required=True)
        parser.add_argument("--json", action="store_true", dest="as_json")
        parser.add_argument("--timeout", type=float, default=180)

    def handle(self, *args, scenario, as_json: bool, timeout: float, **options):
        from documents.services import dispatch_sweep

        # The sweeper is driven from here (as beat would), with a short "stuck" threshold.
        settings.DELIVERY_STUCK_AFTER = 2
        unit = ensure_province()
        clerk = ensure_clerk(unit, "faults.vanthu")
        started = time.monotonic()
        if scenario == "kill-worker":
            result = self._kill_worker(unit, clerk, timeout, dispatch_sweep)
        else:
            result = self._stop_broker(unit, clerk, timeout, dispatch_sweep)
        result["scenario"] = scenario
        result["seconds"] = round(time.monotonic() - started, 2)
        out = json.dumps(result, ensure_ascii=False)
        self.stdout.write(out if as_json else f"{scenario}: {out}")
        if not result["exactly_once"]:
            raise CommandError("not every dispatch was delivered exactly once")

    def _drain(self, docs, timeout, sweep):
        def done():
            sweep()
            return delivery_report(docs)["exactly_once"]

        wait_until(done, timeout=timeout, interval=1.0)
        return delivery_report(docs)

    def _kill_worker(self, unit, clerk, timeout, sweep):
        from documents.models import Dispatch
        from documents.services import document_send

        settings.DELIVERY_BATCH_SIZE = 5  # many small tasks, so the kill lands in the middle
        doc = issue_document(unit, clerk, "Kiểm thử: dừng đột ngột tiến trình xử lý nền")
        first = WorkerProcess(concurrency=1).start()
        dispatches = document_send(document=doc, acting_user=clerk, groups=["province"], on=SEND_DAY)
        total = len(dispatches)
        delivered = Dispatch.objects.filter(document=doc, state="delivered")
        wait_until(lambda: delivered.exists(), timeout=60, interval=0.002)
        first.kill()
        at_kill = delivered.count()
        second = WorkerProcess(concurrency=2).start()
        try:
            report = self._drain([doc], timeout, sweep)
        finally:
            second.stop()
        report.update({"delivered_before_kill": at_kill, "killed_mid_send": 0 < at_kill < total})
        report["exactly_once"] = report["exactly_once"] and report["killed_mid_send"]
        return report

    def _stop_broker(self, unit, clerk, timeout, sweep):
        from documents.services import document_send
        from egov.celery import app

        redis = PrivateRedis()
        redis.start()
        # Celery reads CELERY_BROKER_URL from the environment before its own settings; nothing
        # has been published by this process yet, so the producer connects to the private Redis.
        os.environ["CELERY_BROKER_URL"] = redis.url
        app.conf.broker_transport_options = {"visibility_timeout": 3600}
        assert app.connection_for_write().as_uri().endswith(f":{redis.port}/0")
        worker = WorkerProcess(concurrency=2, broker_url=redis.url).start()
        docs, sent_while_down = [], 0
        try:
            for i in range(20):
                if i == 5:
                    redis.stop()
                if i == 15:
                    redis.start()
                doc = issue_document(unit, clerk, f"Kiểm thử: mất kết nối hàng đợi, lần gửi {i + 1}")
                document_send(document=doc, acting_user=clerk, groups=["departments", "districts"], on=SEND_DAY)
                docs.append(doc)
                sent_while_down += 5 <= i < 15
            report = self._drain(docs, timeout, sweep)
        finally:
            worker.stop()
            redis.stop()
        report.update({"sends": len(docs), "sent_while_broker_down": sent_while_down})
        return report
