"""Helpers shared by the records services."""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.errors import StateError
from egov.core.messages import message_fields
from egov.core.text import actor_display

from ..models import CaseFile, FileEvent


def file_event(case_file: CaseFile, kind, *, actor=None, detail="", at=None, outcome: str = "success"):
    """
    Append one preservation event (PREMIS) to the file's trail. ``detail``: data (a code, an
    ordinal, a person's reason) as plain text, or the portal's own wording as a ``Msg`` (stored
    as its code, read in the reader's language; ``detail`` keeps it in the portal's language).
    """
    f = message_fields(detail, limit=500)
    return FileEvent.objects.create(case_file=case_file, kind=kind, at=at or timezone.now(),
                                    actor=actor if getattr(actor, "is_authenticated", False) else None,
                                    actor_name=actor_display(actor)[:200] if actor is not None else "",
                                    detail=f["text"], detail_code=f["code"], detail_params=f["params"],
                                    outcome=outcome)


def is_held(case_file: CaseFile) -> bool:
    return case_file.holds.filter(released_at__isnull=True).exists()


def refuse_if_held(case_file: CaseFile) -> None:
    if is_held(case_file):
        raise StateError(_("The file %(code)s is under a legal hold: it cannot be changed, moved or destroyed.")
                         % {"code": case_file.code})


def lock_file(case_file: CaseFile) -> CaseFile:
    return CaseFile.objects.select_for_update(no_key=True).select_related("unit", "entry", "entry__plan").get(
        pk=case_file.pk)
