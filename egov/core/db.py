"""
Transactions of services.

Every state-changing service runs in one transaction that is *durable* when it is the
outermost one: when the service returns, its work is committed and its on-commit side effects
(Celery tasks, e-mails) are on their way; a caller cannot wrap it in a transaction of its own
and roll it back later (Django raises instead). A service that calls other services (a
composite such as "create a document with its files") makes them part of its own
transaction: the inner ones run as savepoints.

``service`` decorates a service function; ``service_atomic()`` is the same as a context
manager, for services that do work outside the transaction (parsing a package, HTTP) and for
the few deliberate units of work above services (an idempotent API request stores its
response in the same transaction as the service's work).
"""
from __future__ import annotations

import contextvars
import functools
from contextlib import contextmanager

from django.db import transaction

__all__ = ["service", "service_atomic", "in_service"]

_depth: contextvars.ContextVar[int] = contextvars.ContextVar("egov_service_depth", default=0)


@contextmanager
def service_atomic(using: str | None = None):
    """One transaction for a service: durable when outermost, a savepoint inside another service."""
    depth = _depth.get()
    token = _depth.set(depth + 1)
    try:
        with transaction.atomic(using=using, durable=depth == 0):
            yield
    finally:
        _depth.reset(token)


def service(fn):
    """Run ``fn`` in :func:`service_atomic`."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with service_atomic():
            return fn(*args, **kwargs)

    return wrapper


def in_service() -> bool:
    """True inside a service's transaction (for helpers that must not run on their own)."""
    return _depth.get() > 0
