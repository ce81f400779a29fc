"""``manage.py bench_records [--json]``: export, packaging and suggestion benchmarks (egov/devtools/records_bench.py)."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Benchmark the records app: file export, E-ARK packaging, file suggestions (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--documents", type=int, default=200)
        parser.add_argument("--files", type=int, default=1000)
        parser.add_argument("--filed", type=int, default=100_000)

    def handle(self, *args, **opts):
        from egov.devtools.records_bench import run

        try:
            result = run(documents=opts["documents"], files=opts["files"], filed=opts["filed"],
                         log=(lambda m: None) if opts["json"] else self.stdout.write)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=None if opts["json"] else 2))
