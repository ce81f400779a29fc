"""
Live: A (agency mode) ↔ B (hub mode, the provincial LGSP) ↔ C (an "agency system" that speaks only
the hub protocol: the small client below, written from ../shared/reference/vxp-protocol.md and
independent of the portal's axis code).

C sends to a unit of A through B; A's beat-driven poller imports it and acknowledges it; A's clerk
accepts, the leader assigns, the handler finishes; C sees 01/03/04/06 by polling. A sends to C's
agency; C pulls it and acknowledges; A's reconciliation sees "done". B is killed in the middle of
A's send and of A's polls: every package delivered once and acknowledged once. Finally B serves a
directory of AXIS_LIVE_AGENCIES agencies (111,000 by default) and A syncs it; the province groups of
A still mean A's local units.
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import os
import time

import pytest
import requests
from django.conf import settings
from lxml import etree

from egov.devtools.portals import PortalInstance

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

A_UNIT, B_UNIT, C_AGENCY = "000.00.02.H99", "000.00.00.H42", "000.00.00.G22"
AGENCIES = int(os.environ.get("AXIS_LIVE_AGENCIES", "111000"))


# --- C: an agency system written from the reference -------------------------------------------------

class AgencySystemC:
    """The hub protocol as the SDK speaks it: XroadVnpt-* headers, HMAC over the signed-header JSON."""

    def __init__(self, endpoint: str, system_id: str, secret: str, agency: str):
        self.endpoint, self.system_id, self.secret, self.agency = endpoint, system_id, secret, agency

    def _headers(self, params: dict) -> dict:
        now = datetime.datetime.now()
        stamp = now.strftime("%d%m%YT%H%M%S") + "+%04d" % (now.microsecond // 1000)
        signed = {"systemid": self.system_id, "timestamp": stamp, **params}
        text = json.dumps(signed)
        headers = {f"XroadVnpt-{k}": v for k, v in signed.items()}
        headers.update({"XroadVnpt-version": "3.0.201608", "User-Agent": "JAVASDKAgent/1.0.0 XRoad/VPCP",
                        "XroadVnpt-sign-header-key": ",".join(signed), "XroadVnpt-sign-header": text,
                        "XroadVnpt-hash-header": hmac.new(self.secret.encode(), text.encode(),
                                                          hashlib.sha256).hexdigest()})
        return headers

    def call(self, operation: str, params: dict, body: bytes = b"{}") -> dict:
        headers = self._headers(params)
        headers["Content-Type"] = "application/octet-stream" if operation == "sendEdoc" else "application/json"
        if operation == "sendEdoc":
            headers["XroadVnpt-hash-file"] = format(int(hashlib.sha256(body).hexdigest(), 16), "x")  # BigInteger
            body = body + b"\r\n"
        response = requests.post(f"{self.endpoint}/{operation}", data=body, headers=headers, timeout=30)
        assert response.headers["Content-Type"].startswith("application/json"), response.text[:200]
        return response.json()

    def send(self, package: bytes, message_type: str = "edoc") -> str:
        answer = self.call("sendEdoc", {"from": self.agency, "servicetype": "eDoc", "messagetype": message_type},
                           package)
        assert answer["ErrorCode"] == "0", answer
        return answer["DocId"]

    def pull(self, message_type: str) -> list[tuple[dict, bytes]]:
        """List, fetch and acknowledge every pending item of one type."""
        answer = self.call("getReceivedEdocList", {"from": self.agency, "servicetype": "eDoc",
                                                   "messagetype": message_type})
        assert answer["ErrorCode"] == "0", answer
        got = []
        for item in answer["data"]:
            edoc = self.call("getEdoc", {"docId": item["docId"], "from": self.agency})
            assert edoc["ErrorCode"] == "0", edoc
            got.append((item, base64.b64decode(edoc["data"])))
            done = self.call("updateStatus", {"docId": item["docId"], "status": "done", "from": self.agency})
            assert done["ErrorCode"] == "0", done
        return got


def local_text(xml: bytes, name: str) -> str:
    """The first element of that local name (C's parser: lenient, by local name, as in the field)."""
    root = etree.fromstring(xml, parser=etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True))
    found = root.xpath(f"//*[local-name()='{name}']")
    return found[0].text if found else ""


