"""
Transports: how a dispatch reaches its recipient unit. docs/architecture.md, "Transports".

``document_send`` (and a clerk's retry) hands each dispatch to the transport registered for its
recipient; the status flow hands each business status that concerns a unit served elsewhere
to that unit's transport. The documents app knows no transport by name: transports register
themselves when their app is ready (local delivery in ``DocumentsConfig.ready``, portal-to-portal
federation in ``FederationConfig.ready``, the national axis next).

Every transport reports what happens through the one dispatch state machine
(``documents.services.dispatches``); nothing else writes ``Dispatch.state``.

To add a transport: subclass ``Transport``, implement ``handles`` (does it reach this unit?),
``enqueue`` (called inside the sending transaction with new or retried dispatch ids: publish the
work on commit), ``forward_status`` (a status event about a unit it serves) and ``sweep`` (beat:
re-enqueue what a lost message left behind), and call ``transport_register`` from your app's
``AppConfig.ready``.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)

__all__ = ["Transport", "transport_register", "transport_for", "transports", "transports_enqueue"]


class Transport:
    """Base class of transports. ``name`` is shown in logs and events."""

    name = ""

    def handles(self, unit) -> bool:
        """Whether this transport carries documents to ``unit``."""
        raise NotImplementedError

    def enqueue(self, dispatch_ids: list[int]) -> None:
        """Carry these dispatches (called inside the caller's transaction; publish on commit)."""
        raise NotImplementedError

    def forward_status(self, *, event, unit) -> None:
        """A business status event concerning ``unit`` (served by this transport) must travel there."""

    def sweep(self, *, now) -> int:
        """Re-enqueue work that a lost broker message or a dead worker left behind; returns how much."""
        return 0

    def __repr__(self) -> str:
        return f"<Transport {self.name}>"


_registry: list[Transport] = []


def transport_register(transport: Transport) -> None:
    """Register a transport (idempotent: AppConfig.ready may run twice in tests)."""
    if any(type(t) is type(transport) for t in _registry):
        return
    _registry.append(transport)


def transports() -> list[Transport]:
    return list(_registry)


def transport_for(unit) -> Transport | None:
    """The first registered transport that handles ``unit``, or None (the dispatch waits)."""
    for transport in _registry:
        try:
            if transport.handles(unit):
                return transport
        except Exception:  # noqa: BLE001 - one broken transport must not stop the others
            log.exception("transport %s failed to answer for unit %s", transport.name, getattr(unit, "pk", unit))
    return None


def transports_enqueue(pairs: Iterable[tuple[int, Transport | None]]) -> None:
    """Hand ``(dispatch id, transport)`` pairs to their transports, one call per transport."""
    by_transport: dict[int, tuple[Transport, list[int]]] = {}
    for dispatch_id, transport in pairs:
        if transport is None:
            continue
        _t, ids = by_transport.setdefault(id(transport), (transport, []))
        ids.append(dispatch_id)
    for transport, ids in by_transport.values():
        transport.enqueue(ids)
