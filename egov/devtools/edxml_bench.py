"""
Throughput and memory of the edXML builder and parser on a big package (random attachments,
which is the worst case: nothing compresses). Used by the ``bench_edxml`` management command;
run directly with ``python -m egov.devtools.edxml_bench [size_mb]``.

Two memory figures, because each alone misleads:
- ``peak_python_alloc_mb``: tracemalloc's peak of Python allocations during one parse, in this
  process. Precise, but blind to memory libxml2 allocates in C.
- ``peak_memory_mb`` (the one to quote): in a *fresh subprocess*, the peak resident set size
  (/proc VmHWM) after parsing the file minus the resident set (/proc VmRSS) just
  before parsing, after imports. It counts C allocations (libxml2) too, and the fresh process
  keeps earlier work in this one (building the package) out of the figure. Linux only.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime
from pathlib import Path

from documents.edxml.builder import write_document_package
from documents.edxml.parser import parse_package
from documents.edxml.types import (
    VN_TZ,
    Attachment,
    Code,
    DocumentPackage,
    DocumentType,
    MessageHeader,
    Organization,
    PromulgationInfo,
    SignerInfo,
    TraceHeader,
    TraceHeaderList,
    make_document_id,
)

__all__ = ["bench_parse", "bench_elements"]

MiB = 1024 * 1024
_PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Both child scripts: the resident set size of the child, read from /proc, before the parse.
_STATUS_KIB = r"""
def status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])

before = status_kib("VmRSS")
"""

_CHILD = r"""
import json, sys, time
from documents.edxml.parser import parse_package
""" + _STATUS_KIB + r"""started = time.perf_counter()
with parse_package(sys.argv[1], max_package_bytes=1 << 40, max_attachment_bytes=1 << 40) as pkg:
    sizes = [a.size for a in pkg.attachments]
elapsed = time.perf_counter() - started
# VmHWM, not ru_maxrss: ru_maxrss keeps the high-water mark of the parent process across
# fork/exec, so a child of a big process (manage.py) would report the parent's memory.
peak = status_kib("VmHWM")
print(json.dumps({"rss_before_kib": before, "peak_rss_kib": peak, "seconds": elapsed, "sizes": sizes}))
"""


def _random_file(directory: Path, name: str, size: int) -> Path:
    path = directory / name
    with open(path, "wb") as out:
        remaining = size
        while remaining:
            chunk = os.urandom(min(remaining, 4 * MiB))
            out.write(chunk)
            remaining -= len(chunk)
    return path


def _package(directory: Path, size_mb: float, files: list) -> DocumentPackage:
    # base64 adds a third: raw content of 3/4 of the target gives a package of about size_mb.
    raw = int(size_mb * MiB * 3 / 4)
    sizes = {"van-ban.pdf": raw * 6 // 10, "phu-luc-1.pdf": raw * 3 // 10}
    sizes["phu-luc-2.pdf"] = raw - sum(sizes.values()) - MiB // 2
    attachments = []
    for number, (name, size) in enumerate(sizes.items(), start=1):
        handle = open(_random_file(directory, name, size), "rb")  # noqa: SIM115 - closed by the caller
        files.append(handle)
        attachments.append(Attachment(content_id=f"cid:{number}", attachment_name=name,
                                      content_type="application/pdf", file=handle))
    # One zipped attachment (half a MiB of text) so the unzip path is measured too.
    attachments.append(Attachment.zipped(content_id="cid:zip", attachment_name="ghi-chu.txt",
                                         source=b"Ghi chu van ban. " * (MiB // 32)))
    sender = Organization(organ_id="000.00.00.H41", organ_name="UBND tỉnh Nghệ An")
    day = date(2025, 7, 15)
    return DocumentPackage(
        header=MessageHeader(
            from_=sender, to=[Organization(organ_id="000.00.00.G22", organ_name="Văn phòng Chính phủ")],
            document_id=make_document_id(sender.organ_id, day, "99", "UBND-VP"),
            code=Code(code_number="99", code_notation="UBND-VP"),
            promulgation_info=PromulgationInfo(place="Nghệ An", promulgation_date=day),
            document_type=DocumentType(type_name="Công văn"), subject="Benchmark package",
            signer_info=SignerInfo(full_name="Benchmark"),
        ),
        trace_header_list=TraceHeaderList(trace_headers=[
            TraceHeader(organ_id=sender.organ_id, timestamp=datetime(2025, 7, 15, 9, 0, tzinfo=VN_TZ))]),
        references=[a.reference() for a in attachments],
        attachments=attachments,
    )


def bench_parse(size_mb: float = 50) -> dict:
    """
    Build a package of about ``size_mb`` MB to a temporary file, parse it, and return
    ``{"package_mb", "build_mb_per_second", "parse_mb_per_second", "peak_memory_mb",
    "peak_python_alloc_mb", "build_peak_python_alloc_mb"}`` (MB = 2**20 bytes).
    """
    limits = {"max_package_bytes": 1 << 40, "max_attachment_bytes": 1 << 40}
    with tempfile.TemporaryDirectory(prefix="edxml-bench-") as tmp:
        directory = Path(tmp)
        files: list = []
        try:
            pkg = _package(directory, size_mb, files)
            target = directory / "package.edxml"
            started = time.perf_counter()
            write_document_package(pkg, target)
            build_seconds = time.perf_counter() - started
            # A second build under tracemalloc (which slows allocation-heavy code) for its peak.
            tracemalloc.start()
            write_document_package(pkg, directory / "again.edxml")
            build_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            (directory / "again.edxml").unlink()
            expected = [(a.size, a.sha256) for a in pkg.attachments]
        finally:
            for handle in files:
                handle.close()
        package_mb = target.stat().st_size / MiB

        started = time.perf_counter()
        with parse_package(target, **limits) as parsed:
            got = [(a.size, a.sha256) for a in parsed.attachments]
        parse_seconds = time.perf_counter() - started
        if got != expected:
            raise RuntimeError(f"the parsed attachments differ from the built ones: {got} != {expected}")

        tracemalloc.start()
        with parse_package(target, **limits):
            python_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

        child = subprocess.run([sys.executable, "-c", _CHILD, str(target)], cwd=_PROJECT_ROOT, check=True,
                               capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(_PROJECT_ROOT)})
        measured = json.loads(child.stdout)
        # Both in KiB (Linux): peak resident set during the parse minus the resident set just before it.
        rss_delta_mb = (measured["peak_rss_kib"] - measured["rss_before_kib"]) / 1024

    return {
        "package_mb": round(package_mb, 1),
        "build_mb_per_second": round(package_mb / build_seconds, 1),
        "parse_mb_per_second": round(package_mb / parse_seconds, 1),
        "peak_memory_mb": round(rss_delta_mb, 1),
        "child_parse_mb_per_second": round(package_mb / measured["seconds"], 1),
        "peak_python_alloc_mb": round(python_peak / MiB, 2),
        "build_peak_python_alloc_mb": round(build_peak / MiB, 2),
    }


_ELEMENTS_CHILD = r"""
import json, resource, sys, time
from documents.edxml import EdxmlError, parse_package
""" + _STATUS_KIB + r"""started = time.process_time()
outcome = {}
with open(sys.argv[1], "rb") as stream:
    try:
        with parse_package(stream, max_package_bytes=1 << 40, max_attachment_bytes=1 << 40) as pkg:
            outcome = {"result": "parsed", "attachments": len(pkg.attachments)}
    except EdxmlError as exc:
        outcome = {"result": exc.code, "message": exc.message}
    outcome["read_bytes"] = stream.tell()
