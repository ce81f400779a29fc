"""
python manage.py runportal [--port 8000] [--host 127.0.0.1] [--no-beat]

Runs the whole portal in the foreground: the web server, one Celery worker process and
Celery beat, with whatever database and broker the settings name (by default SQLite and
the filesystem broker under var/). Ctrl-C stops all three. Used by ``make run``.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run web server + Celery worker + Celery beat together (development and small installs)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--no-beat", action="store_true")
        parser.add_argument("--concurrency", type=int, default=int(os.environ.get("CELERY_CONCURRENCY", "2")))
        parser.add_argument("--banner-file", default="",
                            help="Text to print (e.g. the demo logins) once /healthz answers, after the start-up logs.")
        parser.add_argument("--ready-timeout", type=float, default=180.0,
                            help="Seconds to wait for /healthz to be green before saying where the portal is.")

    def _wait_healthy(self, url: str, procs, timeout: float) -> bool:
        """Poll /healthz until it is green (database, broker, a live worker), a child exits, or the timeout."""
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in procs.values()):
                return False
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local server
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        return False

    def handle(self, *args, port, host, no_beat, concurrency, banner_file="", ready_timeout=180.0, **options):
        settings.CELERY_BROKER_DIR.mkdir(parents=True, exist_ok=True)
        for sub in ("queue", "control"):
            (settings.CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
        py = sys.executable
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "egov.settings.local")}
        commands = {
            "worker": [py, "-m", "celery", "-A", "egov", "worker", "-l", "info", "--concurrency", str(concurrency),
                       "-n", f"worker-{os.getpid()}@%h"],
            "web": [py, "manage.py", "runserver", "--noreload", f"{host}:{port}"],
        }
        if not no_beat:
            commands["beat"] = [py, "-m", "celery", "-A", "egov", "beat", "-l", "info",
                                "-s", settings.CELERY_BEAT_SCHEDULE_FILENAME]
        procs: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, cmd in commands.items():
            procs[name] = subprocess.Popen(cmd, env=env, cwd=settings.BASE_DIR)
            self.stdout.write(f"started {name} (pid {procs[name].pid})")
        exit_code = 0
        try:
            # Say where the portal is only once it answers (and after the start-up logs), then
            # the banner (the demo logins), last, so that they do not scroll away.
            health = f"http://{host}:{port}/healthz"
            if self._wait_healthy(health, procs, ready_timeout):
                self.stdout.write(self.style.SUCCESS(f"\nPortal on http://{host}:{port}/ — health: {health}"))
                if banner_file and os.path.exists(banner_file):
                    with open(banner_file, encoding="utf-8") as fh:
                        self.stdout.write(fh.read().rstrip("\n"))
                self.stdout.flush()
            elif not stopping and all(p.poll() is None for p in procs.values()):
                self.stderr.write(f"{health} is not green after {ready_timeout:.0f} s; see the logs above")
            while not stopping:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}; stopping the portal")
                        exit_code = proc.returncode or 1
                        stopping = True
                        break
                time.sleep(0.5)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.monotonic() + 15
            for proc in procs.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
        if exit_code:
            sys.exit(exit_code)
