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
from django.db.models import Field

__all__ = ["service", "service_atomic", "in_service", "copy_insert", "copy_insert_objects"]

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


# --- h17: COPY for the bulk rows of the delivery path (docs/operations.md, "Delivery throughput") --

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    import datetime
    import json

    kind = type(value)
    if kind is str:  # the common case first: one C call escapes
        return value.translate(_COPY_ESCAPES)
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if kind is int or isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    return str(value).translate(_COPY_ESCAPES)


def _copy_column(values: list) -> list[str]:
    """
    The COPY text of one column (h17): every distinct value is encoded once, then looked up,
    so the per-row work is C (a set, a dict lookup). A batch repeats most of its values down
    a column (the document, the sender, the time, the search text); a column of distinct
    values (ids) is encoded value by value. Values a set cannot hold (JSON) are encoded one by
    one; a column that mixes booleans with numbers (equal in a set) too.
    """
    try:
        distinct = set(values)
    except TypeError:
        return list(map(_copy_text, values))
    if len(distinct) * 2 > len(values):
        return list(map(_copy_text, values))
    kinds = set(map(type, values))
    if bool in kinds and kinds - {bool, type(None)}:
        return list(map(_copy_text, values))
    table = {v: _copy_text(v) for v in distinct}
    return list(map(table.__getitem__, values))


def copy_insert(model, rows: list[dict], *, using: str = "default") -> int:
    """
    Insert ``rows`` (dicts of attname → value) into ``model``'s table without building model
    instances: one ``COPY … FROM STDIN`` on PostgreSQL, ``bulk_create`` elsewhere. Columns a
    row leaves out get the field's default (computed once). No ids come back and no signals are
    sent (bulk_create sends none either); call it inside the service's transaction.
    """
    if not rows:
        return 0
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "postgresql":
        model.objects.using(using).bulk_create([model(**r) for r in rows], batch_size=1000)
        return len(rows)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.attname in rows[0]]
    given = set(rows[0])
    count = len(rows)
    _copy_columns(conn, model, fields, [
        _copy_column([r[f.attname] for r in rows]) if f.attname in given
        else [_copy_text(f.get_default())] * count  # a default: computed and encoded once
        for f in fields])
    return count


def _copy_columns(conn, model, fields, encoded: list[list[str]]) -> None:
    """One ``COPY`` of the encoded columns (one list of COPY texts per field), joined row by row in C."""
    import io

    columns = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    buf = io.StringIO("\n".join(map("\t".join, zip(*encoded))) + "\n")
    with conn.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {conn.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN", buf)


def copy_insert_objects(model, objs: list, *, using: str = "default") -> list:
    """
    Insert unsaved model instances and give them their ids, as ``bulk_create`` does, with one
    ``COPY`` on PostgreSQL: the ids are taken from the table's sequence first (one query), then
    every row is copied with its id. Fields' ``pre_save`` runs per object (``auto_now_add``, …);
    defaults were computed when each instance was built (a UUID per object). No signals.
    Elsewhere ``bulk_create``. Returns ``objs``.
    """
    if not objs:
        return objs
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "postgresql":
        return model.objects.using(using).bulk_create(objs, batch_size=1000)
    meta = model._meta
    pk = meta.pk
    with conn.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, pk.column, len(objs)])
        ids = [row[0] for row in cursor.fetchall()]
    for obj, new_id in zip(objs, ids):
        setattr(obj, pk.attname, new_id)
        obj._state.adding, obj._state.db = False, using
    fields = meta.concrete_fields
    # Column by column: a field's pre_save is called per object only where the field has its
    # own (auto_now_add, …); elsewhere it is the attribute.
    _copy_columns(conn, model, fields, [
        _copy_column([getattr(o, f.attname) for o in objs]) if type(f).pre_save is Field.pre_save
        else _copy_column([f.pre_save(o, True) for o in objs])
        for f in fields])
    return objs
