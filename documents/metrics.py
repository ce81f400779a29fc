"""
The portal's own Prometheus metrics and alerts (h17, docs/operations.md "Metrics and alerts"),
computed when the scraper asks (cheap queries: the unfinished dispatches are a partial index):

- ``egov_dispatches_waiting{state}``: pending / sending / retrying dispatches;
- ``egov_oldest_waiting_dispatch_seconds{transport}``: local / remote;
- ``egov_delivery_latency_seconds{quantile}``: from send to status 01, over the last 15 minutes;
- ``egov_queue_messages{queue}``: messages waiting per queue (concern); ``egov_live_workers``;
- ``egov_verification_backlog``: signature verifications still pending;
- ``egov_certificates_expiring``: registry certificates expiring within ALERT_CERTIFICATE_DAYS;
- ``egov_crls_past_next_update``;
- ``egov_job_last_run_age_seconds{job}``, ``egov_job_last_run_ok{job}``: each beat job's last run
  (recorded by the worker when the task finishes, ``egov.core.JobRun``);
- ``egov_axis_poll_lag_seconds{peer}``: since each axis / LGSP connection's last successful poll
  (documents/federation/operations.py);
- ``egov_alert{alert}``: 1 when an operator must act (dispatch_waiting, no_live_worker,
  certificate_expiring, crl_stale, axis_poll_stale), else 0.

Requests, responses and latencies per view come from django-prometheus. ``metrics_view``
serves everything, for scrapers only.
"""
from __future__ import annotations

import hmac
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min
from django.http import Http404, HttpResponse
from django.utils import timezone
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .choices import DeliveryState
from .models import Dispatch

WAITING = (DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.RETRYING)


def portal_metrics(now=None) -> dict:
    """The values behind the gauges (also used by tests and the status command's readers)."""
    from egov.core.queues import queue_lengths
    from egov.core.services import live_workers
    from signatures.models import Certificate, RevocationList, Verification

    now = now or timezone.now()
    waiting = Dispatch.objects.filter(state__in=WAITING)
    by_state = dict(waiting.values_list("state").annotate(n=Count("pk")).order_by())
    oldest = {}
    for remote, label in ((False, "local"), (True, "remote")):
        first = waiting.filter(is_remote=remote).aggregate(t=Min("created_at"))["t"]
        oldest[label] = (now - first).total_seconds() if first else 0.0
    latency = {"0.5": 0.0, "0.95": 0.0}
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s), percentile_cont(0.95) WITHIN GROUP "
                f"(ORDER BY s) FROM (SELECT EXTRACT(EPOCH FROM (delivered_at - created_at)) AS s "
                f"FROM {Dispatch._meta.db_table} WHERE delivered_at >= %s AND status_code <> '') t",
                [now - timedelta(minutes=15)])
            p50, p95 = cur.fetchone()
            latency = {"0.5": float(p50 or 0), "0.95": float(p95 or 0)}
    workers = live_workers()
    expiring = Certificate.objects.expiring_within(settings.ALERT_CERTIFICATE_DAYS, now=now).count()
    stale_crls = RevocationList.objects.filter(next_update__lt=now).count()
    from signatures.choices import VerificationStatus

    backlog = Verification.objects.filter(status=VerificationStatus.PENDING).count()
    return {
        "waiting": {s: by_state.get(s, 0) for s in WAITING},
        "oldest": oldest,
        "latency": latency,
        "queues": queue_lengths(),
        "live_workers": len(workers),
        "verification_backlog": backlog,
        "certificates_expiring": expiring,
        "crls_past_next_update": stale_crls,
        "alerts": {
            "dispatch_waiting": int(max(oldest.values()) > settings.ALERT_DISPATCH_WAITING_SECONDS),
            "no_live_worker": int(not workers),
            "certificate_expiring": int(expiring > 0),
            "crl_stale": int(stale_crls > 0),
        },
    }


# Metrics of higher layers (documents.federation's axis connections): callables
# ``source(now) -> (families, alerts)`` registered by their app's ready(); their alerts join egov_alert.
_METRIC_SOURCES: list = []


def metric_source_register(source) -> None:
    if source not in _METRIC_SOURCES:
        _METRIC_SOURCES.append(source)


def job_runs(now=None) -> dict:
    """Each periodic job's last run: seconds since it finished and whether it succeeded (egov.core.JobRun)."""
    from egov.core.models import JobRun

    now = now or timezone.now()
    return {name: {"age": (now - at).total_seconds(), "ok": ok}
            for name, at, ok in JobRun.objects.values_list("name", "finished_at", "succeeded")}


class PortalCollector:
    def collect(self):
        now = timezone.now()
        m = portal_metrics(now)
        extra_alerts = {}
        for source in _METRIC_SOURCES:
            families, alerts = source(now)
            yield from families
            extra_alerts.update(alerts)
        runs = job_runs(now)
        g = GaugeMetricFamily("egov_job_last_run_age_seconds", "Seconds since each periodic job last finished",
                              labels=["job"])
        for name, r in sorted(runs.items()):
            g.add_metric([name], r["age"])
        yield g
        g = GaugeMetricFamily("egov_job_last_run_ok", "1 if the job's last run succeeded", labels=["job"])
        for name, r in sorted(runs.items()):
            g.add_metric([name], int(r["ok"]))
        yield g
        g = GaugeMetricFamily("egov_dispatches_waiting", "Dispatches not delivered yet, by state", labels=["state"])
        for state, n in m["waiting"].items():
            g.add_metric([str(state)], n)
        yield g
        g = GaugeMetricFamily("egov_oldest_waiting_dispatch_seconds", "Age of the oldest undelivered dispatch",
                              labels=["transport"])
        for label, age in m["oldest"].items():
            g.add_metric([label], age)
        yield g
        g = GaugeMetricFamily("egov_delivery_latency_seconds", "Send to status 01, last 15 minutes",
                              labels=["quantile"])
        for q, v in m["latency"].items():
            g.add_metric([q], v)
        yield g
        g = GaugeMetricFamily("egov_queue_messages", "Messages waiting in the broker, by concern", labels=["queue"])
        for q, n in m["queues"].items():
            if n is not None:
                g.add_metric([q], n)
        yield g
        yield GaugeMetricFamily("egov_live_workers", "Workers with a fresh heartbeat", value=m["live_workers"])
        yield GaugeMetricFamily("egov_verification_backlog", "Signature verifications pending",
                                value=m["verification_backlog"])
        yield GaugeMetricFamily("egov_certificates_expiring", "Registry certificates expiring soon",
                                value=m["certificates_expiring"])
        yield GaugeMetricFamily("egov_crls_past_next_update", "CRLs past their next update",
                                value=m["crls_past_next_update"])
        g = GaugeMetricFamily("egov_alert", "1 when an operator must act", labels=["alert"])
        for name, v in {**m["alerts"], **extra_alerts}.items():
            g.add_metric([name], v)
        yield g


_collector = PortalCollector()


def _register():
    if _collector not in getattr(REGISTRY, "_collector_to_names", {}):
        REGISTRY.register(_collector)


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    return bool(settings.METRICS_ALLOWED_IPS) and request.META.get("REMOTE_ADDR") in settings.METRICS_ALLOWED_IPS


def metrics_view(request):
    """Prometheus exposition, for scrapers only: anyone else gets 404 (the endpoint is not advertised)."""
    if not _allowed(request):
        raise Http404
    _register()
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
