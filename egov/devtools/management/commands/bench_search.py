"""
Benchmark of the content search (issue 14) at province scale.

Reuses — or builds, through ``bench_inbox`` — the database of one unit with 100,000 incoming
records among 2,000,000 (every document has a text of its own here: its subject words, common
filler and, for documents with some subjects, the words "thuy loi cong trinh"). It then fills
the search index with ``INSERT … SELECT`` (unit-scoped tokens built in SQL exactly as
``documents.services.search`` builds them in Python), rebuilds the GIN index once, and times:

- ``absent``: words common in other units (hundreds of thousands of entries) but absent from
  the measured unit — the case where the trigram plan of the inbox scanned the whole unit;
- ``common``: words found in a fifth of the unit's 100,000 entries;
- ``rare``: a number found once;
- ``content``: words of the body text only.

Each scenario: ``search_entries`` + the first page of 25 + the count (what the page runs), and
the full page ``GET /search/`` in-process. The reference measured in the same run is the
inbox's trigram plan (``search_text LIKE``) for the absent words. Prints JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/egov_bench python manage.py bench_search --json
"""
from __future__ import annotations

import json as jsonlib
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client

from .bench_inbox import BENCH_UNIT_CODE, BENCH_USER, Command as InboxCommand, _percentile

BODY = ("uy ban nhan dan tinh de nghi cac co quan don vi trien khai thuc hien nghiem tuc bao cao ket qua "
        "ve van phong truoc ngay quy dinh de tong hop")
ABSENT_BODY = " thuy loi cong trinh ho chua"  # only in documents of subjects the measured unit never receives


def _prefixed(expr: str, unit_expr: str) -> str:
    """SQL for the unit-scoped tokens of an ASCII, lower-case text (documents.services.search.search_tokens)."""
    return f"regexp_replace({expr}, '([a-z0-9]+)', 'u' || {unit_expr} || 'x\\1', 'g')"


