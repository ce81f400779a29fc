"""
Finding 5: the audit is tamper-evident (hash chain, sequence numbers, signed checkpoints,
``audit_verify``), and the runtime database role cannot rewrite it.
"""
import os
import threading

import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from egov.core.audit import AuditVerb, audit_record
from egov.core.audit_chain import audit_chain_verify, checkpoint_write
from egov.core.db import service_atomic
from egov.core.models import AuditEvent

postgres_only = pytest.mark.skipif("os.environ.get('DATABASE_URL', '').startswith('sqlite') or "
                                   "not os.environ.get('DATABASE_URL')", reason="PostgreSQL roles and triggers")


def write(n, verb=AuditVerb.WEBHOOK_CREATED):
    for i in range(n):
        with service_atomic():
            audit_record(actor=None, unit=None, verb=verb, obj=None, details={"i": i, "text": "Sở Nội vụ"})


def owner_sql(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE documents_auditevent DISABLE TRIGGER documents_auditevent_no_update_delete")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE documents_auditevent ENABLE TRIGGER documents_auditevent_no_update_delete")


@pytest.mark.django_db
def test_rows_are_chained_and_verify(capsys):
    write(5)
    rows = list(AuditEvent.objects.order_by("shard", "shard_seq"))
    assert all(len(r.row_hash) == 64 for r in rows)
    assert rows[1].prev_hash == rows[0].row_hash
    assert audit_chain_verify().ok
    call_command("audit_verify")
    assert "audit chain intact" in capsys.readouterr().out


@postgres_only
@pytest.mark.django_db
def test_a_changed_row_is_found():
    write(5)
    victim = AuditEvent.objects.order_by("shard_seq")[2]
    owner_sql("UPDATE documents_auditevent SET details = '{\"i\": 99}' WHERE id = %s", [victim.pk])
    report = audit_chain_verify()
    assert not report.ok
    assert report.problems[0].event_id == victim.pk and report.problems[0].problem == "row content changed"
    with pytest.raises(CommandError):
        call_command("audit_verify", "--json")


@postgres_only
@pytest.mark.django_db
def test_a_deleted_row_is_found_even_when_the_rest_is_rehashed():
    write(5)
    victim = AuditEvent.objects.order_by("shard_seq")[1]
    owner_sql("DELETE FROM documents_auditevent WHERE id = %s", [victim.pk])
    problem = audit_chain_verify().problems[0]
    assert problem.shard_seq == victim.shard_seq and problem.problem.startswith("missing row")


@postgres_only
@pytest.mark.django_db
def test_a_truncated_tail_is_found_by_the_signed_checkpoint():
    write(4)
    assert len(checkpoint_write()) == 1
    head = AuditEvent.objects.order_by("-shard_seq").first()
    owner_sql("DELETE FROM documents_auditevent WHERE id = %s", [head.pk])
    problems = audit_chain_verify().problems
    assert problems and "checkpoint" in problems[0].problem


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_the_chain_whole():
    errors = []

    def worker():
        from django.db import connections

        try:
            write(15)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = audit_chain_verify()
    assert report.ok, report.as_dict()
    assert report.rows == 120


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_runtime_role_cannot_rewrite_the_audit():
    role = f"egov_rt_test_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
        cursor.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        call_command("db_grant_runtime", "--role", role)
        write(2)
        settings_dict = connection.settings_dict
        rt = psycopg2.connect(dbname=settings_dict["NAME"], host=settings_dict["HOST"] or "127.0.0.1",
                              port=settings_dict["PORT"] or 5432, user=role)
        rt.autocommit = True
        cur = rt.cursor()
        cur.execute("SELECT count(*) FROM documents_auditevent")
        assert cur.fetchone()[0] == 2
        cur.execute("SELECT count(*) FROM units_unit")  # the application's own tables work
        for statement in ("UPDATE documents_auditevent SET verb = 'x'",
                          "DELETE FROM documents_auditevent",
                          "TRUNCATE documents_auditevent",
                          "ALTER TABLE documents_auditevent DISABLE TRIGGER documents_auditevent_no_update_delete",
                          "DROP TRIGGER documents_auditevent_no_update_delete ON documents_auditevent",
                          "UPDATE egov_auditcheckpoint SET signature = 'x'",
                          "DELETE FROM egov_auditcheckpoint"):
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(statement)
        rt.close()
        # The portal itself runs under the role: a service writes its chained audit row.
        from tests.conftest import run_manage

        url = (f"postgres://{role}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/"
               f"{settings_dict['NAME']}")
        done = run_manage("shell", "-c", "from egov.core.audit import AuditVerb, audit_record\n"
                          "from egov.core.db import service_atomic\n"
                          "with service_atomic():\n"
                          "    audit_record(actor=None, unit=None, verb=AuditVerb.WEBHOOK_CREATED, obj=None)",
                          env={"DATABASE_URL": url})
        assert done.returncode == 0, done.stderr
        assert AuditEvent.objects.count() == 3 and audit_chain_verify().ok
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
