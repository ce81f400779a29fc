"""
The audit trail: who did what to which object, when, for which unit.

Every state-changing service of every app calls ``audit_record`` (or builds rows with
``audit_build`` and writes them with ``audit_bulk`` when it changes many objects at once)
inside its own transaction, so the change and its audit row commit or roll back together.
Verbs are choices (each app has its ``AuditVerb`` in ``choices.py``); a bare string is refused
so that every verb in the table can be found in the code.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent

__all__ = ["AuditVerb", "audit_record", "audit_build", "audit_bulk", "audit_copy", "object_label"]


class AuditVerb(models.TextChoices):
    """Verbs of the base layer's own services."""

    API_CALL = "api.call", _("API call")
    WEBHOOK_CREATED = "webhook.created", _("Webhook registered")
    WEBHOOK_DEACTIVATED = "webhook.deactivated", _("Webhook deactivated")
    LOGIN_SUCCEEDED = "auth.login", _("Logged in")
    LOGIN_FAILED = "auth.login_failed", _("Failed login")
    LOGIN_LOCKED = "auth.locked", _("Account locked after failed logins")
    LOGOUT = "auth.logout", _("Logged out")
    NOTIFICATIONS_PURGED = "notifications.purged", _("Old read notifications deleted (retention)")


def _verb(verb) -> str:
    if not isinstance(verb, enum.Enum):
        raise TypeError(f"audit verbs are choices (an app's AuditVerb), not bare strings: {verb!r}")
    return str(verb.value)


def object_label(obj) -> tuple[str, str]:
    """(``app_label.model``, pk) of a model instance; (``type name``, str) of anything else."""
    if hasattr(obj, "_meta"):
        return obj._meta.label_lower, str(obj.pk)
    return type(obj).__name__, str(obj)


def audit_build(*, verb, obj=None, object_type: str = "", object_id="", actor=None, unit=None, unit_id=None,
                details: dict | None = None) -> AuditEvent:
    """An unsaved audit row (for ``audit_bulk``). ``obj`` or ``object_type``/``object_id`` names the target."""
    if obj is not None:
        object_type, object_id = object_label(obj)
    return AuditEvent(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        unit=unit, **({"unit_id": unit_id} if unit is None and unit_id is not None else {}),
        verb=_verb(verb), object_type=object_type[:64], object_id=str(object_id)[:64], details=details or {},
    )


def audit_record(*, actor, unit, verb, obj, details: dict | None = None) -> AuditEvent:
    """Write one audit row; call inside the service's transaction."""
    event = audit_build(verb=verb, obj=obj, actor=actor, unit=unit, details=details)
    event.save()
    return event


def audit_bulk(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Write many audit rows built with ``audit_build`` in one statement."""
    return AuditEvent.objects.bulk_create(list(events), batch_size=1000)


def audit_copy(rows: Iterable[dict]) -> int:
    """
    Write many audit rows without model instances (h17: the delivery path, hundreds per batch):
    each dict has ``verb`` (a choice), ``unit_id``, ``object_type``, ``object_id``, ``details``
    and optionally ``actor_id``. The rows are chained exactly as ``audit_bulk`` chains them
    (same shard lock, same hashes) and written with one COPY on PostgreSQL.
    """
    from types import SimpleNamespace

    from django.db import connection, transaction
    from django.utils import timezone

    from .audit_chain import chain_assign
    from .db import copy_insert

    now = timezone.now()
    events = [SimpleNamespace(at=r.get("at") or now, actor_id=r.get("actor_id"), unit_id=r.get("unit_id"),
                              verb=_verb(r["verb"]), object_type=str(r.get("object_type", ""))[:64],
                              object_id=str(r.get("object_id", ""))[:64], details=r.get("details") or {})
              for r in rows]
    if not events:
        return 0
    if connection.vendor != "postgresql":  # bulk_create chains them (SQLite: one shard)
        return len(audit_bulk(AuditEvent(**vars(e)) for e in events))
    with transaction.atomic(savepoint=False):
        chain_assign(events)
        return copy_insert(AuditEvent, [vars(e) for e in events])
