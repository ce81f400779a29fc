"""
A Cloud Signature Consortium API v1 service written for the tests from the specification
(CSC API v1.0.4.0: credentials/info, credentials/authorize, signatures/signHash), holding one
credential whose key lives only here. It checks the bearer token, the PIN, binds the SAD to
the hashes when SCAL is 2, and signs the hashes it is given (RSA PKCS#1 v1.5). Runs on a free
port on 127.0.0.1 in a thread.
"""
from __future__ import annotations

import base64
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, utils

SHA256_RSA = "1.2.840.113549.1.1.11"
HASHES = {"2.16.840.1.101.3.4.2.1": hashes.SHA256(), "2.16.840.1.101.3.4.2.2": hashes.SHA384(),
          "2.16.840.1.101.3.4.2.3": hashes.SHA512()}


class CSCService:
    def __init__(self, identity, *, credential_id="cred-001", pin="654321", token="csc-bearer-token", scal=2):
        self.identity, self.credential_id, self.pin, self.token, self.scal = identity, credential_id, pin, token, scal
        self.sads: dict[str, list[str]] = {}
        self.calls: list[str] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                service.calls.append(self.path)
                if self.headers.get("Authorization") != f"Bearer {service.token}":
                    return self._send(401, {"error": "invalid_token", "error_description": "Bad bearer token"})
                route = {"/csc/v1/credentials/info": service.info, "/csc/v1/credentials/authorize": service.authorize,
                         "/csc/v1/signatures/signHash": service.sign_hash}.get(self.path)
                if route is None:
                    return self._send(404, {"error": "not_found"})
                status, payload = route(body)
                self._send(status, payload)

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _der(self, cert) -> str:
        return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()

    def info(self, body):
        if body.get("credentialID") != self.credential_id:
            return 400, {"error": "invalid_request", "error_description": "Invalid credentialID"}
        return 200, {"key": {"status": "enabled", "algo": [SHA256_RSA], "len": 2048},
                     "cert": {"status": "valid",
                              "certificates": [self._der(self.identity.cert)] + [self._der(c) for c in
                                                                                  self.identity.chain]},
                     "authMode": "explicit", "PIN": {"presence": "true", "format": "N"},
                     "SCAL": str(self.scal), "multisign": 1}

    def authorize(self, body):
        if body.get("PIN") != self.pin:
            return 400, {"error": "invalid_pin", "error_description": "The PIN is invalid"}
        hashes_ = body.get("hash") or []
        if self.scal == 2 and len(hashes_) != int(body.get("numSignatures", 0)):
            return 400, {"error": "invalid_request", "error_description": "hash required for SCAL 2"}
        sad = secrets.token_urlsafe(16)
        self.sads[sad] = hashes_
        return 200, {"SAD": sad, "expiresIn": 300}

    def sign_hash(self, body):
        sad = body.get("SAD")
        if sad not in self.sads:
            return 400, {"error": "invalid_request", "error_description": "Invalid SAD"}
        pinned = self.sads.pop(sad)
        tbs = body.get("hash") or []
        if self.scal == 2 and sorted(pinned) != sorted(tbs):
            return 400, {"error": "invalid_request", "error_description": "Hash not authorised by the SAD"}
        algo = HASHES.get(body.get("hashAlgo"))
        if algo is None or body.get("signAlgo") != SHA256_RSA and body.get("signAlgo") != "1.2.840.113549.1.1.1":
            return 400, {"error": "invalid_request", "error_description": "Unsupported algorithm"}
        sigs = [base64.b64encode(self.identity.key.sign(base64.b64decode(h), padding.PKCS1v15(),
                                                        utils.Prehashed(algo))).decode() for h in tbs]
        return 200, {"signatures": sigs}
