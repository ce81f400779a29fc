"""
A Celery beat scheduler that is safe to run on several machines (h17, docs/operations.md).

``celery beat -S egov.core.beat:LeaderScheduler`` sends the schedule only while it holds a
PostgreSQL session advisory lock on a connection of its own: one scheduler is active at a
time; when it dies its connection closes, the lock is released and another node's scheduler
takes it at its next tick (within BEAT_LEADER_RETRY seconds). On SQLite (one machine) every
scheduler leads. The jobs themselves are safe to run twice anyway (the sweepers claim their
rows with SKIP LOCKED).
"""
from __future__ import annotations

import logging

from celery.beat import PersistentScheduler
from django.conf import settings

log = logging.getLogger(__name__)

LOCK_KEY = 0x45474F56  # "EGOV": the key of the beat leader's advisory lock


class LeaderScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self._conn = None
        self._leading = False
        super().__init__(*args, **kwargs)

    def _connect(self):
        import psycopg2

        db = settings.DATABASES["default"]
        self._conn = psycopg2.connect(dbname=db["NAME"], user=db.get("USER") or None,
                                      password=db.get("PASSWORD") or None, host=db.get("HOST") or None,
                                      port=db.get("PORT") or None, connect_timeout=3,
                                      keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=2)
        self._conn.autocommit = True

    def is_leader(self) -> bool:
        if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
            return True
        try:
            if self._conn is None or self._conn.closed:
                self._leading = False
                self._connect()
            with self._conn.cursor() as cur:
                if self._leading:
                    cur.execute("SELECT 1")  # still connected: the lock is still ours
                else:
                    cur.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
                    self._leading = bool(cur.fetchone()[0])
                    if self._leading:
                        log.info("beat: this scheduler leads")
        except Exception:  # noqa: BLE001 - database away: nobody can be sure to lead
            log.warning("beat: leader lock unavailable", exc_info=True)
            if self._conn is not None:
                try:
                    self._conn.close()
                except Exception:  # noqa: BLE001
                    pass
            self._conn, self._leading = None, False
        return self._leading

    def _ensure_connected(self):
        # As the worker's consumer (egov.celery.ReconnectingConsumer): every second, not kombu's 2…30 s back-off.
        from egov.celery import reconnect_intervals

        def _error_handler(exc, interval):
            log.error("beat: connection error: %s; trying again in %s s", exc, interval)

        return self.connection.ensure_connection(_error_handler, self.app.conf.broker_connection_max_retries,
                                                 **reconnect_intervals())

    def tick(self, *args, **kwargs):
        if not self.is_leader():
            return settings.BEAT_LEADER_RETRY
        return super().tick(*args, **kwargs)

    def close(self):
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001
                pass
        super().close()
