"""
Tamper-evident audit: every audit row carries a SHA-256 hash chained to the previous row of its
shard, and signed checkpoints pin the head of each shard from time to time.

- **Row hash** = SHA-256 of ``prev_hash`` + the canonical JSON of the row's content (shard,
  sequence number, time in UTC to the microsecond, actor id, unit id, verb, object type and id,
  details). Changing, inserting or deleting a row breaks the chain at that row; the sequence
  numbers make a deleted row visible even when the attacker re-hashes everything after it,
  and the checkpoints (signed with a key the database does not hold) make a re-hashed chain
  visible.
- **Shards**: ``AUDIT_CHAIN_SHARDS`` independent chains, so that concurrent transactions do
  not all wait for one lock. A transaction takes one shard's PostgreSQL advisory
  transaction lock (``pg_try_advisory_xact_lock`` on the shards in an order of its own,
  blocking on its preferred one only when all are busy), reads that shard's head, and writes
  its rows after it; the lock is held until the transaction ends, so the head cannot move
  under it, and ``UNIQUE (shard, shard_seq)`` refuses a fork whatever happens. On SQLite
  writes are already serialised (``BEGIN IMMEDIATE``): one shard.
- **Checkpoints** (``AuditCheckpoint``): the head of every shard, signed with HMAC-SHA256 under
  ``AUDIT_CHECKPOINT_KEY`` (from the environment; derived from ``DJANGO_SECRET_KEY`` when empty).
  Written by the beat task ``egov.core.tasks.audit_checkpoint_task`` (``AUDIT_CHECKPOINT_EVERY``).
- ``manage.py audit_verify`` recomputes every chain and reports the first broken or missing row.
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import os
import zlib
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

log = logging.getLogger(__name__)

__all__ = ["row_hash", "chain_assign", "checkpoint_write", "checkpoint_signature", "audit_chain_verify",
           "ChainProblem", "GENESIS"]

GENESIS = "0" * 64
LOCK_NAMESPACE = zlib.crc32(b"egov-audit-chain") & 0x7FFFFFFF


def _utc(at: datetime.datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=datetime.timezone.utc)
    return at.astimezone(datetime.timezone.utc).isoformat(timespec="microseconds")


def _canonical_details(details) -> object:
    # As the database gives it back: JSON types only, key order irrelevant.
    return json.loads(json.dumps(details or {}, ensure_ascii=False))


def row_hash(*, prev_hash: str, shard: int, seq: int, at, actor_id, unit_id, verb: str, object_type: str,
             object_id: str, details) -> str:
    content = json.dumps(
        {"shard": shard, "seq": seq, "at": _utc(at), "actor": actor_id, "unit": unit_id, "verb": verb,
         "type": object_type, "id": object_id, "details": _canonical_details(details)},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def event_hash(event, prev_hash: str) -> str:
    return row_hash(prev_hash=prev_hash, shard=event.shard, seq=event.shard_seq, at=event.at,
                    actor_id=event.actor_id, unit_id=event.unit_id, verb=event.verb,
                    object_type=event.object_type, object_id=event.object_id, details=event.details)


def _shard_count() -> int:
    if connection.vendor != "postgresql":
        return 1
    return max(1, int(settings.AUDIT_CHAIN_SHARDS))


def _lock_shard(cursor) -> int:
    """Hold the advisory lock of one shard until this transaction ends; the same shard on every call of it."""
    shards = _shard_count()
    if connection.vendor != "postgresql":
        return 0
    preferred = os.getpid() % shards
    # One round trip in the common case: which transaction this is, and the preferred shard's lock.
    cursor.execute("SELECT txid_current(), pg_try_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, preferred])
    txid, got = cursor.fetchone()
    held = getattr(connection, "_egov_audit_shard", None)
    if held is not None and held[1] == txid:
        if held[0] != preferred or not got:
            # Re-entrant and instant while held; taken again if a rolled-back savepoint released it.
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, held[0]])
        return held[0]
    chosen = preferred if got else None
    for shard in ([] if got else [(preferred + i) % shards for i in range(1, shards)]):
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, shard])
        if cursor.fetchone()[0]:
            chosen = shard
            break
    if chosen is None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, preferred])
        chosen = preferred
    connection._egov_audit_shard = (chosen, txid)
    return chosen


def chain_assign(events) -> None:
    """Give unsaved audit rows their shard, sequence numbers and hashes; call inside the inserting transaction."""
    from django.utils import timezone

    from .models import AuditEvent

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit rows are chained inside a transaction")
    with connection.cursor() as cursor:
        shard = _lock_shard(cursor)
    head = (AuditEvent.objects.filter(shard=shard).order_by("-shard_seq")
            .values_list("shard_seq", "row_hash").first())
    seq, prev = head if head is not None else (0, GENESIS)
    for event in events:
        if event.at is None:
            event.at = timezone.now()
        seq += 1
        event.shard, event.shard_seq, event.prev_hash = shard, seq, prev
        event.row_hash = prev = event_hash(event, prev)


# --- Checkpoints -------------------------------------------------------------------------------
def _checkpoint_key() -> bytes:
    configured = settings.AUDIT_CHECKPOINT_KEY
    if configured:
        return configured.encode()
    return hashlib.sha256(b"egov audit checkpoint\x00" + settings.SECRET_KEY.encode()).digest()


def checkpoint_message(*, shard: int, shard_seq: int, row_hash_value: str, at) -> bytes:
    return f"egov-audit-checkpoint|{shard}|{shard_seq}|{row_hash_value}|{_utc(at)}".encode()


def checkpoint_signature(*, shard: int, shard_seq: int, row_hash_value: str, at) -> str:
    message = checkpoint_message(shard=shard, shard_seq=shard_seq, row_hash_value=row_hash_value, at=at)
    return hmac.new(_checkpoint_key(), message, hashlib.sha256).hexdigest()


def checkpoint_stamped_bytes(checkpoint) -> bytes:
    """What the RFC 3161 time-stamp of a checkpoint covers: its message and its signature."""
    return checkpoint_message(shard=checkpoint.shard, shard_seq=checkpoint.shard_seq,
                              row_hash_value=checkpoint.row_hash, at=checkpoint.at) + b"|" + checkpoint.signature.encode()


def _timestamp(checkpoint) -> None:
    """Ask the configured TSA for a time-stamp; an unreachable TSA never stops the checkpoint (logged)."""
    from .timestamps import TimestampCheck, timestamp_request, timestamp_verify, tsa_configured

    if not tsa_configured():
        return
    try:
        token = timestamp_request(checkpoint_stamped_bytes(checkpoint))
    except (OSError, ValueError) as exc:  # TimestampRequestError is an IOError
        log.warning("audit checkpoint %s#%s not time-stamped: %s", checkpoint.shard, checkpoint.shard_seq, exc)
        return
    check: TimestampCheck = timestamp_verify(token, checkpoint_stamped_bytes(checkpoint))
    checkpoint.timestamp_token, checkpoint.timestamped_at = token, check.at


def checkpoint_write() -> list:
    """Sign the head of every shard (skips a shard whose head is already checkpointed)."""
    from django.utils import timezone

    from .models import AuditCheckpoint, AuditEvent

    written = []
    with transaction.atomic():
        for shard in AuditEvent.objects.values_list("shard", flat=True).distinct().order_by("shard"):
            head = AuditEvent.objects.filter(shard=shard).order_by("-shard_seq").values_list(
                "shard_seq", "row_hash").first()
            if head is None or AuditCheckpoint.objects.filter(shard=shard, shard_seq=head[0]).exists():
                continue
            now = timezone.now()
            checkpoint = AuditCheckpoint(
                shard=shard, shard_seq=head[0], row_hash=head[1], at=now,
                signature=checkpoint_signature(shard=shard, shard_seq=head[0], row_hash_value=head[1], at=now))
            _timestamp(checkpoint)
            checkpoint.save()
            written.append(checkpoint)
    return written


# --- Verification ------------------------------------------------------------------------------
@dataclass
class ChainProblem:
    shard: int
    shard_seq: int
    event_id: int | None
    problem: str

    def as_dict(self) -> dict:
        return {"shard": self.shard, "seq": self.shard_seq, "event_id": self.event_id, "problem": self.problem}


@dataclass
class VerifyReport:
    rows: int = 0
    shards: dict = field(default_factory=dict)
    checkpoints: int = 0
    timestamped: int = 0
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"ok": self.ok, "rows": self.rows, "shards": self.shards, "checkpoints": self.checkpoints,
                "timestamped": self.timestamped, "problems": [p.as_dict() for p in self.problems]}


def audit_chain_verify(*, chunk: int = 5000) -> VerifyReport:
    """Recompute every shard's chain; the first problem of each shard, and every bad checkpoint."""
    from .models import AuditCheckpoint, AuditEvent

    report = VerifyReport()
    heads: dict[int, dict[int, str]] = {}
    checkpoints = list(AuditCheckpoint.objects.order_by("shard", "shard_seq"))
    wanted = {(c.shard, c.shard_seq) for c in checkpoints}
    unchained = AuditEvent.objects.filter(row_hash="")
    for event in unchained.order_by("pk")[:1]:
        report.problems.append(ChainProblem(event.shard, event.shard_seq, event.pk, "row without hash"))
    for shard in AuditEvent.objects.exclude(row_hash="").values_list("shard", flat=True).distinct().order_by("shard"):
        expected_seq, prev, count, broken = 1, GENESIS, 0, None
        rows = AuditEvent.objects.filter(shard=shard).exclude(row_hash="").order_by("shard_seq")
        for event in rows.iterator(chunk_size=chunk):
            count += 1
            if broken is not None:
                continue
            if event.shard_seq != expected_seq:
                broken = ChainProblem(shard, expected_seq, None,
                                      f"missing row(s) {expected_seq}..{event.shard_seq - 1}"
                                      if event.shard_seq > expected_seq else "duplicate sequence number")
            elif event.prev_hash != prev:
                broken = ChainProblem(shard, event.shard_seq, event.pk, "previous hash does not match")
            elif event_hash(event, prev) != event.row_hash:
                broken = ChainProblem(shard, event.shard_seq, event.pk, "row content changed")
            else:
                if (shard, event.shard_seq) in wanted:
                    heads.setdefault(shard, {})[event.shard_seq] = event.row_hash
                prev, expected_seq = event.row_hash, expected_seq + 1
        report.rows += count
        report.shards[shard] = {"rows": count, "head": expected_seq - 1}
        if broken is not None:
            report.problems.append(broken)
    for c in checkpoints:
        report.checkpoints += 1
        good_signature = hmac.compare_digest(
            c.signature, checkpoint_signature(shard=c.shard, shard_seq=c.shard_seq, row_hash_value=c.row_hash, at=c.at))
        if not good_signature:
            report.problems.append(ChainProblem(c.shard, c.shard_seq, None, "checkpoint signature is wrong"))
        elif heads.get(c.shard, {}).get(c.shard_seq) != c.row_hash:
            if not any(p.shard == c.shard and p.shard_seq <= c.shard_seq for p in report.problems):
                report.problems.append(ChainProblem(c.shard, c.shard_seq, None,
                                                    "signed checkpoint does not match the chain (rows rewritten or "
                                                    "removed)"))
        if good_signature and c.timestamp_token:
            from .timestamps import timestamp_verify

            report.timestamped += 1
            check = timestamp_verify(bytes(c.timestamp_token), checkpoint_stamped_bytes(c))
            if not check.ok:
                report.problems.append(ChainProblem(c.shard, c.shard_seq, None,
                                                    f"checkpoint time-stamp is not valid: {check.problem}"))
            elif c.timestamped_at is not None and check.at != c.timestamped_at:
                report.problems.append(ChainProblem(c.shard, c.shard_seq, None,
                                                    "checkpoint time-stamp time does not match its token"))
    return report
