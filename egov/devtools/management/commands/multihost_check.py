"""
python manage.py multihost_check [--json]

Several machines on one box (h17): four network namespaces — two web hosts (gunicorn) and two
worker hosts (Celery; beat on the second) — share PostgreSQL, Redis and an S3 server (moto)
that listen on the bridge of a virtual network (egov/devtools/netns.py). All servers are
private to the run. A province-wide send is made on web host 1; worker host 1 is killed while
it holds a batch; a recipient clerk accepts on web host 2; the file is downloaded through the
API of both web hosts. Prints one JSON object; exit 1 unless every dispatch was delivered once,
the acceptance reached the sender and both hosts served the same bytes.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from egov.devtools.netns import GATEWAY, VirtualNetwork, unavailable_reason
from egov.devtools.servers import PrivatePostgres, PrivateRedis, port_open
from egov.devtools.workers import wait_until

PG_PORT, REDIS_PORT, S3_PORT, WEB_PORT = 8178, 8177, 8176, 8170
DB = "egov_h17_multihost"

SEED = """
import json
from egov.devtools.exchange import ensure_province, ensure_clerk, issue_document
from units.api_clients import api_client_create
from units.models import Unit
u = ensure_province(); clerk = ensure_clerk(u, "mh.vanthu")
doc = issue_document(u, clerk, "Kiểm thử nhiều máy chủ")
rec = Unit.objects.filter(kind="department", is_local=True).exclude(pk=u.pk).order_by("code").first()
ensure_clerk(rec, "mh.nhan")
_c, token = api_client_create(name="mh", unit=rec, scopes=["documents:read"])
print(json.dumps({"doc": doc.pk, "recipient": rec.pk, "token": token,
                  "attachment": doc.attachments.get(kind="main").pk}))
"""
SEND = """
from django.contrib.auth import get_user_model
from documents.models import Document
from documents.services import document_send
from egov.devtools.exchange import SEND_DAY
d = document_send(document=Document.objects.get(pk={doc}), acting_user=get_user_model().objects.get(username="mh.vanthu"),
                  groups=["province"], on=SEND_DAY)
