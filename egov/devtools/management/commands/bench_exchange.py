"""
python manage.py bench_exchange [--json] [--runs 5] [--sustained 20] [--concurrency 2] [--batch-sizes 100,500,0]

Measures delivery on the configured database and broker (meant for PostgreSQL + Redis) with
one real worker process:
- province_send_seconds: from the clerk's send of one document to every unit of the province
  (the 452 other units of Nghệ An on 30/6/2025) until every dispatch is delivered and the sender
  sees status 01 — median over --runs sends;
- deliveries_per_second: --sustained such sends back to back, deliveries divided by the time
  until the last one is delivered;
- raw_insert_seconds: the reference — a plain bulk INSERT of the same number of incoming rows
  as one province send into a scratch table (no application logic), and the same for the
  sustained volume; raw_rows_per_second and deliveries_over_raw_rows (the ratio, same run).
Each measure is taken for every --batch-sizes value (0 = the adaptive default), reported under
by_batch_size; the adaptive run is also reported flat.
It writes its documents into the configured database: point DATABASE_URL at a scratch database.
"""
from __future__ import annotations

import json
import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from egov.devtools.exchange import SEND_DAY, delivery_report, ensure_clerk, ensure_province, issue_document
from documents.models import Dispatch
from egov.devtools.workers import WorkerProcess, wait_until


def _all_arrived(docs) -> bool:
    return not Dispatch.objects.filter(document__in=docs).exclude(status_code="01").exists()


def _raw_insert_seconds(rows: int) -> float:
    """Time a plain multi-row INSERT of ``rows`` incoming-shaped rows into a temporary table."""
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_raw_incoming")
        cur.execute(
            "CREATE TEMP TABLE bench_raw_incoming (id bigint PRIMARY KEY, dispatch_id bigint UNIQUE, unit_id bigint, "
            "document_id bigint, sender_id bigint, status varchar(12), urgency smallint, arrived_at timestamp, "
            "search_text varchar(800))")
        values = [(i, i, i % 500, 1, 2, "arrived", 0, now, "bench") for i in range(rows)]
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(cur.cursor, "INSERT INTO bench_raw_incoming VALUES %s", values, page_size=1000)
        else:
            cur.executemany("INSERT INTO bench_raw_incoming VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)", values)
        elapsed = time.perf_counter() - started
        cur.execute("DROP TABLE bench_raw_incoming")
    return elapsed


def _batch_label(size: int) -> str:
    return "adaptive" if size == 0 else str(size)


class Command(BaseCommand):
    help = "Benchmark province-wide sends through a real worker; prints one JSON object."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json")
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--sustained", type=int, default=20)
        parser.add_argument("--concurrency", type=int, default=2, help="pool processes of the one worker")
        parser.add_argument("--timeout", type=float, default=300)
        parser.add_argument("--batch-sizes", default="100,500,0",
                            help="comma-separated DELIVERY_BATCH_SIZE values to compare; 0 = adaptive (the default)")

    def handle(self, *args, as_json, runs, sustained, concurrency, timeout, batch_sizes, **options):
        unit = ensure_province()
        clerk = ensure_clerk(unit, "bench.vanthu")
        sizes = [int(x) for x in batch_sizes.split(",") if x.strip()]
        worker = WorkerProcess(concurrency=concurrency).start()
        results = []
        try:
            for size in sizes:
                settings.DELIVERY_BATCH_SIZE = size  # the batches are cut at enqueue, in this process
                results.append(self._measure(unit, clerk, runs, sustained, timeout, size))
        finally:
            worker.stop()
        default = next((r for r in results if r["batch_size"] == "adaptive"), results[-1])
        out = {
            "database": connection.vendor,
            "broker": settings.CELERY_BROKER_URL.split(":", 1)[0],
            "worker_processes": concurrency,
            "by_batch_size": {r["batch_size"]: r for r in results},
            # the default (adaptive) run, flat, for scripts that read one number
            **{k: v for k, v in default.items() if k != "batch_size"},
            "batch_size": default["batch_size"],
        }
        text = json.dumps(out)
        self.stdout.write(text if as_json else "\n".join(f"{k}: {v}" for k, v in out.items()))

    def _measure(self, unit, clerk, runs, sustained, timeout, size) -> dict:
        from documents.services import document_send

        label = _batch_label(size)
        # Warm-up: first connections, imports, caches.
        warm = issue_document(unit, clerk, f"Benchmark warm-up ({label})")
        document_send(document=warm, acting_user=clerk, groups=["province"], on=SEND_DAY)
        if not wait_until(lambda: _all_arrived([warm]), timeout=timeout, interval=0.01):
            raise CommandError("warm-up send was not delivered")

        times, recipients = [], 0
        for i in range(runs):
            doc = issue_document(unit, clerk, f"Benchmark province send {i + 1} ({label})")
            started = time.perf_counter()
            recipients = len(document_send(document=doc, acting_user=clerk, groups=["province"], on=SEND_DAY))
            if not wait_until(lambda d=doc: _all_arrived([d]), timeout=timeout, interval=0.005):
                raise CommandError("a province send was not delivered in time")
            times.append(time.perf_counter() - started)

        docs = [issue_document(unit, clerk, f"Benchmark sustained send {i + 1} ({label})") for i in range(sustained)]
        started = time.perf_counter()
        for doc in docs:
            document_send(document=doc, acting_user=clerk, groups=["province"], on=SEND_DAY)
        if not wait_until(lambda: _all_arrived(docs), timeout=timeout, interval=0.01):
            raise CommandError("the sustained sends were not delivered in time")
        sustained_seconds = time.perf_counter() - started
        report = delivery_report(docs)
        total = report["delivered"]
        raw = _raw_insert_seconds(total)
        deliveries_per_second = total / sustained_seconds
        raw_rows_per_second = total / raw
        return {
            "batch_size": label,
            "recipients": recipients,
            "province_send_seconds": round(statistics.median(times), 4),
            "province_send_seconds_all": [round(t, 4) for t in times],
            "sustained_sends": sustained,
            "sustained_deliveries": total,
            "sustained_seconds": round(sustained_seconds, 3),
            "deliveries_per_second": round(deliveries_per_second, 1),
            "exactly_once": report["exactly_once"],
            "raw_insert_seconds": round(_raw_insert_seconds(recipients), 4),
            "raw_insert_seconds_sustained": round(raw, 4),
            "raw_rows_per_second": round(raw_rows_per_second, 1),
            "deliveries_over_raw_rows": round(deliveries_per_second / raw_rows_per_second, 4),
        }
