"""
Benchmark of the REST API through gunicorn: listing the incoming documents of a unit that
holds ``--records`` incoming records (default 100,000) in a large database.

Reuses the data of ``bench_inbox`` (same unit, same builder: INSERT … SELECT generate_series)
or builds it when missing, registers an API client for that unit (documents:read, no
practical rate limit), starts gunicorn on a free loopback port in a subprocess on the same
database, and drives it with a bounded load generator: ``--threads`` threads with one HTTP
session each send ``--requests`` requests in all, each thread walking the cursor pages
(``next`` links) up to ``--depth`` pages deep and starting over. It stops by itself and stops
gunicorn. Prints JSON with requests_per_second, p50_ms, p95_ms, p99_ms (client-side wall time
per request over loopback), errors, and the set-up.

The reference of the same run: ``bare_requests_per_second``, the same load generator on a
minimal DRF view behind the same token authentication in the same gunicorn
(``egov/devtools/bench_views.py``, routed because the command starts gunicorn with
``EGOV_BENCH_URLS=1``), and ``api_over_bare`` = requests_per_second / bare_requests_per_second.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/egov_bench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/egov_bench python manage.py bench_api --json
"""
from __future__ import annotations

import json as jsonlib
import os
import socket
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from .bench_inbox import Command as InboxBench
from .bench_inbox import _percentile

CLIENT_NAME = "bench_api"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _drive(http, first_url: str, headers: dict, *, requests: int, threads: int, depth: int) -> dict:
    """
    ``threads`` threads with one HTTP session each send ``requests`` requests in all, each
    following the ``next`` links up to ``depth`` pages and starting over. Client-side latencies,
    errors and requests per second.
    """
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    remaining = [requests]

    def take() -> bool:
        with lock:
            if remaining[0] <= 0:
                return False
            remaining[0] -= 1
            return True

    def run():
        session = http.Session()
        session.headers.update(headers)
        url, pages = first_url, 0
        while take():
            t0 = time.perf_counter()
            r = None
            try:
                r = session.get(url, timeout=30)
                ok = r.status_code == 200
                body = r.json() if ok else None
            except Exception as exc:  # noqa: BLE001 - counted as an error
                ok, body = False, None
                with lock:
                    errors.append(repr(exc)[:200])
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(elapsed)
                if not ok and r is not None and len(errors) < 20:
                    errors.append(f"HTTP {r.status_code}")
            pages += 1
            if ok and isinstance(body, dict) and body.get("next") and pages < depth:
                url = body["next"]
            else:
                url, pages = first_url, 0

    started = time.perf_counter()
    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "rps": round(len(latencies) / wall, 1)}


class Command(BaseCommand):
    help = "Requests per second and latency percentiles of GET /api/v1/incoming/ through gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=100_000)
        parser.add_argument("--dispatches", type=int, default=2_000_000)
        parser.add_argument("--requests", type=int, default=3000, help="requests in all")
        parser.add_argument("--threads", type=int, default=8, help="concurrent client threads")
        parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2, help="gunicorn workers")
        parser.add_argument("--depth", type=int, default=20, help="cursor pages walked before starting over")
        parser.add_argument("--page-size", type=int, default=50)
        parser.add_argument("--port", type=int, default=0, help="gunicorn's loopback port (default: a free one)")
        parser.add_argument("--json", action="store_true")

    def log(self, msg):
        if not self.quiet:
            self.stderr.write(msg)

    def handle(self, *args, records, dispatches, requests, threads, workers, depth, page_size, port=0, json=False,
               **o):
        import requests as http

        self.quiet = json
        if connection.vendor != "postgresql":
            raise CommandError("bench_api needs PostgreSQL: set DATABASE_URL to a database of its own "
                               "(e.g. postgres://postgres@127.0.0.1:5432/egov_bench) and run migrate first.")
        from documents.models import IncomingRecord
        from egov.core.api.models import ApiClient
        from units.api_clients import api_client_create, api_client_rotate

        inbox = InboxBench(stdout=self.stdout, stderr=self.stderr)
        inbox.quiet = json
        unit, _user = inbox.ensure_units()
        have = IncomingRecord.objects.filter(unit=unit).count()
        built = have < records
        if built:
            self.log(f"building {records} incoming records ({dispatches} dispatches)…")
            inbox.build(unit, records=records, dispatches=dispatches)
        client = ApiClient.objects.filter(unit=unit, name=CLIENT_NAME).first()
        if client is None:
            client, token = api_client_create(name=CLIENT_NAME, unit=unit, scopes=["documents:read"],
                                              rate_limit_per_minute=10**9)
        else:
            client, token = api_client_rotate(client=client)
        connection.close()  # gunicorn's workers get their own connections

        port = port or _free_port()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "egov.settings.local"),
               "DJANGO_DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING",
               "DATABASE_URL": os.environ.get("DATABASE_URL", ""), "EGOV_BENCH_URLS": "1"}
        cmd = [sys.executable, "-m", "gunicorn", "egov.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--worker-class", "sync", "--log-level", "warning", "--timeout", "60"]
        server = subprocess.Popen(cmd, cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        first_url = f"{base}/api/v1/incoming/?page_size={page_size}"
        bare_url = f"{base}/api/v1/_bench/bare/"
        headers = {"Authorization": f"Bearer {token}"}
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if http.get(first_url, headers=headers, timeout=5).status_code == 200:
                        break
                except (http.ConnectionError, http.Timeout):  # not listening yet, or still loading
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise CommandError("gunicorn did not start: " + server.stderr.read().decode()[-2000:])
                time.sleep(0.3)
            # Warm every worker once, on both endpoints.
            for _ in range(workers * 2):
                http.get(first_url, headers=headers, timeout=30)
                answer = http.get(bare_url, headers=headers, timeout=30)
                if answer.status_code != 200:
                    raise CommandError(f"GET {bare_url} answered {answer.status_code}: is EGOV_BENCH_URLS "
                                       "honoured by the settings module (never in production)?")
            # The reference first, then the API, same load generator, same server.
            bare = _drive(http, bare_url, headers, requests=requests, threads=threads, depth=1)
            api = _drive(http, first_url, headers, requests=requests, threads=threads, depth=depth)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()

        latencies, errors = api["latencies"], api["errors"]
        result = {
            "endpoint": "GET /api/v1/incoming/ (cursor pages, API token auth)",
            "requests": len(latencies),
            "errors": len(errors),
            "error_samples": errors[:5],
            "requests_per_second": api["rps"],
            "p50_ms": round(_percentile(latencies, 0.50), 2),
            "p95_ms": round(_percentile(latencies, 0.95), 2),
            "p99_ms": round(_percentile(latencies, 0.99), 2),
            "max_ms": round(max(latencies), 2),
            "bare_endpoint": "GET /api/v1/_bench/bare/ (same token auth, DRF, JSON; no query beyond the token's)",
            "bare_requests_per_second": bare["rps"],
            "bare_p50_ms": round(_percentile(bare["latencies"], 0.50), 2),
            "bare_errors": len(bare["errors"]),
            "api_over_bare": round(api["rps"] / bare["rps"], 3) if bare["rps"] else None,
            "threads": threads,
            "gunicorn_workers": workers,
            "page_size": page_size,
            "cursor_depth": depth,
            "unit_records": IncomingRecord.objects.filter(unit=unit).count(),
            "total_incoming": IncomingRecord.objects.count(),
            "built_now": built,
            "cpu_count": os.cpu_count(),
            "measured": "client-side wall time per request over loopback (gunicorn sync workers, same machine)",
        }
        self.stdout.write(jsonlib.dumps(result, indent=None if json else 2))
