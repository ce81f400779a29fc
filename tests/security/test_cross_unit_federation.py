"""
The cross-unit suite for the federation endpoints, probed *signed*: every pattern under
/federation/ (taken from the URLconf, so a new endpoint is probed too) is requested GET and POST
by peer Y with a valid HMAC signature for that exact method, path and body, its parameters
filled with peer X's consignment and with one that does not exist. Y must not see X's packages
(no marker, no listing), must not change them (fetch count, state), and X's id must answer like a
missing one. A package Y signs for units it does not host is refused and stores nothing.
"""
from __future__ import annotations

import hashlib
import json
import uuid

import pytest

from documents.federation.auth import sign_headers
from documents.federation.models import InboundPackage, Peer, PullItem
from documents.models import Dispatch, Document
from documents.services import document_send
from tests.documents.conftest import Province
from tests.factories import UnitFactory
from units.choices import UnitKind

from .test_cross_unit_access import MARKER, fill, params, patterns  # noqa: F401 - MARKER marks the document

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    from tests.federation.test_mapping import rich_document

    province = Province()
    x = Peer.objects.create(code="peer-h42", name="Cổng tỉnh X", base_url="http://127.0.0.1:9", mode="pull",
                            inbound_secret="x-in", outbound_secret="x-out", remote_code="peer-h99")
    y = Peer.objects.create(code="peer-h77", name="Cổng tỉnh Y", base_url="http://127.0.0.1:9", mode="pull",
                            inbound_secret="y-in", outbound_secret="y-out", remote_code="peer-h99")
    y_unit = UnitFactory(code="000.00.00.H77", name="Ủy ban nhân dân tỉnh Y", kind=UnitKind.PROVINCE_COMMITTEE,
                         is_local=False, peer_ref=y.code)
    doc = rich_document(province, business_reason=f"{MARKER} lý do")
    document_send(document=doc, acting_user=province.clerk(province.snv), units=[province.remote])
    return province, x, y, y_unit, doc


def signed(client, method, path, body=b"", *, peer="peer-h77", secret="y-in", consignment=""):
    h = sign_headers(secret=secret, method=method.upper(), path=path, peer_code=peer,
                     body_sha256=hashlib.sha256(body).hexdigest(), consignment=consignment)
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in h.items()}
    if method == "get":
        return client.get(path, **extra)
    return client.post(path, data=body, content_type="application/json", **extra)


def snapshot():
    return (sorted(PullItem.objects.values_list("consignment_id", "state", "fetch_count", "ack_note")),
            sorted(Dispatch.objects.values_list("pk", "state")))


def test_signed_peer_probes_see_and_change_nothing_of_another_peer(client, world):
    province, x, y, y_unit, doc = world
    [item] = PullItem.objects.filter(peer=x)
    before = snapshot()
    probed, leaks, oracles = 0, [], []
    ack = json.dumps({"result": "done", "message": "ok"}).encode()
    for template, _name in patterns():
        if not template.startswith("federation/"):
            continue
        names = [p[0] for p in params(template)]
        path = fill(template, {n: str(item.consignment_id) for n in names})
        missing = fill(template, {n: str(uuid.uuid4()) for n in names})
        for method in ("get", "post"):
            body = ack if method == "post" else b""
            got = signed(client, method, path, body)
            probed += 1
            content = b"".join(got.streaming_content) if got.streaming else got.content
            if doc.document_id.encode() in content or (not names and str(item.consignment_id).encode() in content):
                leaks.append((method, path, got.status_code))
            assert got.status_code != 401, (method, path, content[:200])  # the signature itself is valid
            if names:
                other = signed(client, method, missing, body)
                if other.status_code != got.status_code:
                    oracles.append((method, path, got.status_code, other.status_code))
    assert probed >= 8
    assert leaks == [] and oracles == []
    assert snapshot() == before
    listed = signed(client, "get", "/federation/v1/pull/")
    assert listed.status_code == 200 and listed.json()["items"] == []
    # The same requests signed by X do reach X's package (the probes above were meaningful).
    fetch = f"/federation/v1/pull/{item.consignment_id}/"
    mine = signed(client, "get", fetch, peer="peer-h42", secret="x-in")
    assert mine.status_code == 200 and doc.document_id.encode() in mine.content


def test_a_peer_cannot_send_for_units_it_does_not_host(client, world):
    from tests.federation.test_mapping import as_remote, export

    province, x, y, y_unit, doc = world
    stored = Document.objects.count()
    cases = {
        "sender_not_hosted": as_remote(export(doc, [province.stc]), province.remote, [province.stc]),  # X's unit
        "sender_is_local": as_remote(export(doc, [province.stc]), province.snv, [province.stc]),
    }
    for code, package in cases.items():
        answer = signed(client, "post", "/federation/v1/packages/", package, consignment=f"c-{code}")
        assert answer.status_code != 401 and answer.json()["code"] == code, answer.json()
    assert Document.objects.count() == stored
    assert set(InboundPackage.objects.values_list("result", flat=True)) == {"fault"}
    # Y's own unit is accepted: the refusals above were about hosting, not about the signature.
    own = as_remote(export(doc, [province.stc]), y_unit, [province.stc])
    assert signed(client, "post", "/federation/v1/packages/", own, consignment="c-own").json()["result"] == "accepted"
