"""
Benchmark of the incoming list (the inbox) at province scale.

Builds — or reuses — a PostgreSQL database with one unit holding ``--records`` incoming
documents among ``--dispatches`` dispatches (every dispatch delivered, so as many incoming
records), then times the inbox view in-process with Django's test Client: the server time of
``GET /incoming/`` (URL resolving, middleware, session, the queries and the template; no
network). Prints JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/egov_bench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/egov_bench python manage.py bench_inbox --json

The data is written with ``INSERT … SELECT generate_series`` (no ORM row by row); a second run
finds it and only measures. Use a database of its own: the command refuses SQLite.
"""
from __future__ import annotations

import re
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from units.choices import Role, UnitKind
from units.models import Membership, Unit
from egov.core.text import search_key

BENCH_UNIT_CODE = "000.99.99.H98"
BENCH_USER = "bench.inbox"
SENDERS = 40
POOL = 500
PER_DOCUMENT = 10
SUBJECTS = [
    "Quyết định về việc kiện toàn Ban Chỉ đạo chuyển đổi số",
    "Công văn về việc báo cáo kết quả thực hiện nhiệm vụ quý",
    "Kế hoạch triển khai công tác cải cách hành chính năm",
    "Thông báo kết luận của Chủ tịch Ủy ban nhân dân tỉnh",
    "Giấy mời dự hội nghị sơ kết công tác phòng chống thiên tai",
    "Hướng dẫn thực hiện chế độ chính sách đối với cán bộ",
    "Báo cáo tình hình kinh tế xã hội tháng",
    "Tờ trình đề nghị phê duyệt dự toán kinh phí",
    "Chỉ thị về tăng cường công tác bảo đảm an toàn giao thông",
    "Công điện về việc ứng phó với bão số",
]


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _sql_array(cursor, values) -> str:
    return cursor.mogrify("%s", [list(values)]).decode()


def _insert_select(cursor, model, exprs: dict[str, str], source: str) -> None:
    """INSERT INTO <model> (every column) SELECT <expr or the field's default> <source>."""
    cols, out = [], []
    for f in model._meta.concrete_fields:
        if isinstance(f, models.AutoField):
            continue
        cols.append(connection.ops.quote_name(f.column))
        if f.column in exprs:
            out.append(exprs[f.column])
        elif f.has_default():
            value = f.get_db_prep_save(f.get_default(), connection)
            out.append(cursor.mogrify("%s", [value]).decode())
        elif f.null:
            out.append("NULL")
        elif isinstance(f, (models.CharField, models.TextField)):
            out.append("''")
        else:
            raise CommandError(f"bench_inbox: no value for {model.__name__}.{f.name}")
    cursor.execute(f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) SELECT {', '.join(out)} {source}")


def _replayable(captured: list[dict]) -> list[str]:
    """
    The SQL one request ran, as sent (psycopg2 binds client-side: ``captured`` holds the exact
    text). The page only reads; anything else would change the data the next request sees.
    """
    sqls = [q["sql"] for q in captured]
    for sql in sqls:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            raise CommandError(f"the inbox page wrote to the database: {sql[:200]}")
    return sqls


def _run_raw(sqls: list[str]) -> float:
    """
    The reference: the same statements on the same connection with the driver's own cursor (no
    Django wrapper, no model instances), every row fetched; milliseconds for the whole page.
    """
    raw = connection.connection  # opened by the request just made
    t0 = time.perf_counter()
    with raw.cursor() as cur:
        for sql in sqls:
            cur.execute(sql)
            cur.fetchall()
    return (time.perf_counter() - t0) * 1000


