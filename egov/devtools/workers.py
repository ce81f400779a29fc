"""
Starting and stopping real Celery worker processes from Python: used by the test suite's
worker fixture, the fault-injection command and the benchmarks. The worker gets the same
database and broker as the caller (or the ones given) and its own queue names (the default
queue and CELERY_QUEUE_PREFIX + each concern), so concurrent test runs on one machine never
steal each other's tasks. ``concerns`` limits it to a group of queues (a worker per group).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection


def database_url_of_current_connection() -> str:
    """A DATABASE_URL for the database this process is connected to (e.g. the test database)."""
    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    if "postgresql" in s["ENGINE"]:
        user = s.get("USER") or ""
        password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
        auth = f"{user}{password}@" if user else ""
        return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"
    raise RuntimeError(f"unsupported engine {s['ENGINE']}")


class WorkerProcess:
    """A Celery worker subprocess. ``start()`` waits until it has reported a heartbeat."""

    def __init__(self, *, queue: str | None = None, concurrency: int = 2, broker_url: str | None = None,
                 database_url: str | None = None, extra_env: dict | None = None, log_path: str | None = None,
                 pool: str = "prefork", prefix: str | None = None, concerns: list[str] | None = None):
        self.queue = queue or settings.CELERY_TASK_DEFAULT_QUEUE
        if prefix is None:
            prefix = settings.CELERY_QUEUE_PREFIX if self.queue == settings.CELERY_TASK_DEFAULT_QUEUE else f"{self.queue}."
        self.prefix = prefix
        self.concerns = concerns
        self.concurrency = concurrency
        self.broker_url = broker_url or settings.CELERY_BROKER_URL
        self.database_url = database_url or database_url_of_current_connection()
        self.extra_env = extra_env or {}
        self.hostname = f"w{uuid.uuid4().hex[:8]}@egov"
        self.log_path = log_path or str(Path(settings.VAR_DIR) / f"worker-{self.hostname.split('@')[0]}.log")
        self.pool = pool
        self.proc: subprocess.Popen | None = None

    def env(self) -> dict:
        env = {**os.environ, "DATABASE_URL": self.database_url, "CELERY_BROKER_URL": self.broker_url,
               "CELERY_DEFAULT_QUEUE": self.queue, "CELERY_QUEUE_PREFIX": self.prefix,
               "EGOV_VAR_DIR": str(settings.VAR_DIR),
               "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "egov.settings.local")}
        env.update(self.extra_env)
        return env

    def queues(self) -> list[str]:
        return [self.queue if c == "default" else f"{self.prefix}{c}"
                for c in (self.concerns or settings.CELERY_QUEUE_CONCERNS)]

    def start(self, timeout: float = 60, wait: bool = True) -> "WorkerProcess":
        Path(self.log_path).parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        cmd = [sys.executable, "-m", "celery", "-A", "egov", "worker", "-l", "info", "-Q", ",".join(self.queues()),
               "-c", str(self.concurrency), "-n", self.hostname, "-P", self.pool, "--without-gossip",
               "--without-mingle", "--without-heartbeat"]
        self.proc = subprocess.Popen(cmd, env=self.env(), cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        from egov.core.models import WorkerHeartbeat

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited with {self.proc.returncode}; see {self.log_path}")
            if WorkerHeartbeat.objects.filter(hostname=self.hostname).exists():
                return
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready after {timeout}s; see {self.log_path}")

    def wait_idle(self, timeout: float = 60, settle: float = 0.5) -> bool:
        """
        Wait until this worker runs, holds and awaits no task and its queues are empty, twice
        ``settle`` seconds apart (a task may enqueue another). Tests call it before the database is
        flushed, which would otherwise deadlock with a follow-up task (search index, verification).
        """
        from egov.celery import app

        deadline = time.monotonic() + timeout
        quiet = 0
        while time.monotonic() < deadline and self.proc and self.proc.poll() is None:
            inspect = app.control.inspect(destination=[self.hostname], timeout=1.0)
            busy = any((inspect.active() or {}).get(self.hostname, [None])) or \
                any((inspect.reserved() or {}).get(self.hostname, [None])) or \
                any((inspect.scheduled() or {}).get(self.hostname, []))
            if not busy:
                with app.connection_for_write() as conn:
                    channel = conn.default_channel
                    for queue in self.queues():
                        try:
                            if channel.queue_declare(queue=queue, passive=True).message_count:
                                busy = True
                                break
                        except Exception:  # noqa: BLE001 - a queue never declared holds nothing
                            channel = conn.channel()
            quiet = 0 if busy else quiet + 1
            if quiet >= 2:
                return True
            time.sleep(settle)
        return False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children), as a crash would."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 20) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def wait_until(predicate, *, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
