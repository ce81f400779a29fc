"""
Alerts an operator needs without watching graphs (h17, docs/operations.md "Metrics and alerts"),
as in-app notifications (and e-mail when NOTIFICATIONS_EMAIL is on); the same conditions are
metrics (documents/metrics.py). Run by beat (``operations_alerts_task``); each alert is sent once
per object (a certificate, a CRL's next update) or once an hour (waiting deliveries).

- a registry certificate expiring within ALERT_CERTIFICATE_DAYS: to the admins of its unit and
  the province admins;
- a CRL past its next update: to the province admins;
- a dispatch waiting longer than ALERT_DISPATCH_WAITING_SECONDS: to the province admins;
- an axis / LGSP connection not polled successfully for ALERT_AXIS_POLL_STALE_SECONDS: to the
  province admins, once an hour per connection (documents/federation/operations.py, registered
  through ``alert_source_register``).

Province admins: the unit admins of the province committee(s) at the root of the directory.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from egov.core.db import service_atomic
from egov.core.models import Notification
from egov.core.notifications import Note, notifications_send
from units.choices import Role, UnitKind
from units.models import Unit
from units.selectors import unit_members

from .. import messages as M
from ..choices import DeliveryState, NotificationKind
from ..models import Dispatch

__all__ = ["operations_alerts", "province_admins", "alert_source_register"]

# Alerts of higher layers (the axis connections of documents.federation): callables
# ``source(now=, admins=, already=) -> list[Note]``, registered by their app's ready().
_ALERT_SOURCES: list = []


def alert_source_register(source) -> None:
    if source not in _ALERT_SOURCES:
        _ALERT_SOURCES.append(source)


def province_admins() -> list[tuple[int, int]]:
    roots = list(Unit.objects.filter(parent__isnull=True, kind=UnitKind.PROVINCE_COMMITTEE, is_local=True)
                 .values_list("pk", flat=True))
    return list(unit_members(unit_ids=roots, roles=Role.UNIT_ADMIN)) if roots else []


def _already(kind, object_type: str, object_id, since=None) -> bool:
    qs = Notification.objects.filter(kind=kind, object_type=object_type, object_id=object_id)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.exists()


def operations_alerts(*, now=None) -> int:
    """Send the alerts that are due; returns how many notifications were written."""
    from signatures.models import Certificate, RevocationList

    now = now or timezone.now()
    admins = province_admins()
    notes: list[Note] = []
    with service_atomic():
        for cert in Certificate.objects.expiring_within(settings.ALERT_CERTIFICATE_DAYS, now=now).select_related("unit"):
            if _already(NotificationKind.CERTIFICATE_EXPIRING, "signatures.certificate", cert.pk):
                continue
            text = M.CERTIFICATE_EXPIRING(subject=str(cert)[:300],
                                          date=timezone.localdate(cert.not_after))
            targets = {u: unit_id for unit_id, u in admins}  # one notification per person
            if cert.unit_id:
                targets.update({u: unit_id for unit_id, u in unit_members(unit_ids=[cert.unit_id], roles=Role.UNIT_ADMIN)})
            notes += [Note(user_id=u, unit_id=unit_id, kind=NotificationKind.CERTIFICATE_EXPIRING, text=text,
                           object_type="signatures.certificate", object_id=cert.pk) for u, unit_id in sorted(targets.items())]
        for crl in RevocationList.objects.filter(next_update__lt=now):
            if _already(NotificationKind.CRL_STALE, "signatures.revocationlist", crl.pk, since=crl.next_update):
                continue
            text = M.CRL_STALE(crl=str(crl)[:300], date=crl.next_update)  # a date parameter: shown per reader
            notes += [Note(user_id=u, unit_id=unit_id, kind=NotificationKind.CRL_STALE, text=text,
                           object_type="signatures.revocationlist", object_id=crl.pk) for unit_id, u in admins]
        oldest = (Dispatch.objects.filter(state__in=[DeliveryState.PENDING, DeliveryState.SENDING,
                                                     DeliveryState.RETRYING])
                  .aggregate(t=Min("created_at"))["t"])
        waited = (now - oldest).total_seconds() if oldest else 0
        if waited > settings.ALERT_DISPATCH_WAITING_SECONDS and not _already(
                NotificationKind.DISPATCH_WAITING, "", None, since=now - timedelta(hours=1)):
            text = M.DISPATCH_WAITING(minutes=int(waited // 60))
            notes += [Note(user_id=u, unit_id=unit_id, kind=NotificationKind.DISPATCH_WAITING, text=text)
                      for unit_id, u in admins]
        for source in _ALERT_SOURCES:
            notes += source(now=now, admins=admins, already=_already)
        notifications_send(notes)
    return len(notes)
