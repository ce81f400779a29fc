"""
python manage.py bench_edxml [--size-mb 50] [--round-trips 50] [--json]
python manage.py bench_edxml --elements 100000   (only the element-bound benchmark, one JSON line)

1. edXML parse benchmark (documents/edxml/bench.py): package_mb, build/parse MB/s, peak memory
   (RSS delta in a fresh process) for a package of --size-mb.
2. Round trips between two live portal instances started for the run (own databases, gunicorn
   on loopback): A POSTs --round-trips signed document packages to B's receive endpoint one after
   another; each is parsed, checked, stored as an incoming document and answered "accepted".
   round_trips_per_second = accepted answers / elapsed seconds, measured inside instance A.
"""
from __future__ import annotations

import json
import os

from django.conf import settings
from django.core.management.base import BaseCommand

from egov.devtools.edxml_bench import bench_elements, bench_parse
from egov.devtools.portals import PortalInstance, pair_setup_code
from egov.devtools.workers import database_url_of_current_connection

A_UNIT, B_UNIT = "000.00.02.H99", "000.00.05.H42"

ROUND_TRIPS = """
import json, datetime, time
from django.contrib.auth import get_user_model
from units.models import Unit
from documents.edxml import write_document_package, make_document_id
from documents.federation.mapping import document_to_package
from documents.federation.outbound import _post
from documents.federation.models import Peer
from documents.services import document_create, attachment_add, document_issue
import hashlib, io
clerk = get_user_model().objects.get(username="clerk-{a}")
doc = document_create(owner_unit=Unit.objects.get(code="{a}"), acting_user=clerk, subject="Đo hiệu năng",
                      signer_name="Nguyễn Văn A", doc_type="QĐ")
attachment_add(document=doc, acting_user=clerk, upload=b"%PDF-1.4\\n" + b"0" * 50000 + b"\\n%%EOF\\n", name="a.pdf")
doc = document_issue(document=doc, acting_user=clerk)  # today: another date needs a permission
peer = Peer.objects.get(code="portal-b")
bodies = []
for i in range({n}):
    with document_to_package(doc, recipients=[Unit.objects.get(code="{b}")]) as pkg:
        pkg.header.code.code_number = str(1000 + i)
        pkg.header.document_id = make_document_id("{a}", doc.issued_on, str(1000 + i), doc.notation)
        out = io.BytesIO(); write_document_package(pkg, out); bodies.append(out.getvalue())
started = time.perf_counter()
ok = 0
for i, body in enumerate(bodies):
    answer = _post(peer, body, size=len(body), sha256=hashlib.sha256(body).hexdigest(), consignment=f"bench-{{i}}")
    ok += answer["result"] == "accepted"
elapsed = time.perf_counter() - started
print(json.dumps({{"round_trips": ok, "seconds": elapsed, "package_kb": len(bodies[0]) / 1024}}))
"""


class Command(BaseCommand):
    help = "Benchmark edXML parsing and round trips between two live portal instances; prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("--size-mb", type=float, default=50)
        parser.add_argument("--round-trips", type=int, default=50)
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--elements", type=int, default=0,
                            help="only measure the refusal of a package of this many elements (streaming bound)")

    def handle(self, *args, size_mb, round_trips, json=False, elements=0, **options):
        if elements:
            self.stdout.write(_dump(bench_elements(elements)))
            return
        result = bench_parse(size_mb)
        result.update(self._round_trips(round_trips))
        self.stdout.write(_dump(result))

    def _round_trips(self, n: int) -> dict:
        root = settings.VAR_DIR / f"bench-fed-{os.getpid()}"
        base = database_url_of_current_connection()
        a = PortalInstance("a", root=root, base_db_url=base, broker_url=settings.CELERY_BROKER_URL,
                           peer_code="portal-a")
        b = PortalInstance("b", root=root, base_db_url=base, broker_url=settings.CELERY_BROKER_URL,
                           peer_code="portal-b")
        try:
            for inst in (a, b):
                inst.create()
            for p in [a.migrate_async(), b.migrate_async()]:
                out, _err = p.communicate(timeout=300)
                if p.returncode:
                    raise RuntimeError(out)
            a.python(pair_setup_code.format(local_code=A_UNIT, local_name="Sở A", short="SNV", remote_code=B_UNIT,
                                            remote_name="Sở B", peer_code="portal-b", peer_url=b.base_url,
                                            inbound="s-ba", outbound="s-ab", remote_code_at_peer="portal-a"))
            b.python(pair_setup_code.format(local_code=B_UNIT, local_name="Sở B", short="STC", remote_code=A_UNIT,
                                            remote_name="Sở A", peer_code="portal-a", peer_url=a.base_url,
                                            inbound="s-ab", outbound="s-ba", remote_code_at_peer="portal-b"))
            b.start_web()
            measured = a.python(ROUND_TRIPS.format(a=A_UNIT, b=B_UNIT, n=n), timeout=600)
        finally:
            a.destroy()
            b.destroy()
        return {"round_trips": measured["round_trips"],
                "round_trips_per_second": round(measured["round_trips"] / measured["seconds"], 1),
                "round_trip_package_kb": round(measured["package_kb"], 1),
                "round_trip_database": "postgresql" if not base.startswith("sqlite") else "sqlite"}


def _dump(data: dict) -> str:
    return json.dumps(data)