print(len(d))
"""
ACCEPT = """
from django.contrib.auth import get_user_model
from documents.models import Dispatch, IncomingRecord
from documents.services import incoming_accept
rec = IncomingRecord.objects.get(document_id={doc}, unit_id={recipient})
incoming_accept(incoming=rec, acting_user=get_user_model().objects.get(username="mh.nhan"))
print(Dispatch.objects.get(pk=rec.dispatch_id).status_code)
"""


class Command(BaseCommand):
    help = "Two web hosts and two worker hosts in network namespaces: send, kill a worker host, accept, download."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json")
        parser.add_argument("--timeout", type=float, default=120)

    def handle(self, *args, as_json, timeout, **options):
        reason = unavailable_reason()
        if reason:
            raise CommandError(f"cannot run: {reason}")
        for port in (PG_PORT, REDIS_PORT, S3_PORT):
            if port_open(port):
                raise CommandError(f"port {port} is busy (another multihost_check?)")
        self.var = Path(tempfile.mkdtemp(prefix="egov-multihost-"))
        self.procs: list[subprocess.Popen] = []
        net = VirtualNetwork(["web1", "web2", "wk1", "wk2"])
        pg = PrivatePostgres(PG_PORT, listen=f"127.0.0.1,{GATEWAY}")
        redis = None
        try:
            net.up()
            pg.init()
            pg.start()
            pg.create_database(DB)
            redis = PrivateRedis(REDIS_PORT, bind=f"127.0.0.1 {GATEWAY}")
            redis.start()
            moto = Path(sys.executable).with_name("moto_server")
            self._spawn("s3", [str(moto), "-H", GATEWAY, "-p", str(S3_PORT)])
            if not wait_until(lambda: port_open(S3_PORT) or _open(GATEWAY, S3_PORT), timeout=30, interval=0.1):
                raise CommandError("S3 server did not start")
            import boto3

            boto3.client("s3", endpoint_url=f"http://{GATEWAY}:{S3_PORT}", aws_access_key_id="test",
                         aws_secret_access_key="test", region_name="us-east-1").create_bucket(Bucket="egov")
            self._run(None, ["manage.py", "migrate", "-v0"])
            seed = json.loads(self._run(None, ["manage.py", "shell", "-c", SEED]).strip().splitlines()[-1])
            result = self._scenario(net, seed, timeout)
        finally:
            for proc in reversed(self.procs):
                if proc.poll() is None:
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    proc.wait(10)
            if redis is not None:
                redis.destroy()
            pg.destroy()
            net.down()
        out = json.dumps(result, ensure_ascii=False)
        self.stdout.write(out if as_json else f"multihost: {out}")
        if result["ok"]:
            shutil.rmtree(self.var, ignore_errors=True)
        if not result["ok"]:
            raise CommandError(f"multi-host check failed; logs in {self.var}")

    # --- processes ----------------------------------------------------------------------------

    def _env(self, **extra) -> dict:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "egov.settings.test",
               "DATABASE_URL": f"postgres://postgres@{GATEWAY}:{PG_PORT}/{DB}",
               "CELERY_BROKER_URL": f"redis://{GATEWAY}:{REDIS_PORT}/0",
               "CELERY_DEFAULT_QUEUE": "mh", "CELERY_QUEUE_PREFIX": "mh.",
               "S3_BUCKET": "egov", "S3_ENDPOINT_URL": f"http://{GATEWAY}:{S3_PORT}", "S3_ACCESS_KEY_ID": "test",
               "S3_SECRET_ACCESS_KEY": "test", "EGOV_VAR_DIR": str(self.var), "ALLOWED_HOSTS": "*",
               "DJANGO_SECRET_KEY": "multihost-test-secret-key-" + "x" * 30, "LOG_FORMAT": "json"}
        for key in [k for k in env if k.startswith(("DELIVERY_", "WORKER_"))]:
            del env[key]
        env.update(extra)
        return env

    def _spawn(self, name, cmd, prefix=None, **extra) -> subprocess.Popen:
        log = open(self.var / f"{name}.log", "ab")
        proc = subprocess.Popen([*(prefix or []), *cmd], cwd=settings.BASE_DIR, env=self._env(**extra), stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def _run(self, prefix, cmd, **extra) -> str:
        proc = subprocess.run([*(prefix or []), sys.executable, *cmd], cwd=settings.BASE_DIR, env=self._env(**extra),
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise CommandError(f"{cmd[:3]} failed: {proc.stderr[-3000:]}")
        return proc.stdout

    def _sql(self, query: str, params=()):
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=PG_PORT, user="postgres", dbname=DB)
        try:
            with conn.cursor() as cur:
                cur.execute(query, params)
                return cur.fetchall()
        finally:
            conn.close()

    # --- the scenario -------------------------------------------------------------------------

    def _scenario(self, net: VirtualNetwork, seed: dict, timeout: float) -> dict:
        py = sys.executable
        for host in ("web1", "web2"):
            self._spawn(host, [py, "-m", "gunicorn", "egov.wsgi", "-b", f"{net.hosts[host]}:{WEB_PORT}", "-w", "2"],
                        prefix=net.prefix(host))
        workers = {}
        for host in ("wk1", "wk2"):
            workers[host] = self._spawn(host, [py, "-m", "celery", "-A", "egov", "worker", "-l", "info", "-c", "1",
                                               "-n", f"{host}@egov", "--without-gossip", "--without-mingle"],
                                        prefix=net.prefix(host))
        self._spawn("beat", [py, "-m", "celery", "-A", "egov", "beat", "-l", "info", "-s",
                             str(self.var / "beat-schedule")], prefix=net.prefix("wk2"))
        ready = wait_until(lambda: len(self._sql("SELECT hostname FROM egov_workerheartbeat")) >= 2
                           if _table_ok(self) else False, timeout=60, interval=0.2)
        if not ready:
            raise CommandError(f"worker hosts did not come up; logs in {self.var}")
        for host in ("web1", "web2"):
            if not wait_until(lambda h=host: _open(net.hosts[h], WEB_PORT), timeout=60, interval=0.2):
                raise CommandError(f"{host} did not start; logs in {self.var}")
        doc = seed["doc"]
        # The send on web host 1, cut into small batches so that worker host 1 dies holding one.
        sent = int(self._run(net.prefix("web1"), ["manage.py", "shell", "-c", SEND.format(doc=doc)],
                             DELIVERY_BATCH_SIZE="20").strip().splitlines()[-1])
        held = wait_until(lambda: bool(self._sql(
            "SELECT 1 FROM documents_dispatch WHERE document_id=%s AND claimed_by='wk1@egov' AND state<>'delivered'",
            [doc])), timeout=60, interval=0.005)
        os.killpg(workers["wk1"].pid, signal.SIGKILL)
        killed_at = time.monotonic()
        delivered_at_kill = self._sql("SELECT count(*) FROM documents_dispatch WHERE document_id=%s AND "
                                      "state='delivered'", [doc])[0][0]

        def counts():
            return self._sql(
                "SELECT (SELECT count(*) FROM documents_dispatch WHERE document_id=%s), "
                "(SELECT count(*) FROM documents_dispatch WHERE document_id=%s AND state='delivered' AND status_code<>''), "
                "(SELECT count(*) FROM documents_incomingrecord WHERE document_id=%s), "
                "(SELECT count(*) FROM (SELECT e.dispatch_id FROM documents_dispatchevent e JOIN documents_dispatch d "
                " ON d.id=e.dispatch_id WHERE d.document_id=%s AND e.kind='business' AND e.code='01' "
                " GROUP BY e.dispatch_id HAVING count(*) > 1) t)", [doc] * 4)[0]

        wait_until(lambda: (lambda c: c[0] == c[1] == c[2])(counts()), timeout=timeout, interval=0.1)
        recover = round(time.monotonic() - killed_at, 2)
        total, delivered, records, duplicates = counts()
        status = self._run(net.prefix("web2"), ["manage.py", "shell", "-c",
                                                ACCEPT.format(doc=doc, recipient=seed["recipient"])]).strip()
        import requests

        from egov.devtools.exchange import PDF

        served = {}
        for host in ("web1", "web2"):
            r = requests.get(f"http://{net.hosts[host]}:{WEB_PORT}/api/v1/attachments/{seed['attachment']}/content/",
                             headers={"Authorization": f"Bearer {seed['token']}"}, timeout=30)
            served[host] = r.status_code == 200 and r.content == PDF
        exactly_once = total == delivered == records == sent and duplicates == 0
        return {"hosts": net.hosts, "dispatches": total, "delivered": delivered, "incoming_records": records,
                "duplicate_arrivals": duplicates, "exactly_once": exactly_once,
                "worker_host_killed_holding_a_batch": held, "delivered_when_killed": delivered_at_kill,
                "recover_seconds": recover, "accepted_on_web2_status_at_sender": status.splitlines()[-1],
                "file_served_by": served,
                "ok": exactly_once and held and status.splitlines()[-1] == "03" and all(served.values())}


def _open(host: str, port: int) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=0.3):
            return True
    except OSError:
        return False


def _table_ok(cmd) -> bool:
    try:
        cmd._sql("SELECT 1 FROM egov_workerheartbeat LIMIT 1")
        return True
    except Exception:  # noqa: BLE001
        return False
