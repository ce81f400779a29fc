"""
RFC 3161 time-stamps of the audit checkpoints: a TSA written here (an HTTP server answering
application/timestamp-query with pyHanko's DummyTimeStamper, under a key and certificate made
for the test), the portal's client through the guarded outbound HTTP, and audit_verify checking
each token (signature, message imprint, the pinned TSA).
"""
from __future__ import annotations

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import keys, tsp, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.management import call_command
from django.db import connection
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from egov.core.audit_chain import audit_chain_verify, checkpoint_write
from egov.core.models import AuditCheckpoint

from .test_audit_chain import postgres_only, write

TRIGGER = "egov_auditcheckpoint_no_update_delete"


def make_tsa(name: str):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's dummy TSA signs with RSA
    subject = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (cx509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(cx509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(cx509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(cx509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                          data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                          crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(key, hashes.SHA256()))
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    asn_cert = x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    return DummyTimeStamper(tsa_cert=asn_cert, tsa_key=keys.PrivateKeyInfo.load(der_key)), \
        cert.public_bytes(serialization.Encoding.PEM)


class TSA:
    """An RFC 3161 time-stamp authority over HTTP on loopback."""

    def __init__(self, name="TSA thử nghiệm"):
        self.stamper, self.pem = make_tsa(name)
        self.requests = 0
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_response(415)
                    self.end_headers()
                    return
                tsa.requests += 1
                answer = tsa.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tsa(settings, tmp_path):
    authority = TSA()
    pinned = tmp_path / "tsa.pem"
    pinned.write_bytes(authority.pem)
    settings.AUDIT_TSA_URL = authority.url
    settings.AUDIT_TSA_CERTIFICATES = str(pinned)
    yield authority
    authority.close()


def owner_sql(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE egov_auditcheckpoint DISABLE TRIGGER {TRIGGER}")
        cursor.execute(sql, params)
        cursor.execute(f"ALTER TABLE egov_auditcheckpoint ENABLE TRIGGER {TRIGGER}")


@pytest.mark.django_db
def test_checkpoints_are_time_stamped_and_verified(tsa, capsys):
    write(3)
    [checkpoint] = checkpoint_write()
    assert tsa.requests == 1
    stored = AuditCheckpoint.objects.get(pk=checkpoint.pk)
    assert bytes(stored.timestamp_token) and stored.timestamped_at is not None
    assert abs(stored.timestamped_at - stored.at) < datetime.timedelta(minutes=1)
    report = audit_chain_verify()
    assert report.ok and report.timestamped == 1, report.as_dict()
    call_command("audit_verify", "--json")
    assert json.loads(capsys.readouterr().out)["timestamped"] == 1


@pytest.mark.django_db
def test_a_token_of_another_tsa_is_refused(tsa, settings, tmp_path):
    write(2)
    checkpoint_write()
    other = TSA("TSA khác")
    try:
        (tmp_path / "other.pem").write_bytes(other.pem)
        settings.AUDIT_TSA_CERTIFICATES = str(tmp_path / "other.pem")  # the pinned TSA is not the one that signed
        [problem] = audit_chain_verify().problems
        assert problem.problem == ("checkpoint time-stamp is not valid: the time-stamp is not signed by the "
                                   "configured time-stamp authority")
    finally:
        other.close()


@postgres_only
@pytest.mark.django_db
def test_a_token_moved_to_another_checkpoint_is_found(tsa):
    write(2)
    [first] = checkpoint_write()
    write(1)
    [second] = checkpoint_write()
    owner_sql("UPDATE egov_auditcheckpoint SET timestamp_token = (SELECT timestamp_token FROM egov_auditcheckpoint "
              "WHERE id = %s) WHERE id = %s", [first.pk, second.pk])
    [problem] = audit_chain_verify().problems
    assert problem.shard_seq == second.shard_seq
    assert problem.problem == ("checkpoint time-stamp is not valid: the time-stamp is not of this checkpoint "
                               "(message imprint differs)")


@postgres_only
@pytest.mark.django_db
def test_a_garbled_token_is_reported(tsa):
    write(2)
    [checkpoint] = checkpoint_write()
    owner_sql("UPDATE egov_auditcheckpoint SET timestamp_token = %s WHERE id = %s", [b"\x30\x03\x02\x01\x01",
                                                                                     checkpoint.pk])
    [problem] = audit_chain_verify().problems
    assert problem.problem.startswith("checkpoint time-stamp is not valid: ")


@pytest.mark.django_db
def test_an_unreachable_tsa_does_not_stop_the_checkpoint(tsa):
    tsa.close()
    write(2)
    [checkpoint] = checkpoint_write()
    assert bytes(AuditCheckpoint.objects.get(pk=checkpoint.pk).timestamp_token) == b""
    report = audit_chain_verify()
    assert report.ok and report.timestamped == 0
