"""Performance figures of the reports app (issue 4, "Performance" (a)–(f)).

    .venv/bin/python bench/bench_reports.py                      # SQLite file in a temp dir
    .venv/bin/python bench/bench_reports.py --only e             # only some figures (letters a–f)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nqs_bench .venv/bin/python bench/bench_reports.py

The database named by DATABASE_URL is (re)created from scratch: never point it at real data.
Prints every figure and its ratio against the target; exits 1 if a target is missed.
"""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone as dt_tz
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="reportsbench-", dir="/var/tmp" if os.path.isdir("/var/tmp") else None))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
(TMP / "staticfiles").mkdir()
os.environ.update(SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0", STATIC_MANIFEST="0")
os.environ.setdefault("DATA_DIR", str(TMP))
os.environ["TASK_BACKEND"] = "database"

SMALL, LARGE, INSPECTORS, EXPORT_SHEETS = 2000, 8000, 3, 40
ONLY = set("abcdef")
if "--only" in sys.argv:
    ONLY = set(sys.argv[sys.argv.index("--only") + 1].lower()) & set("abcdef")
results: list[tuple[str, bool]] = []


def _recreate_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    _recreate_postgres(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def best(fn, repeat=3):
    """Fastest of `repeat` runs (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def report(label: str, value: float, base: float, limit: float, unit="s"):
    ratio = value / base if base else math.inf
    ok = ratio <= limit
    results.append((label, ok))
    print(f"{label}: {value:.3f}{unit} vs {base:.3f}{unit} → ratio {ratio:.2f} (target ≤ {limit}) {'OK' if ok else 'MISSED'}",
          flush=True)


def insert_rows(table: str, columns: list[str], rows):
    """Bulk insert: COPY on PostgreSQL, executemany in one transaction on SQLite."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 20000:
                    cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)
                    batch = []
            if batch:
                cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)


def build_round(name, schools, version, elements, inspectors, admin):
    from django.db import transaction

    from evaluation.models import Evaluation, FinalScore, Round, Score, Scorecard

    rnd = Round.objects.create(name=name, year=2026, rubric_version=version)
    rng = random.Random(name)
    now = datetime.now(dt_tz.utc)
    with transaction.atomic():
        evs = Evaluation.objects.bulk_create(
            [Evaluation(round=rnd, school=s, status="finalized", finalized_at=now, finalized_by=admin) for s in schools],
            batch_size=2000)
        cards = Scorecard.objects.bulk_create(
            [Scorecard(evaluation=ev, inspector=insp, is_lead=(k == 0), status="submitted", submitted_at=now)
             for ev in evs for k, insp in enumerate(inspectors)], batch_size=5000)
        steps = [(el.id, el.step, int(el.points / el.step)) for el in elements]
        lead_points = {}

        def score_rows():
            for card in cards:
                for el_id, step, n in steps:
                    points = step * rng.randint(max(0, n - 2), n)
                    if card.is_lead:
                        lead_points[(card.evaluation_id, el_id)] = points
                    yield (card.id, el_id, points, "", 0, now, None)

        insert_rows(Score._meta.db_table,
                    ["scorecard_id", "element_id", "points", "note", "version", "updated_at", "updated_by_id"],
                    score_rows())
        insert_rows(FinalScore._meta.db_table,
                    ["evaluation_id", "element_id", "points", "note", "follows_default", "version", "updated_at",
                     "updated_by_id"],
                    ((ev_id, el_id, p, "", False, 0, now, None) for (ev_id, el_id), p in lead_points.items()))
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return rnd