class Command(BaseCommand):
    help = "Build (or reuse) 100,000 incoming records for one unit among 2,000,000 dispatches and time the inbox."

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=100_000, help="incoming records of the measured unit")
        parser.add_argument("--dispatches", type=int, default=2_000_000, help="dispatches in the whole database")
        parser.add_argument("--iterations", type=int, default=200, help="requests per scenario")
        parser.add_argument("--json", action="store_true", help="print only the JSON result")

    def log(self, msg):
        if not self.quiet:
            self.stderr.write(msg)

    def handle(self, *args, records, dispatches, iterations, json: bool = False, **opts):
        self.quiet = json
        if connection.vendor != "postgresql":
            raise CommandError("bench_inbox needs PostgreSQL: set DATABASE_URL to a database of its own "
                               "(e.g. postgres://postgres@127.0.0.1:5432/egov_bench) and run migrate first.")
        if dispatches < records * 2:
            raise CommandError("--dispatches must be at least twice --records")
        from documents.models import IncomingRecord

        unit, user = self.ensure_units()
        have = IncomingRecord.objects.filter(unit=unit).count()
        build_seconds = 0.0
        if have < records:
            t0 = time.perf_counter()
            self.build(unit, records=records, dispatches=dispatches)
            build_seconds = time.perf_counter() - t0
        with override_settings(DEBUG=False):  # as in production: no query log, no template debug info
            result = self.measure(unit, user, iterations)
        from documents.models import Dispatch
        result.update({
            "unit_records": IncomingRecord.objects.filter(unit=unit).count(),
            "total_dispatches": Dispatch.objects.count(),
            "total_incoming": IncomingRecord.objects.count(),
            "built_now": build_seconds > 0, "build_seconds": round(build_seconds, 1),
            "iterations": iterations,
            "measured": "server time of GET /incoming/ in-process, DEBUG off (django.test.Client: URL, middleware, session, "
                        "queries, template), wall clock per request; raw_sql_ms: the statements that request ran "
                        "(session, user, memberships, rows, counters), replayed right after it with the driver's "
                        "cursor on the same connection, rows fetched; view_over_sql: view p50 / raw SQL p50 "
                        "(overall: the four scenarios' p50s summed)",
        })
        self.stdout.write(__import__("json").dumps(result, indent=None if json else 2))

    # --- data ---------------------------------------------------------------------------
    def ensure_units(self):
        from django.contrib.auth import get_user_model

        from units.services import unit_create

        unit = Unit.objects.filter(code=BENCH_UNIT_CODE).first()
        if unit is None:
            self.log("creating bench units")
            root = unit_create(code="000.00.00.H98", name="Ủy ban nhân dân tỉnh Đo Lường", short_name="UBND",
                               kind=UnitKind.PROVINCE_COMMITTEE)
            for i in range(SENDERS):
                unit_create(code=f"000.00.{i + 1:02d}.H98", name=f"Sở Đo Lường {i + 1}", short_name=f"SDL{i + 1}",
                            kind=UnitKind.DEPARTMENT, parent=root)
            for i in range(POOL):
                unit_create(code=f"000.{i // 99 + 1:02d}.{i % 99 + 1:02d}.H98", name=f"Ủy ban nhân dân xã Đo {i + 1}",
                            short_name="UBND", kind=UnitKind.COMMUNE_COMMITTEE, parent=root)
            unit = unit_create(code=BENCH_UNIT_CODE, name="Văn phòng Ủy ban nhân dân tỉnh Đo Lường",
                               short_name="VP", kind=UnitKind.DEPARTMENT, parent=root)
        user, _created = get_user_model().objects.get_or_create(username=BENCH_USER, defaults={"first_name": "Bench"})
        Membership.objects.get_or_create(user=user, unit=unit, role=Role.CLERK)
        return unit, user

    def build(self, unit: Unit, *, records: int, dispatches: int) -> None:
        from documents.models import Dispatch, Document, IncomingRecord

        senders = list(Unit.objects.filter(code__regex=r"^000\.00\.[0-9]{2}\.H98$").exclude(code="000.00.00.H98")
                       .order_by("code").values_list("pk", flat=True))
        pool = list(Unit.objects.filter(code__endswith=".H98", kind=UnitKind.COMMUNE_COMMITTEE)
                    .order_by("code").values_list("pk", flat=True))[:POOL]
        n_docs = dispatches // PER_DOCUMENT
        every = dispatches // records  # every n-th dispatch goes to the measured unit
        with transaction.atomic(), connection.cursor() as cur:
            self.log(f"inserting {n_docs:,} documents")
            doc_first = (Document.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1
            subj, keys = _sql_array(cur, SUBJECTS), _sql_array(cur, [search_key(s) for s in SUBJECTS])
            _insert_select(cur, Document, {
                "owner_unit_id": f"({_sql_array(cur, senders)}::bigint[])[1 + (g % {len(senders)})]",
                "status": "'issued'", "number": "g", "notation": "'CV-BENCH'",
                "subject": f"({subj}::text[])[1 + (g % {len(SUBJECTS)})] || ' số ' || g",
                "search_text": f"({keys}::text[])[1 + (g % {len(SUBJECTS)})] || ' so ' || g",
                "urgency": "CASE WHEN g % 17 = 0 THEN 1 ELSE 0 END",
                "created_at": f"now() - ((({n_docs} - g) * 15) || ' seconds')::interval",
                "updated_at": "now()", "issued_at": "now()", "sent_at": "now()",
                "issued_on": "current_date",
            }, f"FROM generate_series({doc_first}, {doc_first + n_docs - 1}) g")
            cur.execute(f"SELECT min(id), max(id) FROM {Document._meta.db_table} WHERE notation = 'CV-BENCH' "
                        f"AND number >= {doc_first}")
            first_id, _last = cur.fetchone()
            self.log(f"inserting {dispatches:,} dispatches")
            d_first = (Dispatch.objects.aggregate(m=models.Max("pk"))["m"] or 0)
            pool_arr = _sql_array(cur, pool)
            _insert_select(cur, Dispatch, {
                "document_id": f"{first_id} + (g - 1) / {PER_DOCUMENT}",
                "recipient_id": f"CASE WHEN g % {every} = 0 THEN {unit.pk} ELSE "
                                f"({pool_arr}::bigint[])[1 + ((g % {PER_DOCUMENT}) * {POOL // PER_DOCUMENT} "
                                f"+ ((g - 1) / {PER_DOCUMENT}) % {POOL // PER_DOCUMENT})] END",
                "sender_id": f"({_sql_array(cur, senders)}::bigint[])[1 + (((g - 1) / {PER_DOCUMENT} + {doc_first}) "
                             f"% {len(senders)})]",
                "state": "'delivered'", "consignment_id": "gen_random_uuid()",
                "status_code": "'01'", "created_at": "now()", "delivered_at": "now()",
            }, f"FROM generate_series(1, {dispatches}) g")
            self.log(f"inserting {dispatches:,} incoming records")
            statuses = "(ARRAY['arrived','accepted','assigned','in_progress','done','done','done','rejected'])"
            _insert_select(cur, IncomingRecord, {
                "dispatch_id": "d.id", "unit_id": "d.recipient_id", "document_id": "d.document_id",
                "sender_id": "d.sender_id", "status": f"{statuses}[1 + d.id % 8]", "urgency": "doc.urgency",
                "arrived_at": "doc.created_at + ((d.id % 60) || ' seconds')::interval",
                "accepted_at": "CASE WHEN d.id % 8 BETWEEN 1 AND 6 THEN doc.created_at + interval '2 hours' END",
                "deadline": "CASE WHEN d.id % 5 = 0 THEN (doc.created_at + interval '10 days')::date END",
                "search_text": "doc.search_text", "progress": "0",
            }, f"FROM {Dispatch._meta.db_table} d JOIN {Document._meta.db_table} doc ON doc.id = d.document_id "
               f"WHERE d.id > {d_first}")
        self.log("analyze")
        with connection.cursor() as cur:
            for model in (Document, Dispatch, IncomingRecord):
                cur.execute(f"ANALYZE {model._meta.db_table}")

    # --- measurement ----------------------------------------------------------------------
    def measure(self, unit, user, iterations: int) -> dict:
        from django.urls import reverse

        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        url = reverse("documents:incoming_list")
        first = client.get(url)
        if first.status_code != 200:
            raise CommandError(f"GET {url} answered {first.status_code}")
        found = re.search(r'rel="next" href="\?after=([0-9.]+)"', first.content.decode())
        if not found:
            raise CommandError("the first page has no next page: is the bench data there?")
        cursor = found.group(1)
        scenarios = {
            "first_page": [{}],
            "deep_page": [{"after": cursor}],
            "filtered": [{"status": "accepted"}, {"urgent": "true"}, {"overdue": "true"},
                         {"status": "done", "sender_q": "so do luong 7"},
                         {"arrived_after": "2000-01-01", "status": "assigned"}],
            "search": [{"q": "quyet dinh kien toan"}, {"q": "Báo cáo tình hình"}, {"q": "so 123457"},
                       {"q": "cong dien bao"}],
        }
        out, view_p50, sql_p50 = {}, [], []
        for name, variants in scenarios.items():
            plans = []
            for v in variants:  # warm-up, and the page's own SQL for the reference
                client.get(url, v)
                with CaptureQueriesContext(connection) as ctx:
                    client.get(url, v)
                plans.append(_replayable(ctx.captured_queries))
            times, sql_times, queries = [], [], set()
            for i in range(iterations):
                params = variants[i % len(variants)]
                with CaptureQueriesContext(connection) as ctx:
                    t0 = time.perf_counter()
                    response = client.get(url, params)
                    times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
                queries.add(len(ctx.captured_queries))
                sql_times.append(_run_raw(plans[i % len(variants)]))
            out[f"{name}_p50_ms"] = round(statistics.median(times), 2)
            out[f"{name}_p95_ms"] = round(_percentile(times, 0.95), 2)
            out[f"{name}_queries"] = sorted(queries)
            out[f"{name}_raw_sql_ms"] = round(statistics.median(sql_times), 2)
            out[f"{name}_raw_sql_p95_ms"] = round(_percentile(sql_times, 0.95), 2)
            out[f"{name}_view_over_sql"] = round(statistics.median(times) / max(statistics.median(sql_times), 1e-6), 2)
            view_p50.append(statistics.median(times))
            sql_p50.append(statistics.median(sql_times))
        # Overall: the four scenarios' medians summed, view over SQL.
        out["view_ms"] = round(sum(view_p50), 2)
        out["raw_sql_ms"] = round(sum(sql_p50), 2)
        out["view_over_sql"] = round(sum(view_p50) / max(sum(sql_p50), 1e-6), 2)
        return out
