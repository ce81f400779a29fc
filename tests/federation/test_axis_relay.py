"""
The hub (this portal as the provincial LGSP) relays onwards to the national axis: a package that a
connected system C sends to an agency not hosted here goes up to the axis peer with ``sendEdoc``;
what the axis holds for C's agencies comes down to C. The axis is a live HTTP server written here
from ../shared/reference/vxp-protocol.md (stdlib only, nothing of the portal's axis code): it checks
the signed headers and the ``hash-file`` digest as a real axis would, stores what it is sent, serves
its pending list, and can be told to fail.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings
from django.utils import translation
from lxml import etree

from documents.federation.axis import protocol
from documents.federation.axis.poller import axis_poll
from documents.federation.axis.transport import axis_stream_drain
from documents.federation.hub.services import hub_system_create
from documents.federation.models import AxisSent, HubItem, Peer
from tests.federation.test_axis import G22, package_from_c, vxp

AXIS_SYSTEM, AXIS_SECRET = "lgsp-tinh-a", "axis-shared-secret-for-the-test-0123456789"
NATIONAL = "000.00.00.G09"   # a ministry known only to the axis


class NationalAxis:
    """Store-and-forward hub as the reference describes it."""

    def __init__(self):
        self.stored: list[dict] = []          # what clients sent: headers, body
        self.pending: list[dict] = []          # what waits for our LGSP: {docId, messageType, to, data}
        self.acks: list[tuple[str, str]] = []
        self.fail_next: list[tuple[int, dict]] = []   # (HTTP status, answer) for the next sendEdoc calls
        self.refused: list[str] = []
        axis = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, body: dict, status: int = 200):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                operation = self.path.rsplit("/", 1)[-1]
                problem = axis.check(self.headers, operation, body)
                if problem:
                    axis.refused.append(problem)
                    return self._answer({"status": "FAIL", "ErrorCode": "401", "ErrorDesc": problem}, 401)
                signed = json.loads(self.headers["XroadVnpt-sign-header"])
                if operation == "sendEdoc":
                    if axis.fail_next:
                        status, answer = axis.fail_next.pop(0)
                        return self._answer(answer, status)
                    doc_id = uuid.uuid4().hex
                    axis.stored.append({"docId": doc_id, "headers": signed, "body": body[:-2]})
                    return self._answer({"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "DocId": doc_id})
                if operation == "getReceivedEdocList":
                    items = [{"docId": p["docId"], "serviceType": "eDoc", "messageType": p["messageType"],
                              "from": "", "to": p["to"], "status": "initial", "status_desc": ""}
                             for p in axis.pending if p["messageType"] == signed.get("messagetype")]
                    return self._answer({"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "data": items})
                if operation == "getEdoc":
                    for p in axis.pending:
                        if p["docId"] == signed["docId"]:
                            return self._answer({"status": "OK", "ErrorCode": "0", "ErrorDesc": "",
                                                 "data": base64.b64encode(p["data"]).decode()})
                    return self._answer({"status": "FAIL", "ErrorCode": "404", "ErrorDesc": "no such docId"}, 404)
                if operation == "updateStatus":
                    axis.acks.append((signed["docId"], signed["status"]))
                    if signed["status"] == "done":
                        axis.pending = [p for p in axis.pending if p["docId"] != signed["docId"]]
                    return self._answer({"status": "OK", "ErrorCode": "0", "ErrorDesc": ""})
                if operation == "getSentEdocList":
                    items = [{"docId": x["docId"], "serviceType": "eDoc", "messageType": x["headers"]["messagetype"],
                              "from": x["headers"]["from"], "status": x.get("status", "initial"),
                              "status_desc": x.get("status_desc", "")}
                             for x in axis.stored if x["headers"]["from"] == signed.get("from")]
                    return self._answer({"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "data": items})
                return self._answer({"status": "FAIL", "ErrorCode": "404", "ErrorDesc": "unknown operation"}, 404)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/vxp"

    def check(self, headers, operation: str, body: bytes) -> str:
        """The reference's authentication: HMAC-SHA256 of the signed-header JSON, keyed with the secret."""
        if headers.get("XroadVnpt-systemid") != AXIS_SYSTEM:
            return "unknown systemId"
        text = headers.get("XroadVnpt-sign-header", "")
        if hmac.new(AXIS_SECRET.encode(), text.encode(), hashlib.sha256).hexdigest() != headers.get(
                "XroadVnpt-hash-header"):
            return "bad header signature"
        signed = json.loads(text)
        if set(headers.get("XroadVnpt-sign-header-key", "").split(",")) != set(signed):
            return "sign-header-key does not list the signed headers"
        for name, value in signed.items():
            if headers.get(f"XroadVnpt-{name}") != value:
                return f"header {name} differs from its signed value"
        if operation == "sendEdoc":
            if not body.endswith(b"\r\n"):
                return "the package is not followed by CRLF"
            digest = hashlib.sha256(body[:-2]).hexdigest()
            if headers.get("XroadVnpt-hash-file") not in (digest, digest.lstrip("0")):
                return "hash-file does not match"
        return ""

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def organ_ids(xml: bytes, element: str) -> list[str]:
    """OrganIds under From / To, matched by local name as field parsers do."""
    root = etree.fromstring(xml.lstrip(), parser=etree.XMLParser(resolve_entities=False, no_network=True))
    return [e.text for e in root.xpath(f"//*[local-name()='{element}']/*[local-name()='OrganId']")]


