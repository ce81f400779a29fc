"""
Two live portal instances on loopback, for the federation integration test and bench_edxml:
each has its own database (SQLite file, or a PostgreSQL database created and dropped here),
its own var/ directory (media, filesystem broker), a gunicorn web server on a free port and a
Celery worker on its own queue. Set-up and actions run as ``manage.py shell -c`` subprocesses
on the instance's database, so the instances share nothing but the loopback network.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import requests
from django.conf import settings

__all__ = ["PortalInstance", "free_port", "pair_setup_code"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PortalInstance:
    """One portal: database, var dir, web server and worker. Use ``create()`` then ``start()``; ``destroy()`` at the end."""

    def __init__(self, name: str, *, root: Path, base_db_url: str, broker_url: str, peer_code: str,
                 extra_env: dict | None = None):
        self.name = name
        self.root = Path(root) / name
        self.port = free_port()
        self.peer_code = peer_code
        self.queue = f"fed-{name}-{uuid.uuid4().hex[:6]}"
        self.broker_url = broker_url
        self.extra_env = extra_env or {}
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        parsed = urlparse(base_db_url)
        if parsed.scheme.startswith("sqlite"):
            self.pg_admin = None
            self.database_url = f"sqlite:///{self.root / 'db.sqlite3'}"
        else:
            self.db_name = f"{parsed.path.lstrip('/')}_{name}"[:63]
            self.pg_admin = parsed._replace(path="/postgres").geturl()
            self.database_url = parsed._replace(path=f"/{self.db_name}").geturl()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        return {**os.environ, "DATABASE_URL": self.database_url, "CELERY_BROKER_URL": self.broker_url,
                "CELERY_DEFAULT_QUEUE": self.queue, "CELERY_QUEUE_PREFIX": f"{self.queue}.",
                "EGOV_VAR_DIR": str(self.root),
                "DJANGO_SETTINGS_MODULE": "egov.settings.test", "FEDERATION_PEER_CODE": self.peer_code,
                "DELIVERY_BACKOFF_BASE": "1", "DELIVERY_BACKOFF_MAX": "3", "WORKER_HEARTBEAT_SECONDS": "2",
                "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "test-only-secret-key"),
                "ALLOWED_HOSTS": "127.0.0.1,localhost", **self.extra_env}

    def _pg(self, sql: str) -> None:
        import psycopg2

        conn = psycopg2.connect(self.pg_admin)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def create(self) -> "PortalInstance":
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        if self.pg_admin:
            self._pg(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            self._pg(f'CREATE DATABASE "{self.db_name}"')
        return self

    def manage(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=self.env(),
                              capture_output=True, text=True, timeout=timeout)

    def migrate_async(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=settings.BASE_DIR,
                                env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def python(self, code: str, timeout: float = 120):
        """Run ``code`` in ``manage.py shell`` on this instance; it must print one JSON line last."""
        done = self.manage("shell", "-c", code, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{self.name}: shell failed:\n{done.stdout}\n{done.stderr}")
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        return json.loads(lines[-1]) if lines else None

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """A direct read of the instance's database (fast polling from the test)."""
        if self.pg_admin:
            import psycopg2

            conn = psycopg2.connect(self.database_url)
            try:
                with conn.cursor() as cur:
                    cur.execute(sql.replace("?", "%s"), params)
                    return cur.fetchall()
            finally:
                conn.close()
        import sqlite3

        conn = sqlite3.connect(str(self.root / "db.sqlite3"), timeout=30)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def start_web(self, timeout: float = 30) -> None:
        log = open(self.root / "web.log", "ab")
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "egov.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "2",
             "--timeout", "120", "--graceful-timeout", "2"],
            cwd=settings.BASE_DIR, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                raise RuntimeError(f"{self.name}: web server exited; see {self.root / 'web.log'}")
            try:
                requests.get(self.base_url + "/healthz", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name}: web server not answering after {timeout}s")

    def kill_web(self) -> None:
        if self.web and self.web.poll() is None:
            os.killpg(self.web.pid, signal.SIGKILL)
            self.web.wait(10)

    def start_worker(self, timeout: float = 60, *, beat: bool = False) -> None:
        """The instance's Celery worker; ``beat=True`` embeds the beat scheduler (periodic tasks such as axis polls)."""
        log_path = self.root / "worker.log"
        log = open(log_path, "ab")
        extra = ["-B", "-s", str(self.root / "celerybeat-schedule")] if beat else []
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "egov", "worker", "-l", "info", "-c", "2",  # every queue of its prefix
             "-n", f"{self.queue}@egov", "--without-gossip", "--without-mingle", "--without-heartbeat", *extra],
            cwd=settings.BASE_DIR, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.worker.poll() is not None:
                raise RuntimeError(f"{self.name}: worker exited; see {log_path}")
            if b" ready." in log_path.read_bytes():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name}: worker not ready after {timeout}s")

    def stop(self) -> None:
        for proc in (self.web, self.worker):
            if proc and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(5)

    def destroy(self) -> None:
        self.stop()
        if self.pg_admin:
            try:
                self._pg(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            except Exception:  # noqa: BLE001 - cleanup must not hide the test's own failure
                pass
        shutil.rmtree(self.root, ignore_errors=True)


# Set-up of one side: a local unit with staff, the other side's unit as a remote unit, and the
# other portal as a Peer. Formatted with the values of each side.
pair_setup_code = """
import json
from django.contrib.auth import get_user_model
from units.services import unit_create
from units.models import Membership
from documents.federation.models import Peer
local = unit_create(code={local_code!r}, name={local_name!r}, short_name={short!r}, kind="department")
remote = unit_create(code={remote_code!r}, name={remote_name!r}, short_name="SX", kind="department",
                     is_local=False, peer_ref={peer_code!r})
User = get_user_model()
for role in ("clerk", "leader", "specialist"):
    u = User.objects.create_user(username=f"{{role}}-{local_code}", password="pw-test-12345", first_name=role)
    Membership.objects.create(user=u, unit=local, role=role)
Peer.objects.create(code={peer_code!r}, name={peer_code!r}, base_url={peer_url!r}, inbound_secret={inbound!r},
                    outbound_secret={outbound!r}, remote_code={remote_code_at_peer!r})
print(json.dumps({{"local": local.pk, "remote": remote.pk}}))
"""
