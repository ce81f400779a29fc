"""
Throw-away servers for fault injection (h17): a private PostgreSQL cluster, Redis and RabbitMQ
node on free loopback ports under a temporary directory — never the machine's shared ones, so a
test may stop, kill and restart them. And a Celery beat process with the portal's schedule.

Each ``start()`` waits until the server answers; ``kill()`` is a crash (SIGKILL, no shutdown);
``stop()`` a clean stop; ``destroy()`` kills and removes the directory.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from egov.devtools.workers import wait_until


class ServerUnavailable(RuntimeError):
    """The server's binary is not installed on this machine."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _pg_bin(name: str) -> str:
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise ServerUnavailable(f"{name} (PostgreSQL server binaries) is not installed")
    return found


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb + pg_ctl), run as the ``postgres`` user when we are root."""

    def __init__(self, port: int | None = None, root: str | None = None, listen: str = "127.0.0.1"):
        self.listen = listen
        self.port = port or free_port()
        self.root = Path(root or tempfile.mkdtemp(prefix="egov-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"

    def _run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:  # initdb refuses root
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=120)

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def init(self) -> "PrivatePostgres":
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        if self.listen != "127.0.0.1":  # other (virtual) hosts connect: trust them on the test network only
            with open(self.data / "pg_hba.conf", "a") as hba:
                hba.write("host all all samenet trust\n")
        return self

    def start(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses={self.listen} -c fsync=off "
                  f"-c max_connections=200", "start")
        if not wait_until(lambda: port_open(self.port), timeout=30, interval=0.05):
            raise RuntimeError(f"private PostgreSQL did not start; see {self.log}")

    def stop(self, mode: str = "fast") -> None:
        """``mode="immediate"`` is a crash: no checkpoint, recovery from the WAL at the next start."""
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def create_database(self, name: str) -> None:
        import psycopg2

        conn = psycopg2.connect(self.url("postgres"))
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.close()

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A redis-server without persistence: killed and started again, it is empty (as after a crash)."""

    def __init__(self, port: int | None = None, bind: str = "127.0.0.1"):
        if shutil.which("redis-server") is None:
            raise ServerUnavailable("redis-server is not installed")
        self.bind = bind
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="egov-redis-")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", *self.bind.split(), "--protected-mode", "no", "--save", "",
                                      "--appendonly", "no", "--dir", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_until(lambda: port_open(self.port), timeout=10, interval=0.02):
            raise RuntimeError("private redis did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    stop = kill

    def destroy(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRabbit:
    """
    A RabbitMQ node of our own (its own node name, AMQP and distribution ports, data directory).
    Killed and started again it keeps its durable (quorum) queues, as a real node does.
    """

    def __init__(self, port: int | None = None):
        if shutil.which("rabbitmq-server") is None:
            raise ServerUnavailable("rabbitmq-server is not installed")
        self.port = port or free_port()
        self.dist_port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="egov-rabbit-"))
        self.node = f"egov{self.port}@localhost"
        self.proc: subprocess.Popen | None = None
        (self.root / "mnesia").mkdir()
        (self.root / "log").mkdir()
        (self.root / "enabled_plugins").write_text("[].\n")
        if os.geteuid() == 0:
            try:
                subprocess.run(["chown", "-R", "rabbitmq", str(self.root)], check=True, capture_output=True)
            except (subprocess.CalledProcessError, FileNotFoundError):
                pass

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def env(self) -> dict:
        r = self.root
        return {**os.environ, "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_PORT": str(self.port),
                "RABBITMQ_DIST_PORT": str(self.dist_port), "RABBITMQ_MNESIA_BASE": str(r / "mnesia"),
                "RABBITMQ_FEATURE_FLAGS_FILE": str(r / "feature_flags"), "RABBITMQ_LOG_BASE": str(r / "log"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(r / "enabled_plugins"),
                "RABBITMQ_CONFIG_FILE": str(r / "none"), "RABBITMQ_PID_FILE": str(r / "pid")}

    def start(self) -> None:
        self.proc = subprocess.Popen(["rabbitmq-server"], env=self.env(), stdout=open(self.root / "out.log", "ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        if not wait_until(lambda: port_open(self.port), timeout=60, interval=0.1):
            raise RuntimeError(f"private RabbitMQ did not start; see {self.root / 'out.log'}")

    def kill(self) -> None:
        pid_file = self.root / "pid"
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
            except (ValueError, ProcessLookupError):
                pass
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(10)
        wait_until(lambda: not port_open(self.port), timeout=10, interval=0.05)
        try:
            pid_file.unlink()
        except FileNotFoundError:
            pass

    stop = kill

    def destroy(self) -> None:
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)


class BeatProcess:
    """``celery beat`` with the portal's schedule (the sweeper every DELIVERY_SWEEP_EVERY seconds)."""

    def __init__(self, env: dict, log_path: str):
        self.env = env
        self.log_path = log_path
        self.schedule = tempfile.mktemp(prefix="egov-beat-")
        self.proc: subprocess.Popen | None = None

    def start(self) -> "BeatProcess":
        from django.conf import settings

        self.proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "egov", "beat", "-l", "info",
                                      "-s", self.schedule], env=self.env, cwd=settings.BASE_DIR,
                                     stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        time.sleep(0.5)
        if self.proc.poll() is not None:
            raise RuntimeError(f"beat exited; see {self.log_path}")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        for suffix in ("", ".db", ".dat", ".dir", ".bak"):
            try:
                os.unlink(self.schedule + suffix)
            except FileNotFoundError:
                pass
