"""
Coverage-guided fuzzing of the federation request authentication (documents.federation.auth.
check_request): any headers give the peer or an AuthError, nothing else; a request passes only
with the peer's real signature. Run: make fuzz.
"""
import sys
import time
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402

_django.setup()

from documents.federation import auth  # noqa: E402 - already imported by django.setup(): instrument its functions

check_request = atheris.instrument_func(auth.check_request)
auth._same = atheris.instrument_func(auth._same)
AuthError, sign_headers = auth.AuthError, auth.sign_headers

from django.test import RequestFactory  # noqa: E402

from documents.federation.models import Peer  # noqa: E402

SECRET = "fuzz-secret-of-peer-a"
Peer.objects.get_or_create(code="peer-a", defaults={"name": "A", "inbound_secret": SECRET,
                                                    "outbound_secret": "x", "base_url": "http://127.0.0.1:9"})
FACTORY = RequestFactory()
HEADERS = ["HTTP_X_EGOV_FEDERATION_VERSION", "HTTP_X_EGOV_PEER", "HTTP_X_EGOV_TIMESTAMP",
           "HTTP_X_EGOV_CONTENT_SHA256", "HTTP_X_EGOV_SIGNATURE", "HTTP_X_EGOV_CONSIGNMENT"]


def TestOneInput(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    body_sha = fdp.ConsumeUnicodeNoSurrogates(70)
    path = "/federation/v1/" + fdp.ConsumeUnicodeNoSurrogates(40).replace("\x00", "")
    if fdp.ConsumeBool():
        # A well-formed signed request with fuzzed parts swapped in: exercises every later check.
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in sign_headers(
            secret=SECRET, method="POST", path=path, peer_code="peer-a", body_sha256=body_sha,
            consignment=fdp.ConsumeUnicodeNoSurrogates(20)).items()}
        for name in HEADERS:
            if fdp.ConsumeBool():
                meta[name] = fdp.ConsumeUnicodeNoSurrogates(80)
    else:
        meta = {name: fdp.ConsumeUnicodeNoSurrogates(80) for name in HEADERS}
        if fdp.ConsumeBool():
            meta["HTTP_X_EGOV_TIMESTAMP"] = str(int(time.time()))
    meta = {k: v.replace("\x00", "") for k, v in meta.items()}
    try:
        request = FACTORY.post(path, data=b"", content_type="application/xml", **meta)
    except Exception:  # noqa: BLE001 - the test client refusing a header is not the code under test
        return
    try:
        peer = check_request(request, body_sha256=body_sha)
    except AuthError:
        return
    assert peer.code == "peer-a"


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