def main():
    from accounts import roles
    from accounts.models import User
    from django.contrib.auth.models import Group
    from evaluation.models import FinalScore
    from reports import pdf as pdf_render
    from reports import xlsx as xlsx_render
    from reports.models import ExportJob
    from reports.selectors import evaluation_totals, round_totals
    from reports.services import export_job_create
    from rubric.models import RubricVersion
    from rubric.selectors import rubric_tree
    from schools.models import District, School

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})", flush=True)
    call_command("migrate", verbosity=0)
    version = RubricVersion.objects.get(code="xian-2020")
    tree = rubric_tree(version=version)
    elements = tree.elements
    admin = User.objects.create_user("bench_admin", password="x")
    admin.groups.add(Group.objects.get_or_create(name=roles.ADMIN)[0])
    inspectors = [User.objects.create_user(f"bench_insp{i}", password="x", name=f"专家{i}") for i in range(INSPECTORS)]
    districts = District.objects.bulk_create(
        [District(code=f"61{i:04d}", name=f"测试区{i}", kind="district", order=i) for i in range(10)])
    export_district = District.objects.create(code="619999", name="导出区", kind="district", order=99)
    locations = ["urban", "town", "rural"]
    schools = School.objects.bulk_create(
        [School(code=f"S{i:05d}", name=f"西安市测试第{i}学校", district=districts[i % 10], stage="primary",
                location=locations[i % 3]) for i in range(LARGE)], batch_size=2000)

    start = time.perf_counter()
    small = build_round("基准批次2000", schools[:SMALL], version, elements, inspectors, admin)
    large = build_round("基准批次8000", schools, version, elements, inspectors, admin) if ONLY & set("bc") else None
    rows = FinalScore.objects.count()
    print(f"generated {SMALL}+{LARGE} evaluations × {INSPECTORS} inspectors × {len(elements)} elements "
          f"({rows} final scores) in {time.perf_counter() - start:.1f}s", flush=True)

    # (a) ranking vs one bare GROUP BY over the same final-score rows
    if ONLY & set("ab"):
        fs, el = FinalScore._meta.db_table, "rubric_element"
        bare_sql = (f"SELECT fs.evaluation_id, ind.dimension_id, SUM(fs.points) FROM {fs} fs "
                    f"JOIN {el} e ON e.id = fs.element_id JOIN rubric_indicator ind ON ind.id = e.indicator_id "
                    f"JOIN evaluation_evaluation ev ON ev.id = fs.evaluation_id WHERE ev.round_id = %s "
                    f"GROUP BY fs.evaluation_id, ind.dimension_id")

        def bare(round_id):
            with connection.cursor() as cur:
                cur.execute(bare_sql, [round_id])
                return cur.fetchall()

        t_bare, _ = best(lambda: bare(small.pk))
        t_rank_small, ranked = best(lambda: round_totals(round=small, tree=tree))
        assert len(ranked) == SMALL
        report(f"(a) ranking of {SMALL} schools vs bare SQL GROUP BY", t_rank_small, t_bare, 2.0)

    # (b) scaling 2,000 → 8,000
    if "b" in ONLY:
        t_rank_large, ranked_large = best(lambda: round_totals(round=large, tree=tree))
        assert len(ranked_large) == LARGE
        report(f"(b) ranking of {LARGE} vs {SMALL} schools", t_rank_large, t_rank_small, 4.5)

    # (c) the ranking page's query count
    if "c" in ONLY:
        from tests.factories import otp_verified

        client = Client()
        client.force_login(admin)
        otp_verified(client, admin)  # an admin's session has passed the second factor
        counts = []
        for rnd in (small, large):
            client.get(f"/reports/?round={rnd.pk}")  # warm caches (session, groups)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(f"/reports/?round={rnd.pk}&include=1")
            assert response.status_code == 200, response.status_code
            counts.append(len(ctx.captured_queries))
        ok = counts[0] == counts[1]
        results.append(("(c) query count", ok))
        print(f"(c) ranking page SQL queries: {counts[0]} at {SMALL} schools, {counts[1]} at {LARGE} → "
              f"ratio {counts[1] / counts[0]:.2f} (target: constant = 1.00) {'OK' if ok else 'MISSED'}", flush=True)

    # (d) one PDF score sheet vs WeasyPrint rendering a bare 84-row table of the same texts
    if "d" in ONLY:
        from weasyprint import HTML
        from django.utils.html import escape

        ev = small.evaluations.order_by("id").first()
        totals = evaluation_totals(evaluation=ev, tree=tree)
        bare_html = ("<html><head><meta charset='utf-8'><style>@page{size:A4}html{font-family:'WenQuanYi Micro Hei';"
                     "font-size:9pt}table{width:100%;table-layout:fixed;border-collapse:collapse}"
                     "td{border:1px solid #000}</style></head><body><table>" + "".join(
                         f"<tr><td>{escape(line.dimension.code + ' ' + line.dimension.name)}</td>"
                         f"<td>{escape(line.indicator.code + ' ' + line.indicator.text)}</td>"
                         f"<td>{escape(line.element.code + ' ' + line.element.text)}</td><td>{line.element.points}</td>"
                         f"<td>{escape(line.dimension.methods)}</td><td>{line.points}</td></tr>" for line in totals.lines)
                     + "</table></body></html>")
        HTML(string=bare_html).write_pdf()  # warm up fonts
        t_pdf_bare, _ = best(lambda: HTML(string=bare_html).write_pdf())
        t_pdf, _ = best(lambda: pdf_render.scoresheet_pdf(evaluation_totals(evaluation=ev, tree=tree)))
        report("(d) PDF score sheet vs bare 84-row WeasyPrint table", t_pdf, t_pdf_bare, 1.5)

    # (e) district workbook for 2,000 schools vs an openpyxl write-only baseline of the same cells
    if "e" in ONLY:
        from openpyxl import Workbook
        import io

        start = time.perf_counter()
        detail_rows = round_totals(round=small, tree=tree, with_elements=True)
        t_fetch = time.perf_counter() - start
        names = {}
        codes = [d.code for d in tree.dimensions]

        def baseline():
            wb = Workbook(write_only=True)
            ws = wb.create_sheet("汇总")
            for r in detail_rows:
                ws.append([r.rank, r.school.code, r.school.name, r.school.district.name, "小学", "城区", "已定稿",
                           *[r.dimensions[c] for c in codes], r.total, ""])
            for r in detail_rows:
                ws = wb.create_sheet(f"{r.rank}-{r.school.code}"[:28])
                ws.append(["标题"])
                ws.append(["学校"])
                ws.append(["一级指标", "二级指标", "评估要素", "标准分", "评估方法", "得分"])
                for dim in tree.dimensions:
                    for ind in dim.indicators:
                        for e in ind.elements:
                            ws.append([dim.name, ind.text, e.text, e.points, dim.methods, r.element_points.get(e.id)])
                    ws.append([dim.code, None, None, dim.points, None, r.dimensions[dim.code]])
                ws.append(["总分", None, None, tree.points, None, r.total])
            out = io.BytesIO()
            wb.save(out)
            return out.getvalue()

        def xlsxwriter_baseline():
            # The same cells, unstyled, in XlsxWriter's constant-memory mode (issue 17's yardstick).
            import xlsxwriter

            out = io.BytesIO()
            wb = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False})
            ws = wb.add_worksheet("汇总")
            for i, r in enumerate(detail_rows):
                ws.write_row(i, 0, [r.rank, r.school.code, r.school.name, r.school.district.name, "小学", "城区",
                                    "已定稿", *[r.dimensions[c] for c in codes], r.total, ""])
            for r in detail_rows:
                ws = wb.add_worksheet(f"{r.rank}-{r.school.code}"[:28])
                rows = [["标题"], ["学校"], ["一级指标", "二级指标", "评估要素", "标准分", "评估方法", "得分"]]
                for dim in tree.dimensions:
                    for ind in dim.indicators:
                        for e in ind.elements:
                            rows.append([dim.name, ind.text, e.text, e.points, dim.methods, r.element_points.get(e.id)])
                    rows.append([dim.code, None, None, dim.points, None, r.dimensions[dim.code]])
                rows.append(["总分", None, None, tree.points, None, r.total])
                for i, row in enumerate(rows):
                    ws.write_row(i, 0, row)
            wb.close()
            return out.getvalue()

        t_xlsx_base, _ = best(baseline, repeat=1)
        t_xw_base, _ = best(xlsxwriter_baseline, repeat=1)
        t_xlsx, data = best(lambda: xlsx_render.district_workbook_xlsx(
            rows=detail_rows, tree=tree, round_obj=small, title="基准", inspectors=names), repeat=1)
        print(f"    (district workbook: {len(data) / 1e6:.1f} MB; fetching the detail rows took {t_fetch:.2f}s)")
        print(f"    district workbook {t_xlsx:.2f}s; XlsxWriter constant-memory, same cells unstyled: {t_xw_base:.2f}s "
              f"(ratio {t_xlsx / t_xw_base:.2f}; issue 17 asks for at most 1.2)")
        report(f"(e) district workbook of {SMALL} schools vs openpyxl write-only baseline", t_xlsx, t_xlsx_base, 2.0)

    # (f) batch export of 40 score sheets: two db_worker processes vs one
    if "f" in ONLY:
        export_schools = School.objects.bulk_create(
            [School(code=f"X{i:03d}", name=f"导出测试第{i}学校", district=export_district, stage="primary",
                    location="urban") for i in range(EXPORT_SHEETS)])
        export_round = build_round("导出批次", export_schools, version, elements, inspectors, admin)
        worker = [sys.executable, str(ROOT / "manage.py"), "db_worker", "--batch", "--no-startup-delay", "--no-reload"]
        timings = {}
        for workers in (1, 2):
            job = export_job_create(round=export_round, user=admin, district=export_district)
            start = time.perf_counter()
            procs = [subprocess.Popen(worker, cwd=ROOT, env=os.environ.copy()) for _ in range(workers)]
            for p in procs:
                p.wait()
            timings[workers] = time.perf_counter() - start
            job.refresh_from_db()
            assert job.status == ExportJob.Status.DONE and job.done == EXPORT_SHEETS, (job.status, job.done)
            print(f"    export with {workers} worker(s): {timings[workers]:.1f}s, {job.done}/{job.total} sheets, "
                  f"failures: {len(job.failures)}", flush=True)
        report(f"(f) export of {EXPORT_SHEETS} score sheets with 2 workers vs 1", timings[2], timings[1], 0.6)

    missed = [label for label, ok in results if not ok]
    print("ALL TARGETS MET" if not missed else f"MISSED: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    import shutil

    try:
        code = main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(code)
