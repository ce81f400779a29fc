"""
Coverage-guided fuzzing of the axis (/vxp/) request authentication (documents.federation.axis.
protocol.read_signed_headers): any headers give the signed parameters of the known system or a
HeaderError, nothing else; a request passes only with the system's real HMAC. Run: make fuzz.
"""
import datetime
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402

_django.setup()

from documents.federation.axis import protocol  # noqa: E402 - already imported by django.setup()

read_signed_headers = atheris.instrument_func(protocol.read_signed_headers)
protocol.parse_timestamp = atheris.instrument_func(protocol.parse_timestamp)
HeaderError, sign_headers, PREFIX = protocol.HeaderError, protocol.sign_headers, protocol.PREFIX

SECRET = "fuzz-secret-of-system-a"
NAMES = ["sign-header", "hash-header", "systemid", "sign-header-key", "timestamp", "from", "docId",
         "status", "servicetype", "messagetype", "hash-file"]
NOW = datetime.datetime(2026, 1, 1, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=7)))


def secret_for(system_id):
    return SECRET if system_id == "sys-a" else None


def TestOneInput(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    if fdp.ConsumeBool():
        # A well-formed signed request with fuzzed parts swapped in: exercises every later check.
        params = {"from": fdp.ConsumeUnicodeNoSurrogates(20), "docId": fdp.ConsumeUnicodeNoSurrogates(20)}
        headers = dict(sign_headers(system_id="sys-a", secret=SECRET, params=params, now=NOW))
        for name in NAMES:
            if fdp.ConsumeBool():
                headers[PREFIX + name] = fdp.ConsumeUnicodeNoSurrogates(120)
    else:
        headers = {PREFIX + name: fdp.ConsumeUnicodeNoSurrogates(120) for name in NAMES}
    try:
        signed = read_signed_headers(headers, secret_for=secret_for, now=NOW, window=300)
    except HeaderError as exc:
        assert exc.code in ("401", "408"), exc.code
        return
    assert signed.system_id == "sys-a"
    assert protocol._hmac(SECRET, headers[PREFIX + "sign-header"]) == signed.digest


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
