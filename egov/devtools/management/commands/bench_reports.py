"""
Benchmark of the handling reports (issue 14) at province scale: the province-wide yearly report
on incoming documents (≈ 500 units, 2,000,000 records), the outgoing report and the
connection table over the same year, and one unit's report (100,000 records) by handler.
Reuses — or builds, through ``bench_inbox`` — the benchmark database, adds chases to 1 % of the
records once, and prints JSON (median and max of ``--iterations`` runs, in seconds).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/egov_bench python manage.py bench_reports --json
"""
from __future__ import annotations

import datetime
import json as jsonlib
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from .bench_inbox import Command as InboxCommand


class Command(BaseCommand):
    help = "Time the province-wide yearly handling reports on the 2,000,000-record benchmark database."

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=100_000)
        parser.add_argument("--dispatches", type=int, default=2_000_000)
        parser.add_argument("--iterations", type=int, default=5)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, records, dispatches, iterations, json=False, **opts):
        if connection.vendor != "postgresql":
            raise CommandError("bench_reports needs PostgreSQL (a database of its own).")
        from documents.models import Chase, IncomingRecord
        from documents.services import ReportPeriod, connection_report, incoming_report, outgoing_report
        from units.models import Unit

        inbox = InboxCommand()
        inbox.quiet = json
        inbox.stderr = self.stderr
        unit, user = inbox.ensure_units()
        if IncomingRecord.objects.filter(unit=unit).count() < records:
            inbox.build(unit, records=records, dispatches=dispatches)
        if not Chase.objects.exists():
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("""
                    INSERT INTO documents_chase (incoming_id, number, kind, text, target_id, created_by_id,
                                                 created_at, acknowledged_at, acknowledgement)
                    SELECT r.id, 1, 'reminder', '', %s, %s, r.arrived_at + interval '1 day', NULL, ''
                    FROM documents_incomingrecord r WHERE r.id %% 100 = 0
                """, [user.pk, user.pk])
                cur.execute("ANALYZE documents_chase")
        today = timezone.localdate()
        period = ReportPeriod.of(today - datetime.timedelta(days=365), today)
        root = Unit.objects.get(code="000.00.00.H98")

        def run(fn):
            times = []
            out = None
            for _ in range(iterations):
                t0 = time.perf_counter()
                out = fn()
                times.append(time.perf_counter() - t0)
            return round(statistics.median(times), 3), round(max(times), 3), out

        inc = run(lambda: incoming_report(period=period, unit_ids=None, group="unit"))
        outg = run(lambda: outgoing_report(period=period, unit_ids=None))
        conn = run(lambda: connection_report(period=period, root=root))
        unit_h = run(lambda: incoming_report(period=period, unit_ids=[unit.pk], group="handler"))
        result = {
            "province_incoming_year_p50_s": inc[0], "province_incoming_year_max_s": inc[1],
            "province_incoming_rows": len(inc[2]["rows"]), "province_incoming_received": inc[2]["total"]["received"],
            "province_outgoing_year_p50_s": outg[0], "province_outgoing_year_max_s": outg[1],
            "province_outgoing_rows": len(outg[2]["rows"]),
            "connection_table_p50_s": conn[0], "connection_table_max_s": conn[1],
            "unit_by_handler_p50_s": unit_h[0], "unit_by_handler_max_s": unit_h[1],
            "unit_received": unit_h[2]["total"]["received"],
            "chases": Chase.objects.count(), "total_incoming": IncomingRecord.objects.count(),
            "iterations": iterations,
            "measured": "the selectors (one grouped query per report + chases), in-process, wall clock",
        }
        self.stdout.write(jsonlib.dumps(result, indent=None if json else 2))
