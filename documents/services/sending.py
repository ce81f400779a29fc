"""
Sending an issued document to many units. ``document_send`` writes one Dispatch per
recipient (plus its first event) in one transaction and asks for delivery after commit.
Nothing depends on the broker keeping the message: the sweeper re-enqueues anything stuck.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from units.choices import Role, UnitKind
from units.models import Unit, UnitGroup
from units.selectors import UnitNotAddressable, unit_communes_of, unit_resolve_addressee

from ..choices import BusinessType, DeliveryState, DocumentStatus, EventKind, Secrecy
from ..models import Dispatch, DispatchEvent, Document
from .common import InvalidInput, PermissionDeniedError, StateError, actor_display, audit_record, require_role

__all__ = ["document_send", "recipients_expand", "GROUP_KINDS", "dispatch_retry", "NO_TRANSPORT_REASON"]

GROUP_KINDS = ("departments", "districts", "communes", "province", "communes_of", "saved")
NO_TRANSPORT_REASON = "no transport yet"


def recipients_expand(*, groups: Iterable[str], owner_unit: Unit, on=None) -> list[Unit]:
    """
    Expand recipient groups into units existing on ``on``:
    ``departments``, ``districts``, ``communes`` (every commune committee), ``province`` (every
    unit of the province), ``communes_of:<unit pk>``, ``saved:<UnitGroup pk>`` (a saved list of
    the sending unit). One query per group.
    """
    units: list[Unit] = []
    for spec in groups:
        kind, _sep, arg = str(spec).partition(":")
        if kind == "departments":
            units += list(Unit.objects.active(on).filter(kind=UnitKind.DEPARTMENT))
        elif kind == "districts":
            units += list(Unit.objects.active(on).filter(kind=UnitKind.DISTRICT_COMMITTEE))
        elif kind == "communes":
            units += list(Unit.objects.active(on).filter(kind=UnitKind.COMMUNE_COMMITTEE))
        elif kind == "province":
            units += list(Unit.objects.active(on).filter(
                kind__in=[UnitKind.PROVINCE_COMMITTEE, UnitKind.DEPARTMENT, UnitKind.DISTRICT_COMMITTEE,
                          UnitKind.COMMUNE_COMMITTEE]))
        elif kind == "communes_of" and arg.isdigit():
            district = Unit.objects.filter(pk=int(arg)).first()
            if district is None:
                raise InvalidInput(_("Unknown unit %(id)s in a recipient group.") % {"id": arg}, field="groups")
            units += list(unit_communes_of(district=district, on=on))
        elif kind == "saved" and arg.isdigit():
            group = UnitGroup.objects.filter(pk=int(arg), owner=owner_unit).first()
            if group is None:
                raise InvalidInput(_("Unknown saved recipient list %(id)s.") % {"id": arg}, field="groups")
            units += list(group.members.all())
        else:
            raise InvalidInput(_("Unknown recipient group %(g)s.") % {"g": spec}, field="groups")
    return units


def document_send(*, document: Document, acting_user, units: Sequence[Unit] = (), groups: Sequence[str] = (),
                  on=None) -> list[Dispatch]:
    """
    Send an issued document to ``units`` and the units of ``groups``. Units that no longer
    exist are replaced by their successor (recorded in ``addressed_to``); the sender itself and
    units that already have this document are left out. Refused for drafts, revoked documents
    and secret documents (QĐ 28/2018: never sent electronically). Returns the new dispatches.
    """
    from .delivery import enqueue_local_delivery

    with transaction.atomic():
        doc = Document.objects.select_for_update(no_key=True).select_related("owner_unit").get(pk=document.pk)
        owner = doc.owner_unit
        require_role(user=acting_user, unit=owner, roles=(Role.CLERK,))
        if doc.secrecy != Secrecy.NONE:
            raise PermissionDeniedError(
                _("Documents classified %(level)s are never sent electronically (QĐ 28/2018/QĐ-TTg); "
                  "send the paper copy through the confidential channel.") % {"level": doc.get_secrecy_display()},
                code="secret_document")
        if doc.status == DocumentStatus.DRAFT:
            raise StateError(_("Issue the document (allocate its number) before sending it."))
        if doc.status == DocumentStatus.REVOKED:
            raise StateError(_("This document has been revoked and cannot be sent again."))
        today = on or timezone.localdate()
        requested = list(units) + recipients_expand(groups=groups, owner_unit=owner, on=today)
        if not requested:
            raise InvalidInput(_("Choose at least one recipient."), field="recipients")
        resolved: dict[int, tuple[Unit, Unit | None]] = {}
        for unit in requested:
            try:
                target = unit_resolve_addressee(unit=unit, on=today)
            except UnitNotAddressable as exc:
                raise InvalidInput(str(exc), field="recipients", code="recipient_gone") from exc
            if target.pk == owner.pk:
                continue
            if target.pk not in resolved or resolved[target.pk][1] is not None:
                resolved[target.pk] = (target, None if target.pk == unit.pk else unit)
        already = set(Dispatch.objects.filter(document=doc, recipient_id__in=list(resolved))
                      .values_list("recipient_id", flat=True))
        now = timezone.now()
        # Remote units whose peer system is configured (and enabled) are carried by the federation stream.
        from ..federation.outbound import peer_for_code, remote_dispatches_enqueue

        carried = {t.peer_ref for t, _a in resolved.values() if not t.is_local and peer_for_code(t.peer_ref)}
        new = [
            Dispatch(document=doc, recipient=target, addressed_to=addressed, sender=owner,
                     is_remote=not target.is_local,
                     state_reason=NO_TRANSPORT_REASON if not target.is_local and target.peer_ref not in carried else "",
                     enqueued_at=now if target.is_local or target.peer_ref in carried else None)
            for pk, (target, addressed) in resolved.items() if pk not in already
        ]
        if not new:
            if already:
                raise InvalidInput(_("Every chosen recipient already has this document."), field="recipients")
            raise InvalidInput(_("Choose at least one recipient other than your own unit."), field="recipients")
        dispatches = Dispatch.objects.bulk_create(new, batch_size=1000)
        if any(d.pk is None for d in dispatches):  # backends that cannot return ids
            dispatches = list(Dispatch.objects.filter(document=doc, recipient_id__in=[d.recipient_id for d in new]))
        who = actor_display(acting_user)
        DispatchEvent.objects.bulk_create(
            [DispatchEvent(dispatch=d, kind=EventKind.TRANSPORT, code=DeliveryState.PENDING, at=now,
                           actor=acting_user, actor_name=who,
                           note=(_("Addressed to %(name)s, which no longer exists") % {"name": d.addressed_to.name}
                                 if d.addressed_to_id else "") or d.state_reason)
             for d in dispatches],
            batch_size=1000,
        )
        if doc.sent_at is None:
            doc.sent_at = now
            doc.save(update_fields=["sent_at"])
        if doc.business_type == BusinessType.REVOCATION:
            # NĐ 30 Điều 18.4: the revoked document is frozen at the sender: never sent again.
            Document.objects.filter(pk=doc.related_document_id).update(status=DocumentStatus.REVOKED)
        audit_record(actor=acting_user, unit=owner, verb="document.sent", obj=doc,
                     details={"recipients": [d.recipient.code for d in dispatches][:1000], "count": len(dispatches),
                              "redirected": {d.addressed_to.code: d.recipient.code for d in dispatches
                                             if d.addressed_to_id}})
        local_ids = [d.pk for d in dispatches if not d.is_remote]
        enqueue_local_delivery(local_ids)
        remote_dispatches_enqueue([d.pk for d in dispatches if d.is_remote and d.recipient.peer_ref in carried])
    return dispatches


def dispatch_retry(*, dispatch: Dispatch, acting_user) -> Dispatch:
    """A clerk of the sending unit puts a failed dispatch back in the queue."""
    from .delivery import enqueue_local_delivery

    with transaction.atomic():
        d = Dispatch.objects.select_for_update(no_key=True).select_related("sender").get(pk=dispatch.pk)
        require_role(user=acting_user, unit=d.sender, roles=(Role.CLERK,))
        if d.state != DeliveryState.FAILED:
            raise StateError(_("Only a failed delivery can be retried."))
        now = timezone.now()
        d.state, d.next_attempt_at, d.enqueued_at, d.attempts = DeliveryState.PENDING, None, now, 0
        d.save(update_fields=["state", "next_attempt_at", "enqueued_at", "attempts"])
        DispatchEvent.objects.create(dispatch=d, kind=EventKind.TRANSPORT, code=DeliveryState.PENDING, at=now,
                                     actor=acting_user, actor_name=actor_display(acting_user), note=_("Retried"))
        audit_record(actor=acting_user, unit=d.sender, verb="dispatch.retried", obj=d)
        if not d.is_remote:
            enqueue_local_delivery([d.pk])
        else:
            from ..federation.outbound import remote_dispatches_enqueue

            remote_dispatches_enqueue([d.pk])
    return d