cpu = time.process_time() - started
print(json.dumps({**outcome, "cpu_seconds": cpu, "rss_before_kib": before, "peak_rss_kib": status_kib("VmHWM")}))
"""


def _element_package(elements: int) -> bytes:
    to = b"<To><OrganId>000.00.00.H41</OrganId><OrganName>UBND tinh</OrganName></To>"
    return (b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader><MessageHeader>'
            + to * (elements // 3) + b"</MessageHeader></edXMLHeader></edXMLEnvelope></edXML>")


def _measure_in_child(path: Path) -> dict:
    child = subprocess.run([sys.executable, "-c", _ELEMENTS_CHILD, str(path)], cwd=_PROJECT_ROOT, check=True,
                           capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(_PROJECT_ROOT)})
    return json.loads(child.stdout)


def bench_elements(elements: int = 100_000) -> dict:
    """
    A package of ``elements`` elements (an envelope listing elements/3 addressees), parsed with
    the default limits in a fresh process: CPU seconds until the refusal, bytes read, peak RSS
    delta; and, as the reference measured in the same run, a real package at least as big (the
    benchmark package: random attachments) parsed completely. ``cpu_ratio`` = refusal / reference.
    """
    with tempfile.TemporaryDirectory(prefix="edxml-elements-") as tmp:
        directory = Path(tmp)
        flood = directory / "elements.edxml"
        flood.write_bytes(_element_package(elements))
        size = flood.stat().st_size
        files: list = []
        try:
            pkg = _package(directory, max(size / MiB, 8.0), files)  # at least 8 MB: the builder needs 7
            reference = directory / "reference.edxml"
            write_document_package(pkg, reference)
        finally:
            for handle in files:
                handle.close()
        refused = _measure_in_child(flood)
        parsed = _measure_in_child(reference)
        reference_mb = reference.stat().st_size / MiB
    return {
        "bench": "edxml_elements",
        "elements": elements,
        "package_mb": round(size / MiB, 2),
        "result": refused["result"],
        "message": refused.get("message", ""),
        "read_fraction": round(refused["read_bytes"] / size, 3),
        "refusal_cpu_seconds": round(refused["cpu_seconds"], 4),
        "refusal_peak_memory_mb": round((refused["peak_rss_kib"] - refused["rss_before_kib"]) / 1024, 1),
        "reference_package_mb": round(reference_mb, 2),
        "reference_cpu_seconds": round(parsed["cpu_seconds"], 4),
        "reference_peak_memory_mb": round((parsed["peak_rss_kib"] - parsed["rss_before_kib"]) / 1024, 1),
        "cpu_ratio": round(refused["cpu_seconds"] / max(parsed["cpu_seconds"], 1e-9), 3),
    }


if __name__ == "__main__":
    print(json.dumps(bench_parse(float(sys.argv[1]) if len(sys.argv) > 1 else 50), indent=2))
