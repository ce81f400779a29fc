"""``manage.py peer``: connections to peer portals and to the axis / LGSP (issue 17, operators script what they run)."""
import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from documents.federation.auth import sign_headers
from documents.federation.models import Peer
from egov.core.models import AuditEvent

PULL = "/federation/v1/pull/"


def peer_cmd(*args, stdin=None) -> dict | list:
    out = io.StringIO()
    call_command("peer", *args, "--json", stdout=out, **({"stdin": stdin} if stdin is not None else {}))
    return json.loads(out.getvalue())


def pull_as(client, code: str, secret: str):
    h = sign_headers(secret=secret, method="GET", path=PULL, peer_code=code,
                     body_sha256=hashlib.sha256(b"").hexdigest())
    return client.get(PULL, **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in h.items()})


def raw_column(code: str, column: str) -> str:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM documents_peer WHERE code = %s", [code])  # noqa: S608 - fixed names
        return cur.fetchone()[0]


def test_create_prints_secrets_once_stored_encrypted_and_usable(db, client):
    created = peer_cmd("create", "tinh-ben", "--name", "Cổng tỉnh Bên", "--protocol", "egov",
                       "--base-url", "https://ben.example.vn/", "--remote-code", "tinh-nay")
    inbound, outbound = created["inbound_secret"], created["outbound_secret"]
    assert len(inbound) >= 40 and inbound != outbound
    assert created["base_url"] == "https://ben.example.vn" and created["mode"] == "push"
    peer = Peer.objects.get(code="tinh-ben")
    assert (peer.inbound_secret, peer.outbound_secret, peer.remote_code) == (inbound, outbound, "tinh-nay")
    for column, secret in (("inbound_secret", inbound), ("outbound_secret", outbound)):
        stored = raw_column("tinh-ben", column)
        assert stored and secret not in stored  # encrypted at rest
    # the peer's requests signed with the printed secret authenticate; another secret does not
    assert pull_as(client, "tinh-ben", inbound).status_code == 200
    assert pull_as(client, "tinh-ben", outbound).json()["code"] == "bad_signature"
    event = AuditEvent.objects.get(verb="federation.peer_created", object_id=str(peer.pk))
    assert inbound not in json.dumps(event.details) and event.details["protocol"] == "egov"
    # list and show never print secrets
    listed = peer_cmd("list")
    assert [r["code"] for r in listed] == ["tinh-ben"]
    shown = peer_cmd("show", "tinh-ben")
    text = json.dumps(listed) + json.dumps(shown)
    assert inbound not in text and outbound not in text
    assert shown["secrets_set"] == ["inbound_secret", "outbound_secret"]


def test_rotate_disable_enable(db, client):
    first = peer_cmd("create", "tinh-ben", "--name", "Bên", "--protocol", "egov", "--mode", "pull")
    rotated = peer_cmd("rotate", "tinh-ben")
    assert rotated["inbound_secret"] != first["inbound_secret"]
    assert pull_as(client, "tinh-ben", first["inbound_secret"]).json()["code"] == "bad_signature"
    assert pull_as(client, "tinh-ben", rotated["inbound_secret"]).status_code == 200
    assert peer_cmd("disable", "tinh-ben") == {"code": "tinh-ben", "enabled": False}
    assert pull_as(client, "tinh-ben", rotated["inbound_secret"]).json()["code"] == "unknown_peer"
    assert peer_cmd("enable", "tinh-ben") == {"code": "tinh-ben", "enabled": True}
    assert pull_as(client, "tinh-ben", rotated["inbound_secret"]).status_code == 200
    verbs = list(AuditEvent.objects.filter(verb__startswith="federation.peer_").order_by("pk")
                 .values_list("verb", flat=True))
    assert verbs == ["federation.peer_created", "federation.peer_rotated", "federation.peer_disabled",
                     "federation.peer_enabled"]