def package_from_c(number: int, to_code: str) -> bytes:
    """A document package as C's software builds it (the edXML codec; nothing of the axis code)."""
    import dataclasses

    from documents.edxml import BussinessDocType, Organization, build_document_package
    from tests.edxml.samples import document

    pkg = document(BussinessDocType.NEW)
    pkg.header = dataclasses.replace(
        pkg.header, from_=Organization(organ_id=C_AGENCY, organ_name="Văn phòng Chính phủ"),
        to=[Organization(organ_id=to_code, organ_name="Sở Nội vụ tỉnh A")], response_for=[],
        document_id=f"{C_AGENCY},2025/07/15,{number}/VPCP-TTĐT",
        code=dataclasses.replace(pkg.header.code, code_number=str(number), code_notation="VPCP-TTĐT"))
    pkg.trace_header_list.trace_headers[0].organ_id = C_AGENCY
    data = build_document_package(pkg)
    return b"\n" + data  # a leading junk line before <?xml, as some senders write


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


SETUP_A = """
import json
from django.contrib.auth import get_user_model
from units.services import unit_create
from units.models import Membership
from documents.federation.models import Peer
ubnd = unit_create(code="000.00.00.H99", name="UBND tỉnh A", short_name="UBND", kind="province_committee")
local = unit_create(code={a!r}, name="Sở Nội vụ tỉnh A", short_name="SNV", kind="department", parent=ubnd)
User = get_user_model()
for role in ("clerk", "leader", "specialist"):
    u = User.objects.create_user(username=f"{{role}}-a", password="pw-test-12345", first_name=role)
    Membership.objects.create(user=u, unit=local, role=role)
Peer.objects.create(code="lgsp", name="LGSP tỉnh B", protocol="axis", base_url={url!r}, system_id="sys-a",
                    system_secret={secret!r}, axis_from={a!r}, poll_interval=1)
print(json.dumps({{"local": local.pk}}))
"""

SETUP_B = """
import json
from units.services import unit_create
unit_create(code={b!r}, name="UBND tỉnh B", short_name="UBND", kind="province_committee")
print(json.dumps({{}}))
"""

A_WORKFLOW = """
import json
from django.contrib.auth import get_user_model
from documents.models import IncomingRecord
from documents.services import incoming_accept, incoming_assign, incoming_finish
U = get_user_model()
rec = IncomingRecord.objects.get(document__document_id={document_id!r})
rec = incoming_accept(incoming=rec, acting_user=U.objects.get(username="clerk-a"))
rec = incoming_assign(incoming=rec, acting_user=U.objects.get(username="leader-a"),
                      main_handler=U.objects.get(username="specialist-a"))
rec = incoming_finish(incoming=rec, acting_user=U.objects.get(username="specialist-a"), note="Đã xử lý")
print(json.dumps({{"status": rec.status}}))
"""

A_SEND = """
import json, datetime, os
from django.contrib.auth import get_user_model
from units.models import Unit
from documents.services import document_create, attachment_add, document_issue, document_send
clerk = get_user_model().objects.get(username="clerk-a")
owner = Unit.objects.get(code={a!r})
doc = document_create(owner_unit=owner, acting_user=clerk, subject={subject!r}, doc_type="CV", notation_suffix="SNV",
                      signer_name="Nguyễn Văn A", signer_position="Giám đốc")
attachment_add(document=doc, acting_user=clerk, upload=b"%PDF-1.4\\n" + os.urandom({size}) + b"\\n%%EOF\\n",
               name="cong-van.pdf")
from tests.factories import allow_issue_on_another_day
allow_issue_on_another_day(clerk)  # dated 5/3/2026
doc = document_issue(document=doc, acting_user=clerk, issued_on=datetime.date(2026, 3, 5))
[d] = document_send(document=doc, acting_user=clerk, units=[Unit.objects.get(code={c!r})])
print(json.dumps({{"dispatch": d.pk, "document_id": doc.document_id, "reason": d.state_reason}}))
"""

