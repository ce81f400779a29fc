"""
``bench_axis``: figures of the axis / LGSP support, measured against live instances started for
the run (a hub B with gunicorn on loopback, an agency portal A on its own database).

- ``hub_packages_per_second``: full cycles against B's /vxp/ — system X ``sendEdoc`` (a 1 MB
  document) → system Y ``getReceivedEdocList`` → ``getEdoc`` → ``updateStatus done`` — one after
  another, per second of wall time.
- ``poll_cycle_ms``: one empty poll of A's axis peer (``axis_poll``: both lists, bookkeeping), median.
- ``directory_sync_seconds`` / ``directory_sync_peak_mb``: A syncs B's directory of --agencies
  agencies (getAgenciesList streamed); peak = VmHWM of the syncing process (Django included),
  ``directory_sync_rss_growth_mb`` = VmHWM − VmRSS before the sync; then ``VACUUM ANALYZE`` of the
  unit table (``directory_vacuum_seconds``, what autovacuum would do next), outside the sync's time.
- ``compose_page_ms`` / ``compose_page_bytes`` / ``unit_search_ms`` (medians of 15 and 30 requests) with the
  directory loaded, and
  the same before the sync (``*_before``) with their ratios, measured in the same run.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time

from django.conf import settings

from egov.devtools.portals import PortalInstance

__all__ = ["bench_axis"]

A_UNIT, C_AGENCY, D_AGENCY = "000.00.02.H99", "000.00.00.G22", "000.00.00.G09"

SETUP_A = """
import json, datetime
from django.contrib.auth import get_user_model
from units.services import unit_create
from units.models import Membership
from documents.federation.models import Peer
from documents.services import document_create, attachment_add, document_issue
ubnd = unit_create(code="000.00.00.H99", name="UBND tỉnh A", short_name="UBND", kind="province_committee")
local = unit_create(code={a!r}, name="Sở Nội vụ tỉnh A", short_name="SNV", kind="department", parent=ubnd)
for i in range(1, 21):
    unit_create(code=f"000.00.{{30 + i:02d}}.H99", name=f"Ủy ban nhân dân huyện {{i}}", short_name=f"H{{i}}",
                kind="district_committee", parent=ubnd)
u = get_user_model().objects.create_user(username="clerk-a", password="pw-test-12345")
Membership.objects.create(user=u, unit=local, role="clerk")
Peer.objects.create(code="lgsp", name="LGSP", protocol="axis", base_url={url!r}, system_id="sys-a",
                    system_secret={secret!r}, axis_from={a!r})
doc = document_create(owner_unit=local, acting_user=u, subject="Đo trang soạn", doc_type="CV", notation_suffix="SNV",
                      signer_name="A", signer_position="B")
attachment_add(document=doc, acting_user=u, upload=b"%PDF-1.4\\n0\\n%%EOF\\n", name="a.pdf")
doc = document_issue(document=doc, acting_user=u)  # today: another date needs a permission
print(json.dumps({{"document": doc.pk}}))
"""

MEASURE_PAGES = """
import json, statistics, time
from django.contrib.auth import get_user_model
from django.test import Client
c = Client(HTTP_HOST="localhost")
c.force_login(get_user_model().objects.get(username="clerk-a"))
def timed(url, n):
    times, size = [], 0
    for _ in range(n):
        t = time.perf_counter(); r = c.get(url); times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (url, r.status_code)
        size = len(r.content)
    return statistics.median(times), size
c.get("/outgoing/{doc}/")
page_ms, page_bytes = timed("/outgoing/{doc}/", 15)
search_ms, _s = timed("/units/search?term=co+quan+g17", 30)
print(json.dumps({{"page_ms": round(page_ms, 1), "page_bytes": page_bytes, "search_ms": round(search_ms, 2)}}))
"""

EMPTY_POLL = """
import json, statistics, time
from documents.federation.axis.poller import axis_poll
from documents.federation.models import Peer
peer = Peer.objects.get(code="lgsp")
axis_poll(peer_id=peer.pk)
times = []
for _ in range({n}):
    t = time.perf_counter(); out = axis_poll(peer_id=peer.pk); times.append((time.perf_counter() - t) * 1000)
    assert out["ok"] and out["listed"] == 0, out
