"""
Bulk actions of the inbox and of the sender's tracking board: accept (vào sổ) several
incoming documents, assign several to the same handler, finish several, ask many recipients
to give a document back or take an update.

A bulk action is a loop over the one-record service, never a service of its own: each record
is its own transaction with its own audit row and status to the sender, exactly as if the
user had clicked it on the record's page. A record the service refuses (wrong state, not
allowed, another user was quicker) is reported with the service's message and the others go
on; nothing is half-done for any single record.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from egov.core.errors import InvalidInput, ServiceError

from .workflow import dispatch_request, incoming_accept, incoming_assign, incoming_finish

__all__ = ["BulkResult", "BULK_LIMIT", "incoming_bulk", "dispatch_request_bulk"]

BULK_LIMIT = 200  # rows one request may act on (a page of the tracking board at most)


@dataclass
class BulkResult:
    done: list = field(default_factory=list)        # the records acted on
    refused: list = field(default_factory=list)     # (record, message) pairs

    @property
    def total(self) -> int:
        return len(self.done) + len(self.refused)


def _check_size(ids) -> list[int]:
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        raise InvalidInput(_("Choose at least one document."), field="ids")
    if len(ids) > BULK_LIMIT:
        raise InvalidInput(_("Choose at most %(n)d documents at once.") % {"n": BULK_LIMIT}, field="ids")
    return ids


def incoming_bulk(*, records, action: str, acting_user, main_handler=None, deadline=None, instruction: str = "",
                  note: str = "") -> BulkResult:
    """
    ``records``: the incoming records (already scoped to what the user may see, e.g.
    ``incoming_visible_to(user=...)``) the user ticked. ``action``: ``accept``, ``assign`` or
    ``finish``. One service call, one transaction, per record, in the order given.
    """
    calls = {
        "accept": lambda rec: incoming_accept(incoming=rec, acting_user=acting_user),
        "assign": lambda rec: incoming_assign(incoming=rec, acting_user=acting_user, main_handler=main_handler,
                                              deadline=deadline, instruction=instruction),
        "finish": lambda rec: incoming_finish(incoming=rec, acting_user=acting_user, note=note),
    }
    if action not in calls:
        raise InvalidInput(_("Unknown action."), field="action")
    if action == "assign" and main_handler is None:
        raise InvalidInput(_("Choose the main handler."), field="main_handler")
    result = BulkResult()
    for rec in records:
        try:
            result.done.append(calls[action](rec))
        except ServiceError as exc:
            result.refused.append((rec, exc.message))
    return result


def dispatch_request_bulk(*, dispatches, acting_user, kind: str, reason: str) -> BulkResult:
    """The sender's clerk asks many recipients at once to give the document back or take an update (13)."""
    result = BulkResult()
    for d in dispatches:
        try:
            result.done.append(dispatch_request(dispatch=d, acting_user=acting_user, kind=kind, reason=reason))
        except ServiceError as exc:
            result.refused.append((d, exc.message))
    return result


def bulk_ids(raw) -> list[int]:
    """The ticked ids of a form (digits only, at most BULK_LIMIT)."""
    return _check_size(i for i in raw if str(i).isdigit())


__all__ += ["bulk_ids"]
