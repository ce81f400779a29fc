"""
Coverage-guided fuzzing of the edXML parser (documents.edxml.parse_package): any input must give
a package or an EdxmlError — never another exception, a hang (libFuzzer -timeout) or unbounded
memory (-rss_limit_mb). Run: make fuzz, or python tests/fuzz/fuzz_edxml.py -max_total_time=60 DIR.
"""
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports():
    from documents.edxml import parse_package
    from documents.edxml.errors import EdxmlError

LIMITS = {"max_package_bytes": 2 * 2**20, "max_attachment_bytes": 2**20, "max_decompressed_bytes": 4 * 2**20}


def TestOneInput(data: bytes) -> None:
    try:
        package = parse_package(data, **LIMITS)
    except EdxmlError:
        return
    package.close()


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