class Command(BaseCommand):
    help = "Time the content search at 100,000 records for the unit in a 2,000,000-record database."

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=100_000)
        parser.add_argument("--dispatches", type=int, default=2_000_000)
        parser.add_argument("--iterations", type=int, default=60)
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--rebuild-index", action="store_true",
                            help="rebuild the search index even if it is there (e.g. after a storage migration)")

    def log(self, msg):
        if not self.quiet:
            self.stderr.write(msg)

    def handle(self, *args, records, dispatches, iterations, json=False, rebuild_index=False, **opts):
        self.quiet = json
        if connection.vendor != "postgresql":
            raise CommandError("bench_search needs PostgreSQL (a database of its own).")
        from documents.models import IncomingRecord, SearchEntry

        inbox = InboxCommand()
        inbox.quiet = json
        inbox.stderr = self.stderr
        unit, user = inbox.ensure_units()
        built = {"inbox_data_seconds": 0.0, "index_seconds": 0.0}
        if IncomingRecord.objects.filter(unit=unit).count() < records:
            t0 = time.perf_counter()
            inbox.build(unit, records=records, dispatches=dispatches)
            built["inbox_data_seconds"] = round(time.perf_counter() - t0, 1)
        if rebuild_index or SearchEntry.objects.count() < IncomingRecord.objects.count():
            t0 = time.perf_counter()
            self.build_index()
            built["index_seconds"] = round(time.perf_counter() - t0, 1)
        result = self.measure(unit, user, iterations)
        result.update({
            "unit_entries": SearchEntry.objects.filter(unit=unit).count(),
            **self.table_sizes(),
            "total_entries": SearchEntry.objects.count(),
            "total_incoming": IncomingRecord.objects.count(),
            **built, "iterations": iterations,
            "measured": "search_entries + first page (25) + count, in-process; page = GET /search/ with "
                        "django.test.Client; reference = the inbox trigram plan (search_text LIKE) for the absent words",
        })
        self.stdout.write(jsonlib.dumps(result, indent=None if json else 2))

    def build_index(self) -> None:
        from documents.models import Document, IncomingRecord, SearchEntry

        se, rec, doc = SearchEntry._meta.db_table, IncomingRecord._meta.db_table, Document._meta.db_table
        body = (f"'{BODY} ma' || (d.id % 997) || CASE WHEN (d.number % 10) % 2 = 1 THEN '{ABSENT_BODY}' "
                f"ELSE '' END")
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cur.execute("SET LOCAL synchronous_commit = off")
            cur.execute(f"TRUNCATE {se}")  # no dead rows left behind by a rebuild
            cur.execute("DROP INDEX IF EXISTS documents_searchentry_tsv")
            self.log("search entries of the incoming records")
            cur.execute(f"""
                INSERT INTO {se} (unit_id, document_id, incoming_id, at, indexed_at, meta_tsv, tsv)
                SELECT r.unit_id, r.document_id, r.id, r.arrived_at, now(), x.meta,
                       setweight(x.meta, 'A') || to_tsvector('simple', {_prefixed(body, 'r.unit_id')})
                FROM {rec} r JOIN {doc} d ON d.id = r.document_id
                CROSS JOIN LATERAL (SELECT to_tsvector('simple', {_prefixed('d.search_text', 'r.unit_id')}) AS meta) x
            """)
            self.log("search entries of the outgoing documents")
            cur.execute(f"""
                INSERT INTO {se} (unit_id, document_id, incoming_id, at, indexed_at, meta_tsv, tsv)
                SELECT d.owner_unit_id, d.id, NULL, d.created_at, now(), x.meta,
                       setweight(x.meta, 'A') || to_tsvector('simple', {_prefixed(body, 'd.owner_unit_id')})
                FROM {doc} d
                CROSS JOIN LATERAL (SELECT to_tsvector('simple', {_prefixed('d.search_text', 'd.owner_unit_id')})
                                    AS meta) x
            """)
        # After the commit: the inserts' deferred foreign-key checks must have run before an index is built.
        self.log("GIN index")
        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '512MB'")
            cur.execute(f"CREATE INDEX documents_searchentry_tsv ON {se} USING gin (tsv)")
            cur.execute("RESET maintenance_work_mem")
            cur.execute(f"ANALYZE {se}")

    def table_sizes(self) -> dict:
        """The search table's heap and out-of-line (TOAST) sizes, in MB."""
        with connection.cursor() as cur:
            cur.execute("SELECT pg_relation_size('documents_searchentry'), "
                        "coalesce(pg_total_relation_size(reltoastrelid), 0), "
                        "pg_relation_size('documents_searchentry_tsv') FROM pg_class "
                        "WHERE relname = 'documents_searchentry'")
            heap, toast, gin = cur.fetchone()
        return {"search_heap_mb": round(heap / 2**20), "search_toast_mb": round(toast / 2**20),
                "search_gin_mb": round(gin / 2**20)}

    def measure(self, unit, user, iterations: int) -> dict:
        from django.core.paginator import Paginator
        from django.urls import reverse

        from documents.models import IncomingRecord
        from documents.services.search import SearchParams, search_entries

        one = (IncomingRecord.objects.filter(unit=unit).order_by("-arrived_at").select_related("document")
               .values_list("document__number", flat=True)[1000])
        scenarios = {
            "absent": ["thuy loi cong trinh", "huong dan thuc hien che do", "cong dien bao"],
            "common": ["quyet dinh kien toan", "bao cao tinh hinh", "ke hoach trien khai"],
            "rare": [f"so {one}"],
            "content": ["trien khai nghiem tuc", "tong hop van phong"],
        }
        out: dict = {}
        matches: dict = {}
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        url = reverse("documents:search")
        for name, terms in scenarios.items():
            for t in terms:  # warm-up, and the number of matches
                qs = search_entries(user=user, unit=unit, params=SearchParams(q=t, ordering="newest"))
                matches[t] = qs.count()  # by date: every match (relevance keeps the newest window)
                client.get(url, {"q": t})
            times, page_times = [], []
            for i in range(iterations):
                t = terms[i % len(terms)]
                t0 = time.perf_counter()
                p = Paginator(search_entries(user=user, unit=unit, params=SearchParams(q=t)), 25).get_page(1)
                list(p.object_list)
                p.paginator.count  # noqa: B018 - the count the page shows
                times.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                response = client.get(url, {"q": t})
                page_times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
            out[f"{name}_p50_ms"] = round(statistics.median(times), 2)
            out[f"{name}_p95_ms"] = round(_percentile(times, 0.95), 2)
            out[f"{name}_page_p50_ms"] = round(statistics.median(page_times), 2)
            out[f"{name}_page_p95_ms"] = round(_percentile(page_times, 0.95), 2)
        # the reference: the inbox's trigram plan for the absent words, in the same database and run
        ref = []
        for i in range(iterations):
            t = scenarios["absent"][i % len(scenarios["absent"])]
            qs = IncomingRecord.objects.filter(unit=unit)
            for w in t.split():
                qs = qs.filter(search_text__contains=w)
            t0 = time.perf_counter()
            list(qs.order_by("-arrived_at", "-id").values_list("pk", flat=True)[:26])
            ref.append((time.perf_counter() - t0) * 1000)
        out["reference_trigram_absent_p50_ms"] = round(statistics.median(ref), 2)
        out["reference_trigram_absent_p95_ms"] = round(_percentile(ref, 0.95), 2)
        out["absent_vs_trigram_p95_ratio"] = round(out["absent_p95_ms"] / max(out["reference_trigram_absent_p95_ms"],
                                                                              1e-6), 3)
        for name in scenarios:
            out[f"{name}_vs_trigram_p50_ratio"] = round(out[f"{name}_p50_ms"]
                                                        / max(out["reference_trigram_absent_p50_ms"], 1e-6), 3)
        out["absent_vs_rare_p95_ratio"] = round(out["absent_p95_ms"] / max(out["rare_p95_ms"], 1e-6), 3)
        # how common the absent words are elsewhere: entries of the other units that have them
        elsewhere = {}
        with connection.cursor() as cur:
            for t in scenarios["absent"]:
                words = t.split()
                if t.startswith("thuy loi"):
                    cur.execute("SELECT count(*) FROM documents_incomingrecord r JOIN documents_document d "
                                "ON d.id = r.document_id WHERE r.unit_id <> %s AND (d.number %% 10) %% 2 = 1",
                                [unit.pk])
                else:
                    cur.execute("SELECT count(*) FROM documents_incomingrecord WHERE unit_id <> %s AND "
                                + " AND ".join(["search_text LIKE %s"] * len(words)),
                                [unit.pk, *[f"%{w}%" for w in words]])
                elsewhere[t] = cur.fetchone()[0]
        out["matches_in_unit"] = matches
        out["absent_terms_entries_elsewhere"] = elsewhere
        return out
