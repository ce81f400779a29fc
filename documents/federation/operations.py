"""
The axis / LGSP connections' part of the operator's alerts and metrics (h17, docs/operations.md
"Metrics and alerts"), registered with documents' alerts and metrics in FederationConfig.ready():

- ``egov_axis_poll_lag_seconds{peer}``: seconds since the connection's last successful poll (since
  it was created when it never succeeded);
- alert ``axis_poll_stale``: some connection has not been polled successfully for
  ALERT_AXIS_POLL_STALE_SECONDS (10 minutes); the province admins are told once an hour per
  connection.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models.functions import Coalesce
from prometheus_client.core import GaugeMetricFamily

from documents import messages as M
from documents.choices import NotificationKind
from egov.core.notifications import Note

from .choices import PeerProtocol
from .models import Peer

__all__ = ["axis_poll_lags", "axis_poll_alerts", "axis_poll_metrics"]


def axis_poll_lags(now) -> list[tuple[int, str, float]]:
    """(pk, code, seconds since the last successful poll) of each enabled axis connection, by code (one query)."""
    rows = (Peer.objects.filter(enabled=True, protocol=PeerProtocol.AXIS).exclude(base_url="")
            .annotate(ok_at=Coalesce("poll_last_ok_at", "created_at")).order_by("code")
            .values_list("pk", "code", "ok_at"))
    return [(pk, code, max(0.0, (now - ok_at).total_seconds())) for pk, code, ok_at in rows]


def _stale(lag: float) -> bool:
    return lag > settings.ALERT_AXIS_POLL_STALE_SECONDS


def axis_poll_metrics(now):
    lags = axis_poll_lags(now)
    g = GaugeMetricFamily("egov_axis_poll_lag_seconds", "Seconds since the last successful poll of each axis peer",
                          labels=["peer"])
    for _pk, code, lag in lags:
        g.add_metric([code], lag)
    return [g], {"axis_poll_stale": int(any(_stale(lag) for *_p, lag in lags))}


def axis_poll_alerts(*, now, admins, already) -> list[Note]:
    notes = []
    for pk, code, lag in axis_poll_lags(now):
        if not _stale(lag) or already(NotificationKind.AXIS_POLL_STALE, "federation.peer", pk,
                                      since=now - timedelta(hours=1)):
            continue
        text = M.AXIS_POLL_STALE(peer=code, minutes=int(lag // 60))
        notes += [Note(user_id=u, unit_id=unit_id, kind=NotificationKind.AXIS_POLL_STALE, text=text,
                       object_type="federation.peer", object_id=pk) for unit_id, u in admins]
    return notes
