"""
Benchmark of the records app (``manage.py bench_records --json``), on PostgreSQL:

- export of one file holding ``--documents`` (200) documents to one PDF (index page + the
  documents' PDFs): seconds and peak MB (tracemalloc), as a ratio against merging the same PDFs
  with pypdf and no index (the reference, same run);
- packaging of ``--files`` (1,000) closed files as E-ARK AIPs (build + the portal's own check,
  no storage): files per second, as a ratio against zipping the same PDF bytes alone;
- file-suggestion latency with ``--filed`` (100,000) documents filed in the unit: median and
  p95 of ``file_suggest`` for a person with 50 open files, against a plain read of that
  person's open files (the reference).

The services commit their own (durable) transactions, so the run writes its data: use a
database of its own (``DATABASE_URL=…/egov_bench``). Each run makes a fresh unit and users.
"""
from __future__ import annotations

import io
import statistics
import time
import tracemalloc
import zipfile

from django.db import connection
from django.utils import timezone

from egov.devtools.pki import make_pdf


def _pct(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run(*, documents: int = 200, files: int = 1000, filed: int = 100_000, pages: int = 2, log=print) -> dict:
    if connection.vendor != "postgresql":
        raise RuntimeError("bench_records needs PostgreSQL (DATABASE_URL)")
    return _measure(documents=documents, files=files, filed=filed, pages=pages, log=log)


def _measure(*, documents, files, filed, pages, log) -> dict:
    from django.contrib.auth import get_user_model
    from pypdf import PdfWriter

    from documents.services import attachment_add, document_create, document_issue
    from records.choices import FileState
    from records.exports import file_pdf, main_pdf_bytes
    from records.models import CaseFile, FileItem
    from records.packages import package_verify
    from records.selectors import file_suggest
    from records.services import file_open, plan_approve, plan_create, plan_entry_save
    from records.services.packaging import package_build_for
    from units.choices import Role, UnitKind
    from units.models import Membership, Unit
    from units.services import unit_create

    User = get_user_model()
    run_id = Unit.objects.filter(code__endswith=".98.98.H97").count() + 100
    if run_id > 999:
        raise RuntimeError("bench_records: too many runs in this database; use a fresh one")
    unit = unit_create(code=f"{run_id:03d}.98.98.H97", name="Sở Thử nghiệm lưu trữ", short_name="STN",
                       kind=UnitKind.DEPARTMENT)
    clerk = User.objects.create(username=f"bench.records.clerk.{run_id}")
    keeper = User.objects.create(username=f"bench.records.keeper.{run_id}")
    leader = User.objects.create(username=f"bench.records.leader.{run_id}")
    for user, role in ((clerk, Role.CLERK), (keeper, Role.SPECIALIST), (leader, Role.LEADER)):
        Membership.objects.create(user=user, unit=unit, role=role)
    plan = plan_create(unit=unit, year=2026, acting_user=clerk)
    entry = plan_entry_save(plan=plan, acting_user=clerk, heading="I", number="01", notation="TCCB",
                            title="Hồ sơ thử nghiệm", person_in_charge=keeper)
    plan_approve(plan=plan, acting_user=leader)

    t0 = time.perf_counter()
    docs = []
    for i in range(documents):
        d = document_create(owner_unit=unit, acting_user=clerk, subject=f"Văn bản thử nghiệm số {i + 1}",
                            doc_type="CV", notation_suffix="TCCB", signer_name="A", signer_position="B")
        attachment_add(document=d, acting_user=clerk, upload=make_pdf(pages=pages, text=f"bench document {i}"),
                       name="v.pdf")
        docs.append(document_issue(document=d, acting_user=clerk))  # today: another date needs a permission
    log(f"{documents} documents in {time.perf_counter() - t0:.1f} s")

    big = file_open(entry=entry, acting_user=keeper, title="Hồ sơ 200 văn bản")
    FileItem.objects.bulk_create([FileItem(case_file=big, document=d, ordinal=i + 1, added_by=keeper)
                                  for i, d in enumerate(docs)])
    # export: the portal's whole-file PDF vs a plain merge of the same PDFs
    blobs = [main_pdf_bytes(d) for d in docs]
    tracemalloc.start()
    t = time.perf_counter()
    w = PdfWriter()
    for b in blobs:
        w.append(io.BytesIO(b))
    w.write(io.BytesIO())
    ref_s = time.perf_counter() - t
    ref_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    t = time.perf_counter()
    data, page_count = file_pdf(big)
    export_s = time.perf_counter() - t
    export_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    log(f"export: {export_s:.2f} s, {page_count} pages")

    # packaging: 1,000 closed files of 2 documents each
    now = timezone.now()
    closed = CaseFile.objects.bulk_create([
        CaseFile(entry=entry, unit=unit, year=2026, code=f"01.TCCB/{i + 2}", title=f"Hồ sơ {i}", retention="06",
                 use_regime="01", person_in_charge=keeper, state=FileState.CLOSED, closed_at=now)
        for i in range(files)])
    FileItem.objects.bulk_create([FileItem(case_file=f, document=docs[(2 * i + k) % len(docs)], ordinal=k + 1)
                                  for i, f in enumerate(closed) for k in range(2)], batch_size=5000)
    sample = closed[: min(50, files)]
    t = time.perf_counter()
    for f in sample:
        z = io.BytesIO()
        with zipfile.ZipFile(z, "w") as zf:
            for k, it in enumerate(f.items.select_related("document")):
                zf.writestr(f"{k}.pdf", main_pdf_bytes(it.document))
    ref_pack = len(sample) / (time.perf_counter() - t)
    t = time.perf_counter()
    for f in closed:
        _pid, zdata, manifest = package_build_for(f, "AIP")
        package_verify(zdata, manifest=manifest)
    pack_s = time.perf_counter() - t
    log(f"packaging: {files} files in {pack_s:.1f} s")

    # suggestion latency with ``filed`` documents filed in the unit
    have = FileItem.objects.filter(case_file__unit=unit).count()
    per_file = len(docs)
    needed = max(0, filed - have)
    n_files = (needed + per_file - 1) // per_file
    extra = CaseFile.objects.bulk_create([
        CaseFile(entry=entry, unit=unit, year=2026, code=f"01.TCCB/x{i}", title=f"Hồ sơ lớn {i}", retention="06",
                 use_regime="01", person_in_charge=keeper if i < 50 else leader,
                 state=FileState.OPEN if i < 50 else FileState.CLOSED, closed_at=None if i < 50 else now)
        for i in range(n_files)])
    rows, left = [], needed
    for f in extra:
        take = min(per_file, left)
        rows.extend(FileItem(case_file=f, document=docs[k], ordinal=k + 1) for k in range(take))
        left -= take
        if len(rows) >= 20000:
            FileItem.objects.bulk_create(rows, batch_size=5000)
            rows = []
    FileItem.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as c:
        c.execute("ANALYZE records_fileitem; ANALYZE records_casefile")
    total_filed = FileItem.objects.filter(case_file__unit=unit).count()
    probe = docs[7]
    ref_lat, lat = [], []
    for _ in range(30):
        t = time.perf_counter()
        list(CaseFile.objects.filter(person_in_charge=keeper, unit=unit, state=FileState.OPEN).order_by(
            "-opened_at")[:3])
        ref_lat.append(time.perf_counter() - t)
        t = time.perf_counter()
        file_suggest(user=keeper, document=probe)
        lat.append(time.perf_counter() - t)
    mb = 1024 * 1024
    return {
        "export_200": {"documents": documents, "pages": page_count, "seconds": round(export_s, 3),
                       "peak_mb": round(export_peak / mb, 1), "reference_merge_seconds": round(ref_s, 3),
                       "reference_peak_mb": round(ref_peak / mb, 1),
                       "ratio_to_reference": round(export_s / ref_s, 2) if ref_s else None,
                       "pdf_mb": round(len(data) / mb, 2)},
        "packaging": {"files": files, "documents_per_file": 2, "seconds": round(pack_s, 2),
                      "files_per_second": round(files / pack_s, 1),
                      "reference_zip_files_per_second": round(ref_pack, 1),
                      "ratio_to_reference": round((files / pack_s) / ref_pack, 3)},
        "suggestion": {"filed_documents": total_filed, "open_files_of_person": 50,
                       "median_ms": round(statistics.median(lat) * 1000, 2), "p95_ms": round(_pct(lat, 0.95) * 1000, 2),
                       "reference_median_ms": round(statistics.median(ref_lat) * 1000, 2),
                       "ratio_to_reference": round(statistics.median(lat) / statistics.median(ref_lat), 2)},
    }