def test_axis_connection_with_the_hubs_secret_or_a_generated_one(db):
    created = peer_cmd("create", "lgsp", "--name", "LGSP tỉnh", "--protocol", "axis", "--base-url",
                       "https://lgsp.example.vn/vxp", "--system-id", "sys-tinh", "--axis-from", "000.00.00.H42",
                       "--poll-interval", "30", "--system-secret-stdin", stdin=io.StringIO("hub-issued-secret\n"))
    assert "system_secret" not in created and "inbound_secret" not in created  # nothing generated, nothing printed
    peer = Peer.objects.get(code="lgsp")
    assert (peer.protocol, peer.system_id, peer.system_secret, peer.axis_from, peer.poll_interval) == (
        "axis", "sys-tinh", "hub-issued-secret", "000.00.00.H42", 30)
    assert "hub-issued-secret" not in raw_column("lgsp", "system_secret")
    rotated = peer_cmd("rotate", "lgsp")
    peer.refresh_from_db()
    assert peer.system_secret == rotated["system_secret"] != "hub-issued-secret"
    generated = peer_cmd("create", "truc", "--name", "Trục quốc gia", "--protocol", "axis", "--base-url",
                         "https://truc.example.vn", "--system-id", "sys-2")
    assert Peer.objects.get(code="truc").system_secret == generated["system_secret"]


@pytest.mark.parametrize("args, message", [
    (["--protocol", "hub", "--base-url", "https://x.example.vn"], "hub_system_create"),
    (["--protocol", "egov", "--base-url", "not a url"], "not a valid"),
    (["--protocol", "egov"], "base URL"),
    (["--protocol", "ftp", "--base-url", "https://x.example.vn"], "egov or axis"),
    (["--protocol", "axis", "--base-url", "https://x.example.vn"], "systemId"),
    (["--protocol", "egov", "--base-url", "https://x.example.vn", "--client-cert-sha256", "abc"], "64"),
    (["--protocol", "egov", "--base-url", "https://x.example.vn", "--system-id", "s"], "axis connections only"),
])
def test_bad_input_is_a_clear_error(db, args, message, settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command("peer", "create", "x-peer", "--name", "X", *args, stdout=io.StringIO())
    assert not Peer.objects.exists()


def test_existing_code_and_hub_systems_are_refused(db):
    from django.utils import translation

    peer_cmd("create", "ben", "--name", "Bên", "--protocol", "egov", "--mode", "pull")
    with translation.override("en"):
        with pytest.raises(CommandError, match="already exists"):
            call_command("peer", "create", "ben", "--name", "B", "--protocol", "egov", "--mode", "pull")
        Peer.objects.create(code="hub-sys", name="Hệ thống", protocol="hub", system_id="sys", mode="pull")
        with pytest.raises(CommandError, match="hub_system_rotate"):
            call_command("peer", "rotate", "hub-sys")
        with pytest.raises(CommandError, match="No peer"):
            call_command("peer", "disable", "nobody")


def test_signing_certificate_from_a_file(db, tmp_path):
    from egov.devtools.pki import TestPKI

    pki = TestPKI(key_size=2048)
    pem = tmp_path / "peer.pem"
    pem.write_bytes(pki.organisation.pem)
    created = peer_cmd("create", "ben", "--name", "Bên", "--protocol", "egov", "--base-url", "https://b.example.vn",
                       "--signing-certificate", str(pem), "--require-signature",
                       "--client-cert-sha256", "AB:" * 31 + "AB")
    peer = Peer.objects.get(code="ben")
    assert created["signing_certificate"] and peer.require_signature
    assert peer.signing_certificate.strip() == pki.organisation.pem.decode().strip()
    assert peer.client_cert_sha256 == "ab" * 32
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    with pytest.raises(CommandError):
        call_command("peer", "create", "ben2", "--name", "B", "--protocol", "egov", "--mode", "pull",
                     "--signing-certificate", str(bad))