print(json.dumps({{"poll_cycle_ms": round(statistics.median(times), 1)}}))
"""

SYNC = """
import json, time
def kib(field):
    with open("/proc/self/status") as s:
        for line in s:
            if line.startswith(field + ":"):
                return int(line.split()[1])
from documents.federation.axis.directory import axis_directory_sync
from documents.federation.models import Peer
before = kib("VmRSS")
t = time.perf_counter()
counts = axis_directory_sync(peer=Peer.objects.get(code="lgsp"))
seconds = time.perf_counter() - t
peak, growth = round(kib("VmHWM") / 1024, 1), round((kib("VmHWM") - before) / 1024, 1)
# What autovacuum does within a minute of the sync, done now so that the pages are measured in that
# steady state rather than beside a vacuum of 111,000 new rows (not counted in the sync's time).
from django.db import connection
t = time.perf_counter()
if connection.vendor == "postgresql":
    connection.cursor().execute("VACUUM ANALYZE units_unit")
print(json.dumps({{"seconds": round(seconds, 1), "peak_mb": peak, "growth_mb": growth, "created": counts["created"],
                  "vacuum_seconds": round(time.perf_counter() - t, 1)}}))
"""


def _package(number: int, to_code: str, size: int) -> bytes:
    """A document package from C_AGENCY with one PDF of ``size`` random bytes (nothing compresses)."""
    from datetime import date, datetime

    from documents.edxml import (
        VN_TZ, Attachment, Code, DocumentPackage, DocumentType, MessageHeader, Organization, PromulgationInfo,
        SignerInfo, TraceHeader, TraceHeaderList, build_document_package)

    pdf = b"%PDF-1.4\n" + os.urandom(size) + b"\n%%EOF\n"
    att = Attachment(content_id="cid:1", attachment_name="van-ban.pdf", content_type="application/pdf", data=pdf)
    pkg = DocumentPackage(
        header=MessageHeader(
            from_=Organization(organ_id=C_AGENCY, organ_name="Văn phòng Chính phủ"),
            to=[Organization(organ_id=to_code, organ_name="Bộ")],
            document_id=f"{C_AGENCY},2025/07/15,{number}/VPCP", code=Code(code_number=str(number), code_notation="VPCP"),
            promulgation_info=PromulgationInfo(place="Hà Nội", promulgation_date=date(2025, 7, 15)),
            document_type=DocumentType(type="1", type_detail="0", type_name="Công văn"), subject="Đo hiệu năng",
            signer_info=SignerInfo(competence="KT", position="Phó Chủ nhiệm", full_name="Nguyễn Văn A")),
        trace_header_list=TraceHeaderList(trace_headers=[TraceHeader(
            organ_id=C_AGENCY, timestamp=datetime(2025, 7, 15, 9, 0, tzinfo=VN_TZ))]),
        references=[att.reference()], attachments=[att])
    return build_document_package(pkg)


def bench_axis(*, agencies: int = 111_000, cycles: int = 20, size_mb: float = 1.0) -> dict:
    from egov.devtools.workers import database_url_of_current_connection

    from documents.federation.axis.client import AxisClient, AxisTransient

    root = settings.VAR_DIR / f"bench-axis-{os.getpid()}"
    base = database_url_of_current_connection()
    a = PortalInstance("benchax", root=root, base_db_url=base, broker_url=settings.CELERY_BROKER_URL, peer_code="a")
    b = PortalInstance("benchhub", root=root, base_db_url=base, broker_url=settings.CELERY_BROKER_URL,
                       peer_code="b", extra_env={"HUB_RATE_PER_MINUTE": "1000000"})
    out: dict = {"agencies": agencies, "cycles": cycles, "package_mb": size_mb}
    try:
        for inst in (a, b):
            inst.create()
        procs = [a.migrate_async(), b.migrate_async()]
        for p in procs:
            text, _e = p.communicate(timeout=300)
            if p.returncode != 0:
                raise RuntimeError(text)
        secrets = {}
        for sid, agency in (("sys-a", A_UNIT), ("sys-x", C_AGENCY), ("sys-y", D_AGENCY)):
            secrets[sid] = json.loads(b.manage("hub_system_create", "--name", sid, "--agency", agency, "--system-id",
                                               sid, "--json").stdout)["secret"]
        b.start_web()
        endpoint = b.base_url + "/vxp"
        doc = a.python(SETUP_A.format(a=A_UNIT, url=endpoint, secret=secrets["sys-a"]))["document"]

        # 1. hub cycles with 1 MB documents
        x = AxisClient(endpoint=endpoint, system_id="sys-x", secret=secrets["sys-x"], from_code=C_AGENCY)
        y = AxisClient(endpoint=endpoint, system_id="sys-y", secret=secrets["sys-y"], from_code=D_AGENCY)
        packages = [_package(1000 + i, D_AGENCY, int(size_mb * 2**20)) for i in range(cycles)]
        retries = 0

        def retried(call, *args, **kwargs):
            nonlocal retries
            for attempt in range(4):
                try:
                    return call(*args, **kwargs)
                except AxisTransient:
                    if attempt == 3:
                        raise
                    retries += 1
                    time.sleep(0.2)

        started = time.perf_counter()
        for data in packages:
            retried(x.send_edoc, data, message_type="edoc", from_code=C_AGENCY)
            for item in retried(y.received_list, message_type="edoc"):
                got = retried(y.get_edoc, item["docId"])
                assert len(got) == len(data)
                retried(y.update_status, item["docId"], "done")
        elapsed = time.perf_counter() - started
        out["hub_transient_retries"] = retries
        out["hub_packages_per_second"] = round(cycles / elapsed, 2)
        out["hub_mb_per_second"] = round(cycles * len(packages[0]) / 2**20 / elapsed, 2)

        print(json.dumps(out), file=sys.stderr)
        # 2. an empty poll
        out.update(a.python(EMPTY_POLL.format(n=10)))

        # 3. the compose page and unit search before, then the directory sync, then after
        before = a.python(MEASURE_PAGES.format(doc=doc))
        b.python(_B_AGENCIES.format(count=agencies), timeout=900)
        sync = a.python(SYNC.format(), timeout=1800)
        after = a.python(MEASURE_PAGES.format(doc=doc))
        out.update({
            "directory_sync_seconds": sync["seconds"], "directory_sync_peak_mb": sync["peak_mb"],
            "directory_sync_rss_growth_mb": sync["growth_mb"], "directory_units_created": sync["created"],
            "directory_vacuum_seconds": sync["vacuum_seconds"],
            "compose_page_ms": after["page_ms"], "compose_page_bytes": after["page_bytes"],
            "unit_search_ms": after["search_ms"],
            "compose_page_ms_before": before["page_ms"], "compose_page_bytes_before": before["page_bytes"],
            "unit_search_ms_before": before["search_ms"],
            "compose_page_ms_ratio": round(after["page_ms"] / before["page_ms"], 2) if before["page_ms"] else None,
            "compose_page_bytes_ratio": round(after["page_bytes"] / before["page_bytes"], 3),
            "unit_search_ms_ratio": round(after["search_ms"] / before["search_ms"], 2) if before["search_ms"] else None,
        })
    finally:
        a.destroy()
        b.destroy()
    return out


_B_AGENCIES = """
import json
from units.models import Unit
from egov.core.text import search_key
rows, n = [], 0
for x in "GKLMNPQ":
    for d in range(100):
        for c in range(100):
            for b in range(20):
                if n >= {count}:
                    break
                code = f"000.{{b:02d}}.{{c:02d}}.{{x}}{{d:02d}}"
                if code in ("000.00.00.G22", "000.00.00.G09"):
                    continue
                name = f"Cơ quan {{x}}{{d:02d}} cấp {{c}}-{{b}}"
                rows.append(Unit(code=code, name=name, short_name="CQ", kind="other", is_local=False,
                                 peer_ref="national", search_text=search_key(name, "CQ", code), address="Hà Nội"))
                n += 1
                if len(rows) >= 5000:
                    Unit.objects.bulk_create(rows)
                    rows = []
if rows:
    Unit.objects.bulk_create(rows)
print(json.dumps({{"agencies": n}}))
"""