@pytest.fixture
def axis():
    with NationalAxis() as server:
        yield server


@pytest.fixture
def hub(province, axis):
    peer = Peer.objects.create(code="truc", name="Trục quốc gia", protocol="axis", base_url=axis.endpoint,
                               system_id=AXIS_SYSTEM, system_secret=AXIS_SECRET, axis_from=province.ubnd.code)
    system, secret = hub_system_create(name="Hệ thống VPCP", agencies=[G22], system_id="sys-c")
    system.secret = secret
    with override_settings(HUB_AXIS_PEER="truc", DELIVERY_BACKOFF_BASE=1, DELIVERY_MAX_ATTEMPTS=3):
        yield peer, system


def send_from_c(client, system, to_code: str, **changes):
    data = package_from_c(to_code, **changes)
    response, _h = vxp(client, "sendEdoc", system, body=data + b"\r\n",
                       params={"from": G22, "servicetype": "eDoc", "messagetype": "edoc",
                               "hash-file": protocol.hash_file(data)})
    return data, response.json()


def sent_list_of_c(client, system) -> dict:
    response, _h = vxp(client, "getSentEdocList", system, params={"from": G22, "messagetype": "edoc"})
    return {i["docId"]: i for i in response.json()["data"]}


@pytest.mark.django_db
def test_a_package_for_an_agency_not_hosted_here_is_relayed_to_the_axis(client, hub, axis):
    peer, system = hub
    data, answer = send_from_c(client, system, NATIONAL)
    assert answer["ErrorCode"] == "0" and answer["routes"] == [{"queued": NATIONAL, "system": AXIS_SYSTEM}]
    assert sent_list_of_c(client, system)[answer["DocId"]]["status"] == "pending"
    counts = axis_stream_drain(peer_id=peer.pk)
    assert counts["relayed"] == 1 and not axis.refused, (counts, axis.refused, list(HubItem.objects.values()))
    [stored] = axis.stored
    assert stored["body"] == data  # the bytes C sent, unchanged
    assert stored["headers"]["from"] == G22 and stored["headers"]["messagetype"] == "edoc"
    assert organ_ids(stored["body"], "To") == [NATIONAL]
    item = HubItem.objects.get(doc_id=answer["DocId"])
    assert item.state == "done" and stored["docId"] in item.status_desc
    # our own status note: a code, read in the reader's language; sent to systems in the portal's
    assert (item.status_code, item.status_params) == ("documents.federation.hub_relayed",
                                                      {"peer": peer.code, "id": stored["docId"]})
    with translation.override("en"):
        assert item.status_display == f"Relayed to {peer.code} as DocId {stored['docId']}"
    with translation.override("vi"):
        assert item.status_display == item.status_desc != f"Relayed to {peer.code} as DocId {stored['docId']}"
    assert AxisSent.objects.get(peer=peer, doc_id=stored["docId"]).hub_item == item
    assert sent_list_of_c(client, system)[answer["DocId"]]["status"] == "done"
    # nothing is sent twice
    assert axis_stream_drain(peer_id=peer.pk)["relayed"] == 0 and len(axis.stored) == 1
    # the ministry's system refuses it later: the axis's sent list says so, and C's sent list follows
    from documents.federation.axis.poller import axis_reconcile

    stored.update(status="fail", status_desc="Văn bản không đúng thẩm quyền")
    assert axis_reconcile(peer_id=peer.pk)["failed"] == 1
    listed = sent_list_of_c(client, system)[answer["DocId"]]
    assert listed["status"] == "fail" and "Văn bản không đúng thẩm quyền" in listed["status_desc"]
    item.refresh_from_db()
    with translation.override("en"):  # the ministry's own words as it wrote them, inside our sentence
        assert item.status_display == (f"{peer.code} reports the recipient's system refused it: "
                                       "Văn bản không đúng thẩm quyền")
    assert axis_reconcile(peer_id=peer.pk)["failed"] == 0  # reconciled once


