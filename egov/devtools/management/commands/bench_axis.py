"""
python manage.py bench_axis [--agencies 111000] [--cycles 20] [--size-mb 1] [--json]

Axis / LGSP figures against live instances started for the run (egov/devtools/axis_bench.py):
hub_packages_per_second, poll_cycle_ms, directory_sync_seconds, directory_sync_peak_mb,
compose_page_ms, compose_page_bytes, unit_search_ms (and the same before the directory was loaded,
with ratios).
"""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from egov.devtools.axis_bench import bench_axis


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--agencies", type=int, default=111_000)
        parser.add_argument("--cycles", type=int, default=20)
        parser.add_argument("--size-mb", type=float, default=1.0)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        result = bench_axis(agencies=opts["agencies"], cycles=opts["cycles"], size_mb=opts["size_mb"])
        if opts["json"]:
            self.stdout.write(json.dumps(result))
        else:
            for key, value in result.items():
                self.stdout.write(f"{key}: {value}")
