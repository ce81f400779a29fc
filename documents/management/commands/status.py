"""
python manage.py status [--json]

What an operator checks first (h17, docs/operations.md): dispatches by delivery state, the
oldest dispatch still waiting (local and remote), messages waiting per queue, live workers.
Exit status 1 when the oldest pending dispatch is older than --alert-after seconds (default
60) or no worker is alive, so that cron or a monitoring agent can act on it.
"""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Min
from django.utils import timezone

from documents.choices import DeliveryState
from documents.models import Dispatch
from egov.core.queues import queue_lengths
from egov.core.services import live_workers


def status_summary() -> dict:
    now = timezone.now()
    by_state = dict(Dispatch.objects.values_list("state").annotate(n=Count("pk")).order_by())
    waiting = Dispatch.objects.filter(state__in=[DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.RETRYING])
    oldest = {}
    for remote, label in ((False, "local"), (True, "remote")):
        first = waiting.filter(is_remote=remote).aggregate(t=Min("created_at"))["t"]
        oldest[label] = round((now - first).total_seconds(), 1) if first else None
    return {
        "at": now.isoformat(),
        "dispatches_by_state": {state: by_state.get(state, 0) for state in DeliveryState.values},
        "oldest_waiting_seconds": oldest,
        "queues": queue_lengths(),
        "live_workers": sorted(live_workers()),
    }


class Command(BaseCommand):
    help = "Dispatches by state, oldest pending dispatch, queue lengths and live workers."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json")
        parser.add_argument("--alert-after", type=float, default=60.0,
                            help="fail when a dispatch has waited longer than this many seconds")

    def handle(self, *args, as_json, alert_after, **options):
        summary = status_summary()
        ages = [a for a in summary["oldest_waiting_seconds"].values() if a is not None]
        problems = []
        if ages and max(ages) > alert_after:
            problems.append(f"a dispatch has waited {max(ages):.0f} s (> {alert_after:.0f} s)")
        if not summary["live_workers"]:
            problems.append("no live worker")
        summary["problems"] = problems
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            for key, value in summary.items():
                self.stdout.write(f"{key}: {value}")
        if problems:
            raise CommandError("; ".join(problems))