B_AGENCIES = """
import json
from units.models import Unit
from egov.core.text import search_key
rows, n = [], 0
letters = "GKLMNPQ"
for x in letters:
    for d in range(100):
        for c in range(100):
            for b in range(20):
                if n >= {count}:
                    break
                code = f"000.{{b:02d}}.{{c:02d}}.{{x}}{{d:02d}}"
                if code in ("000.00.00.G22",):
                    continue
                name = f"Cơ quan {{x}}{{d:02d}} cấp {{c}}-{{b}}"
                rows.append(Unit(code=code, name=name, short_name="CQ", kind="other", is_local=False,
                                 peer_ref="national", search_text=search_key(name, "CQ", code),
                                 address="Hà Nội", email=f"cq{{n}}@gov.vn"))
                n += 1
                if len(rows) >= 5000:
                    Unit.objects.bulk_create(rows)
                    rows = []
if rows:
    Unit.objects.bulk_create(rows)
print(json.dumps({{"agencies": Unit.objects.count()}}))
"""

A_GROUPS = """
import json
from units.models import Unit
from documents.services.sending import recipients_expand
owner = Unit.objects.get(code={a!r})
units = recipients_expand(groups=["province", "departments"], owner_unit=owner)
print(json.dumps({{"groups": sorted({{u.code for u in units}}), "remote": Unit.objects.filter(is_local=False).count()}}))
"""


@pytest.fixture
def trio():
    from egov.devtools.workers import database_url_of_current_connection

    root = settings.VAR_DIR / f"axis-{os.getpid()}"
    base = database_url_of_current_connection()
    fast = {"AXIS_POLL_INTERVAL": "1", "AXIS_POLL_EVERY": "1", "AXIS_RECONCILE_EVERY": "1",
            "AXIS_POLL_BACKOFF_MAX": "2", "DELIVERY_SWEEP_EVERY": "2"}
    a = PortalInstance("ax", root=root, base_db_url=base, broker_url=settings.CELERY_BROKER_URL, peer_code="a",
                       extra_env=fast)
    b = PortalInstance("hub", root=root, base_db_url=base, broker_url=settings.CELERY_BROKER_URL, peer_code="b",
                       extra_env={"HUB_RATE_PER_MINUTE": "100000"})
    try:
        for inst in (a, b):
            inst.create()
        procs = [a.migrate_async(), b.migrate_async()]
        for p in procs:
            out, _ = p.communicate(timeout=240)
            assert p.returncode == 0, out
        b.python(SETUP_B.format(b=B_UNIT))
        sys_a = json.loads(b.manage("hub_system_create", "--name", "Cổng tỉnh A", "--agency", A_UNIT, "--system-id",
                                    "sys-a", "--json").stdout)
        sys_c = json.loads(b.manage("hub_system_create", "--name", "Hệ thống VPCP", "--agency", C_AGENCY,
                                    "--system-id", "sys-c", "--json").stdout)
        b.start_web()
        a.python(SETUP_A.format(a=A_UNIT, url=b.base_url + "/vxp", secret=sys_a["secret"]))
        synced = a.manage("axis_directory_sync", "lgsp")
        assert synced.returncode == 0, synced.stderr
        a.start_worker(beat=True)
        yield a, b, AgencySystemC(b.base_url + "/vxp", "sys-c", sys_c["secret"], C_AGENCY)
    finally:
        a.destroy()
        b.destroy()


def statuses_seen_by_c(c, seen: dict) -> dict:
    for _item, xml in c.pull("status"):
        seen.setdefault(local_text(xml, "DocumentId"), []).append(local_text(xml, "StatusCode"))
    return seen