@pytest.mark.django_db
def test_a_remote_unit_of_the_axis_directory_is_routed_there_without_the_setting(client, hub, axis):
    import io

    from documents.federation.axis.directory import axis_directory_sync

    peer, system = hub
    axis_directory_sync(peer=peer, source=io.BytesIO(json.dumps(
        {"status": "OK", "ErrorCode": "0", "data": [{"code": "000.00.00.G12", "name": "Bộ Tư pháp"}]}).encode()))
    with override_settings(HUB_AXIS_PEER=""):
        _data, answer = send_from_c(client, system, "000.00.00.G12")
        assert answer["ErrorCode"] == "0", answer
        assert axis_stream_drain(peer_id=peer.pk)["relayed"] == 1
    assert organ_ids(axis.stored[0]["body"], "To") == ["000.00.00.G12"]


@pytest.mark.django_db
def test_the_axis_down_then_refusing_backs_off_and_fails_visibly(client, hub, axis):
    peer, system = hub
    axis.fail_next = [(503, {"status": "FAIL", "ErrorCode": "503", "ErrorDesc": "bảo trì"})]
    _data, answer = send_from_c(client, system, NATIONAL)
    first = axis_stream_drain(peer_id=peer.pk)
    assert first["retrying"] == 1 and first["relayed"] == 0
    item = HubItem.objects.get(doc_id=answer["DocId"])
    assert item.state == "pending" and "bảo trì" in item.status_desc
    # backing off: an immediate second run does not hammer the axis
    assert axis_stream_drain(peer_id=peer.pk)["retrying"] == 0 and not axis.stored
    HubItem.objects.filter(pk=item.pk).update(next_attempt_at=None)  # the back-off is over
    assert axis_stream_drain(peer_id=peer.pk)["relayed"] == 1 and len(axis.stored) == 1

    # a permanent refusal: the item fails at once with the axis's reason, shown in C's sent list
    axis.fail_next = [(200, {"status": "FAIL", "ErrorCode": "-1", "ErrorDesc": "Mã đơn vị nhận không tồn tại"})]
    _data, answer = send_from_c(client, system, NATIONAL, document_id=f"{G22},2025/07/15,17/QĐ-UBND")
    assert axis_stream_drain(peer_id=peer.pk)["failed"] == 1
    listed = sent_list_of_c(client, system)[answer["DocId"]]
    assert listed["status"] == "fail" and "Mã đơn vị nhận không tồn tại" in listed["status_desc"]


@pytest.mark.django_db
def test_a_relay_that_keeps_failing_gives_up_after_the_maximum_attempts(client, hub, axis):
    peer, system = hub
    axis.fail_next = [(503, {"status": "FAIL", "ErrorCode": "503", "ErrorDesc": "down"})] * 5
    _data, answer = send_from_c(client, system, NATIONAL)
    for _attempt in range(3):
        HubItem.objects.filter(doc_id=answer["DocId"]).update(next_attempt_at=None)
        axis_stream_drain(peer_id=peer.pk)
    item = HubItem.objects.get(doc_id=answer["DocId"])
    assert item.state == "fail" and "down" in item.status_desc
    assert len(axis.fail_next) == 2  # three attempts, then no more


@pytest.mark.django_db
def test_what_the_axis_holds_for_a_connected_system_goes_down_to_it(client, province, hub, axis):
    """A ministry's document for C's agency, and the status of C's relayed document, pulled from the axis."""
    from documents.edxml import BussinessDocType, Organization, build_document_package
    from tests.edxml.samples import document

    peer, system = hub
    pkg = document(BussinessDocType.NEW)
    import dataclasses

    pkg.header = dataclasses.replace(pkg.header, from_=Organization(organ_id=NATIONAL, organ_name="Bộ"),
                                     to=[Organization(organ_id=G22, organ_name="Văn phòng Chính phủ")],
                                     document_id=f"{NATIONAL},2025/07/15,9/BTC", response_for=[])
    pkg.trace_header_list.trace_headers[0].organ_id = NATIONAL
    data = build_document_package(pkg)
    axis.pending.append({"docId": "axis-doc-1", "messageType": "edoc", "to": G22, "data": data})
    counts = axis_poll(peer_id=peer.pk)
    assert counts["ok"] and ("axis-doc-1", "done") in axis.acks, counts
    assert not axis.pending
    response, _h = vxp(client, "getReceivedEdocList", system, params={"from": G22, "messagetype": "edoc"})
    [item] = response.json()["data"]
    got, _h = vxp(client, "getEdoc", system, params={"docId": item["docId"], "from": G22})
    assert base64.b64decode(got.json()["data"]) == data
    # polled again: nothing queued twice
    axis.pending.append({"docId": "axis-doc-1", "messageType": "edoc", "to": G22, "data": data})
    axis_poll(peer_id=peer.pk)
    assert HubItem.objects.filter(recipient=system, document_id=pkg.header.document_id).count() == 1
