"""
Sending an issued document to many units. ``document_send`` resolves the recipients and has
the dispatch state machine write one Dispatch per recipient (plus its first event) in one
transaction; each is handed to the transport registered for its recipient after commit.
Nothing depends on the broker keeping the message: the sweeper re-enqueues anything stuck.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.db import service
from egov.core.errors import InvalidInput, PermissionDeniedError, StateError
from units.choices import Role, UnitKind
from units.models import Unit, UnitGroup
from units.permissions import require_role
from units.selectors import UnitNotAddressable, unit_communes_of, unit_resolve_addressee

from ..choices import AuditVerb, BusinessType, DocumentStatus, Secrecy
from ..models import Dispatch, Document
from .dispatches import dispatches_create

__all__ = ["document_send", "recipients_expand", "GROUP_KINDS"]

GROUP_KINDS = ("departments", "districts", "communes", "province", "communes_of", "saved")


def recipients_expand(*, groups: Iterable[str], owner_unit: Unit, on=None) -> list[Unit]:
    """
    Expand recipient groups into units existing on ``on``:
    ``departments``, ``districts``, ``communes`` (every commune committee), ``province`` (every
    unit of the province), ``communes_of:<unit pk>``, ``saved:<UnitGroup pk>`` (a saved list of
    the sending unit). One query per group. The kind groups mean *this province's* units: local
    units only, however large the directory of remote units (the national axis) is.
    """
    units: list[Unit] = []
    for spec in groups:
        kind, _sep, arg = str(spec).partition(":")
        if kind == "departments":
            units += list(Unit.objects.active(on).filter(is_local=True, kind=UnitKind.DEPARTMENT))
        elif kind == "districts":
            units += list(Unit.objects.active(on).filter(is_local=True, kind=UnitKind.DISTRICT_COMMITTEE))
        elif kind == "communes":
            units += list(Unit.objects.active(on).filter(is_local=True, kind=UnitKind.COMMUNE_COMMITTEE))
        elif kind == "province":
            units += list(Unit.objects.active(on).filter(
                is_local=True, kind__in=[UnitKind.PROVINCE_COMMITTEE, UnitKind.DEPARTMENT, UnitKind.DISTRICT_COMMITTEE,
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


@service
def document_send(*, document: Document, acting_user, units: Sequence[Unit] = (), groups: Sequence[str] = (),
                  on=None) -> list[Dispatch]:
    """
    Send an issued document to ``units`` and the units of ``groups``. Units that no longer
    exist are replaced by their successor (recorded in ``addressed_to``); the sender itself and
    units that already have this document are left out. Refused for drafts, revoked documents
    and secret documents (QĐ 28/2018: never sent electronically). Returns the new dispatches.
    """
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
    # The document's own dispatches (the unique index's prefix), not an IN of every recipient.
    already = set(Dispatch.objects.filter(document=doc).values_list("recipient_id", flat=True)) & resolved.keys()
    targets = [pair for pk, pair in resolved.items() if pk not in already]
    if not targets:
        if already:
            raise InvalidInput(_("Every chosen recipient already has this document."), field="recipients")
        raise InvalidInput(_("Choose at least one recipient other than your own unit."), field="recipients")
    now = timezone.now()
    if doc.sent_at is None:
        doc.sent_at = now
        doc.save(update_fields=["sent_at"])
    if doc.business_type == BusinessType.REVOCATION:
        # NĐ 30 Điều 18.4: the revoked document is frozen at the sender: never sent again.
        Document.objects.filter(pk=doc.related_document_id).update(status=DocumentStatus.REVOKED)
    return dispatches_create(
        document=doc, sender=owner, targets=targets, verb=AuditVerb.DOCUMENT_SENT, acting_user=acting_user, now=now,
        details={"recipients": [t.code for t, _a in targets][:1000], "count": len(targets),
                 "redirected": {a.code: t.code for t, a in targets if a is not None}})
