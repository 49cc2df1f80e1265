"""Benchmark of the scoring hot paths, printed beside a trivial authenticated view.

    .venv/bin/python bench/bench_scoring.py [--runs 30]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nqs_bench .venv/bin/python bench/bench_scoring.py

Builds a throw-away test database (Django's test-database machinery: an in-memory SQLite by
default, "test_<name>" on PostgreSQL), so it never touches real data. Prints median and p95
times and the SQL query count of: a trivial authenticated view, the scoring page with all 84
elements scored and evidence attached, and one POST saving all 84 elements.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="nqs-bench-"))
(Path(os.environ["DATA_DIR"]) / "staticfiles").mkdir(parents=True, exist_ok=True)


def measure(label, fn, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm-up (template loading, caches)
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        queries = len(ctx)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"{label:<34} median {statistics.median(times):8.2f} ms   p95 {p95:8.2f} ms   queries {queries:3d}")
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    # No setup_test_environment(): its instrumented template rendering would skew the timings.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from accounts import roles
        from evaluation import services
        from evaluation.models import Scorecard
        from rubric.models import Element
        from tests import factories as f

        version = f.xian_rubric()
        district = f.district()
        inspector = f.user("bench_inspector", roles.INSPECTOR, name="测试专家")
        lead = f.user("bench_lead", roles.INSPECTOR, name="测试组长")
        round_obj = f.round_(version, name="基准测试批次")
        evaluation = f.evaluation(round_obj, f.school(district, name="基准测试小学"), lead=lead, inspectors=[inspector])
        card = Scorecard.objects.select_related("evaluation__round").get(evaluation=evaluation, inspector=inspector)
        elements = list(Element.objects.filter(version=version).order_by("order"))
        services.scores_save_many(
            scorecard=card, values={e.code: {"points": "0", "note": "基准", "version": 0} for e in elements}, by=inspector
        )
        for e in elements[:20]:
            services.evidence_add(
                scorecard=card, element=e, by=inspector,
                upload=SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%bench\n%%EOF\n", content_type="application/pdf"),
            )

        client = Client()
        client.force_login(inspector)
        page_url = reverse("evaluation:scorecard", args=[card.pk])
        save_url = reverse("evaluation:scorecard_save", args=[card.pk])
        trivial_url = reverse("accounts:home")
        state = {"flip": False, "versions": dict(card.scores.values_list("element__code", "version"))}

        def trivial():
            assert client.get(trivial_url).status_code == 302

        def page():
            assert client.get(page_url).status_code == 200

        def save_84():
            # Alternate between two valid values so every run really writes 84 rows and 84 history rows.
            state["flip"] = not state["flip"]
            versions = state["versions"]
            data = {}
            for e in elements:
                data[f"points_{e.code}"] = str(e.step if state["flip"] else 0)
                data[f"version_{e.code}"] = str(versions[e.code])
            response = client.post(save_url, data, HTTP_ACCEPT="application/json")
            assert response.status_code == 200, response.content[:300]
            saved = response.json()["saved"]
            assert len(saved) == 84
            # The next POST sends the versions this one returned, as the page's JavaScript does.
            state["versions"] = {code: row["version"] for code, row in saved.items()}

        print(f"database: {connection.vendor}   runs: {args.runs}   elements: {len(elements)}   evidence files: 20")
        base = measure("trivial authenticated view", trivial, args.runs)
        p = measure("scoring page (84 scored)", page, args.runs)
        s = measure("save all 84 in one POST", save_84, args.runs)
        print(f"scoring page = {p / base:.1f}× trivial view; 84-item save = {s / base:.1f}× trivial view")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