def test_agency_hub_and_sdk_client_exchange_through_the_hub(trio):
    a, b, c = trio
    # C → B → A: the poller imports it, acknowledges it, 01 goes back.
    doc_id = c.send(package_from_c(101, A_UNIT))
    document_id = f"{C_AGENCY},2025/07/15,101/VPCP-TTĐT"
    wait_for(lambda: a.query("SELECT COUNT(*) FROM documents_incomingrecord r JOIN documents_document d ON "
                             "d.id = r.document_id WHERE d.document_id = ?", (document_id,))[0][0] == 1, 60,
             "A's poller to import C's document")
    wait_for(lambda: b.query("SELECT state FROM federation_hubitem WHERE doc_id = ?", (doc_id,)) == [("done",)], 30,
             "A's acknowledgement at B")
    done = a.python(A_WORKFLOW.format(document_id=document_id))
    assert done["status"] == "done"
    seen: dict = {}
    wait_for(lambda: statuses_seen_by_c(c, seen).get(document_id, [])[-1:] == ["06"], 90, "C to see 06")
    assert seen[document_id] == ["01", "03", "04", "06"]

    # A → B → C, then A's reconciliation sees C's acknowledgement.
    sent = a.python(A_SEND.format(a=A_UNIT, c=C_AGENCY, subject="Báo cáo gửi Văn phòng Chính phủ", size=4096))
    assert sent["reason"] == ""
    state = lambda d: a.query("SELECT state FROM documents_dispatch WHERE id = ?", (d,))[0][0]  # noqa: E731
    wait_for(lambda: state(sent["dispatch"]) == "delivered", 60, "A's dispatch stored by B")
    got = wait_for(lambda: c.pull("edoc"), 30, "C to receive A's document")
    assert [local_text(xml, "DocumentId") for _i, xml in got] == [sent["document_id"]]
    wait_for(lambda: a.query("SELECT hub_status FROM federation_axissent WHERE dispatch_id = ?", (sent["dispatch"],))
             == [("done",)], 60, "A's reconciliation to see done")

    # B killed in the middle of A's send: delivered once.
    big = a.python(A_SEND.format(a=A_UNIT, c=C_AGENCY, subject="Văn bản lớn", size=8 * 2**20), timeout=180)
    wait_for(lambda: state(big["dispatch"]) != "pending", 60, "the big send to start", interval=0.01)
    b.kill_web()
    wait_for(lambda: state(big["dispatch"]) in ("retrying", "delivered"), 60, "A to notice B is down")
    b.start_web()
    wait_for(lambda: state(big["dispatch"]) == "delivered", 90, "delivery after B restarts")
    assert b.query("SELECT COUNT(*) FROM federation_hubitem WHERE document_id = ?", (big["document_id"],)) == [(1,)]
    assert [local_text(x, "DocumentId") for _i, x in c.pull("edoc")] == [big["document_id"]]

    # B killed while A polls (three times): each of C's documents imported once and acknowledged once.
    ids = [c.send(package_from_c(200 + i, A_UNIT)) for i in range(3)]
    for _round in range(3):
        time.sleep(0.7)
        b.kill_web()
        time.sleep(1.5)
        b.start_web()
    wait_for(lambda: b.query("SELECT COUNT(*) FROM federation_hubitem WHERE state = 'done' AND doc_id IN (?, ?, ?)",
                             tuple(ids))[0][0] == 3, 90, "the three documents acknowledged")
    for i in range(3):
        did = f"{C_AGENCY},2025/07/15,{200 + i}/VPCP-TTĐT"
        assert a.query("SELECT COUNT(*) FROM documents_inboundpackage WHERE document_id = ? AND result = 'accepted'",
                       (did,)) == [(1,)]
        assert a.query("SELECT COUNT(*) FROM documents_incomingrecord r JOIN documents_document d ON "
                       "d.id = r.document_id WHERE d.document_id = ?", (did,)) == [(1,)]
    # An acknowledgement whose answer was lost when B died is sent again by the next poll.
    wait_for(lambda: sorted(a.query("SELECT doc_id, ack_status FROM federation_axisreceived WHERE doc_id IN (?, ?, ?)",
                                    tuple(ids))) == sorted((i, "done") for i in ids), 30, "A to record the three acks")
    taken = b.query("SELECT COUNT(*) FROM documents_auditevent WHERE verb = 'hub.package_taken'")[0][0]
    assert taken >= 4
    health = requests.get(b.base_url + "/healthz", timeout=5)
    assert health.status_code in (200, 503)


def test_directory_of_the_axis_synced_from_the_hub(trio):
    a, b, _c = trio
    made = b.python(B_AGENCIES.format(count=AGENCIES), timeout=600)
    assert made["agencies"] >= AGENCIES
    started = time.monotonic()
    synced = a.manage("axis_directory_sync", "lgsp", timeout=900)
    assert synced.returncode == 0, synced.stderr
    counts = json.loads(synced.stdout.strip().splitlines()[-1])
    assert counts["created"] >= AGENCIES - 5, counts
    again = json.loads(a.manage("axis_directory_sync", "lgsp", timeout=900).stdout.strip().splitlines()[-1])
    assert again["created"] == 0 and again["renamed"] == 0 and again["dissolved"] == 0, again
    groups = a.python(A_GROUPS.format(a=A_UNIT))
    assert groups["remote"] >= AGENCIES and groups["groups"] == ["000.00.00.H99", A_UNIT]
    print(f"directory sync of {AGENCIES} agencies: {time.monotonic() - started:.1f}s (two runs)")
