"""
Big packages are built and parsed in bounded memory. 8 MB here to keep the suite fast; the
50 MB figures come from ``python -m egov.devtools.edxml_bench`` (docs/edxml.md).
"""
import hashlib
import os
import tracemalloc

from documents.edxml import Attachment, build_document_package, parse_package, write_document_package
from egov.devtools.edxml_bench import bench_parse

from .samples import document

MiB = 1024 * 1024


def test_eight_megabyte_package_streams_in_a_fraction_of_its_size(tmp_path):
    content = os.urandom(6 * MiB)
    source = tmp_path / "scan.pdf"
    source.write_bytes(content)
    pkg = document()
    with open(source, "rb") as handle:
        big = Attachment(content_id="cid:scan.pdf", attachment_name="scan.pdf", content_type="application/pdf",
                         file=handle)
        pkg.attachments.append(big)
        pkg.references.append(big.reference())
        target = tmp_path / "package.edxml"
        tracemalloc.start()
        write_document_package(pkg, target)
        build_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    package_size = target.stat().st_size
    assert package_size > 8 * MiB
    assert build_peak < package_size / 3

    tracemalloc.start()
    with parse_package(target) as parsed:
        parse_peak = tracemalloc.get_traced_memory()[1]
        scan = parsed.attachments[-1]
        assert scan.data is None and scan.file is not None  # spooled to disk, not held in memory
        assert scan.size == len(content) and scan.sha256 == hashlib.sha256(content).hexdigest()
        with scan.open() as stream:
            assert stream.read(4096) == content[:4096]
    tracemalloc.stop()
    assert parse_peak < package_size / 4


def test_zipped_attachment_from_a_file_round_trips(tmp_path):
    source = tmp_path / "report.txt"
    source.write_bytes(b"Bao cao tong hop. " * 600_000)  # ~10 MiB of text, zips to little
    with open(source, "rb") as handle:
        zipped = Attachment.zipped(content_id="cid:report.zip", attachment_name="report.txt", source=handle)
    pkg = document(with_attachments=False)
    pkg.attachments, pkg.references = [zipped], [zipped.reference()]
    with parse_package(build_document_package(pkg)) as parsed:
        assert parsed == pkg
        [member] = parsed.attachments[0].zip_members
        assert member.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    zipped.close()


def test_benchmark_reports_its_figures():
    figures = bench_parse(size_mb=8)
    assert set(figures) >= {"package_mb", "parse_mb_per_second", "peak_memory_mb", "build_mb_per_second"}
    assert 7 <= figures["package_mb"] <= 9
    assert figures["parse_mb_per_second"] > 0 and figures["build_mb_per_second"] > 0
    assert figures["peak_python_alloc_mb"] < figures["package_mb"] / 2
