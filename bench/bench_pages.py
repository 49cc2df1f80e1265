"""The main pages at a city's size (issue 17, item 6): render time and query count of each, beside a
trivial page's, on one seed_demo round, in one run.

    .venv/bin/python bench/bench_pages.py [--schools 2000] [--repeat 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nqs_pagesbench .venv/bin/python bench/bench_pages.py

Uses a temporary SQLite file unless DATABASE_URL is set; a PostgreSQL database named there is
(re)created from scratch: never point it at real data. Each page is requested once to warm up, then
--repeat times; the median time is printed with the queries of one request.
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
TMP = Path(tempfile.mkdtemp(prefix="pagesbench-", dir="/var/tmp" if os.path.isdir("/var/tmp") else None))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
(TMP / "staticfiles").mkdir()
os.environ.update(SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0", STATIC_MANIFEST="0")
os.environ.setdefault("DATA_DIR", str(TMP))


def _recreate_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        _recreate_postgres(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from audit.models import AuditEvent
    from evaluation import demo
    from evaluation.models import Evaluation, Score
    from tests.factories import otp_verified

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", "--schools", str(args.schools), stdout=open(os.devnull, "w"))
    seeded = time.perf_counter() - started
    round_obj = demo.demo_round()
    print(f"seed_demo --schools {args.schools}: {seeded:.1f} s, {round_obj.evaluations.count()} evaluations, "
          f"{Score.objects.count()} scores ({connection.vendor})")

    # An audit log as long as the round: one event per evaluation.
    admin = User.objects.get(username="admin")
    AuditEvent.objects.bulk_create([
        AuditEvent(event="export.xlsx", user=admin, username=admin.username, object_type="evaluation.evaluation",
                   object_id=str(pk), object_repr=f"评估 {pk}", detail={"kind": "scoresheet"})
        for pk in round_obj.evaluations.values_list("pk", flat=True)
    ])

    finalized = Evaluation.objects.filter(round=round_obj, status=Evaluation.Status.FINALIZED).order_by(
        "school__code").select_related("school__district").first()
    district = finalized.school.district
    inspector = finalized.scorecards.order_by("-is_lead").first().inspector
    assign = reverse("evaluation:panel_assign", args=[round_obj.pk])
    pages = [
        ("trivial page (/healthz)", "admin", "/healthz"),
        ("round detail", "admin", reverse("evaluation:round_detail", args=[round_obj.pk])),
        ("round detail, last page", "admin", reverse("evaluation:round_detail", args=[round_obj.pk]) + "?page=last"),
        ("panel assignment", "admin", assign),
        ("panel assignment, filtered", "admin", assign + f"?district={district.pk}&stage=primary&q=%E5%AD%A6"),
        ("ranking (finalized)", "shijyj", reverse("reports:ranking") + f"?round={round_obj.pk}"),
        ("ranking incl. in progress", "shijyj", reverse("reports:ranking") + f"?round={round_obj.pk}&include=on"),
        ("ranking incl. in progress, page 10", "shijyj",
         reverse("reports:ranking") + f"?round={round_obj.pk}&include=on&page=10"),
        ("API ranking (JSON, first page)", "shijyj", reverse("api:round-ranking", args=[round_obj.pk])),
        ("API ranking incl. in progress, page 10", "shijyj",
         reverse("api:round-ranking", args=[round_obj.pk]) + "?include=on&page=10"),
        ("dashboard", "shijyj", reverse("reports:dashboard") + f"?round={round_obj.pk}"),
        ("school report", "shijyj", reverse("reports:school_report", args=[finalized.pk])),
        (f"inspector home ({inspector.scorecards.count()} scorecards)", inspector.username,
         reverse("evaluation:inspector_home")),
        ("audit log", "shenji", reverse("audit:event_list")),
        ("school list", "admin", reverse("schools:school_list")),
        ("school list, filtered", "admin", reverse("schools:school_list") + "?stage=primary&q=%E5%8C%BA"),
    ]
    clients = {}
    print(f"{'page':<44}{'median ms':>10}{'×trivial':>10}{'queries':>9}")
    trivial_ms = None
    for label, username, url in pages:
        if username not in clients:
            user = User.objects.get(username=username)
            clients[username] = Client()
            clients[username].force_login(user)
            otp_verified(clients[username], user)  # the admin roles pass the second factor
        client = clients[username]
        client.get(url)  # warm up
        connection.queries_log.clear()  # a full log (9,000 entries) would capture nothing
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (label, url, response.status_code)
        count = len(queries.captured_queries)  # now: the next request clears the connection's log
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        ms = statistics.median(times)
        trivial_ms = trivial_ms or ms
        print(f"{label:<44}{ms:>10.1f}{ms / trivial_ms:>10.1f}{count:>9}")


if __name__ == "__main__":
    main()
