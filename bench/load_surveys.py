#!/usr/bin/env python
"""Load bench for the public 满意度问卷 page (issue 16).

Runs the app under gunicorn against its own PostgreSQL database on loopback, creates one campaign with N
single-use codes (through the services, as the school would), and lets N simulated phones answer within
--duration seconds (bounded asyncio + httpx, loopback only, stops by itself): each phone GETs its page (CSRF
cookie), POSTs the answers; a share replays the same POST afterwards and a share fires two POSTs at the same
moment. Beside them a trivial page (/survey/thanks/) is fetched under the same load.

Prints throughput and p50/p95 of the answer POST beside the trivial page, then checks the database:
every accepted answer stored exactly once (responses = accepted = spent codes), every replay refused (409).

    .venv/bin/python bench/load_surveys.py                   # 500 phones, 60 s, 4 workers
    .venv/bin/python bench/load_surveys.py --phones 200 --duration 20

Exit status: 0 when there was no 5xx, no transport error, no replay accepted and the counts agree; 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_scoring import HOST, bench_env, fresh_database, manage, pct, start_gunicorn  # noqa: E402

SEED = r"""
import json, sys
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from accounts import roles
from django.contrib.auth.models import Group
from evaluation.models import Evaluation, Round
from rubric.models import RubricVersion
from schools.models import District, School
from surveys import services

n = int(sys.argv[1])
version = RubricVersion.objects.get(code="xian-2020")
district = District.objects.order_by("code").first()
rnd = Round.objects.create(name="问卷压测批次", year=2026, rubric_version=version)
school = School.objects.create(code="BENCHSURVEY", name="问卷压测学校", district=district, stage="primary", location="urban")
Evaluation.objects.create(round=rnd, school=school)
admin = User.objects.create(username="bench_admin", name="压测管理员", is_superuser=True)
qs = {q.group: q for q in services.questionnaire_defaults_install(rubric_version=version)}
now = timezone.now()
campaign = services.campaign_create(round=rnd, school=school, opens_at=now - timedelta(hours=1),
                                    closes_at=now + timedelta(days=1), questionnaires={"parent": qs["parent"]}, by=admin)
group = campaign.groups.get()
codes = services.codes_generate(group=group, count=n, base_url="http://127.0.0.1", by=admin).plain_codes
items = [{"id": i.pk, "kind": i.kind} for i in group.questionnaire.items.all()]
print("SEED" + json.dumps({"codes": codes, "items": items, "group": group.pk}))
"""

VERIFY = r"""
import json
from surveys.models import Answer, Response, ResponseCode
print("COUNTS" + json.dumps({"responses": Response.objects.count(), "answers": Answer.objects.count(),
                             "spent": ResponseCode.objects.filter(used_at__isnull=False).count()}))
"""


@dataclass
class Stats:
    post_ms: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    requests: int = 0
    status_5xx: int = 0
    transport_errors: int = 0
    accepted: int = 0
    replays: int = 0
    replays_refused: int = 0
    replays_accepted: int = 0
    other: dict = field(default_factory=dict)


def answers(items: list[dict], rng: random.Random) -> dict:
    data = {}
    for item in items:
        if item["kind"] == "open":
            data[f"item_{item['id']}"] = rng.choice(["", "很好", "=1+1 <script>alert(1)</script>"])
        elif item["kind"] == "yes_no":
            data[f"item_{item['id']}"] = rng.choice(["0", "1"])
        else:
            data[f"item_{item['id']}"] = str(rng.randint(1, 5))
    return data


async def phone(base: str, code: str, items: list[dict], start_at: float, mode: str, stats: Stats,
                rng: random.Random) -> None:
    import httpx

    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    async with httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False) as client:
        try:
            stats.requests += 1
            page = await client.get(f"/survey/{code}/")
            if page.status_code >= 500:
                stats.status_5xx += 1
                return
            token = client.cookies.get("csrftoken") or ""
            data = {**answers(items, rng), "csrfmiddlewaretoken": token}

            async def post():
                t0 = time.perf_counter()
                stats.requests += 1
                r = await client.post(f"/survey/{code}/", data=data)
                return r, (time.perf_counter() - t0) * 1000

            if mode == "simultaneous":  # two posts at the same moment: exactly one may be accepted
                results = await asyncio.gather(post(), post())
            else:
                results = [await post()]
                if mode == "replay":
                    results.append(await post())
            n_ok = 0
            for r, ms in results:
                if r.status_code >= 500:
                    stats.status_5xx += 1
                elif r.status_code == 302:
                    n_ok += 1
                    stats.post_ms.append(ms)
                elif r.status_code == 409:
                    stats.replays_refused += 1
                else:
                    stats.other[r.status_code] = stats.other.get(r.status_code, 0) + 1
            stats.accepted += min(n_ok, 1)
            stats.replays_accepted += max(0, n_ok - 1)
            if mode != "once":
                stats.replays += 1
            # a trivial page under the same load
            t0 = time.perf_counter()
            stats.requests += 1
            r = await client.get("/survey/thanks/")
            stats.page_ms.append((time.perf_counter() - t0) * 1000)
            if r.status_code >= 500:
                stats.status_5xx += 1
        except httpx.TransportError:
            stats.transport_errors += 1


async def drive(base: str, seed: dict, duration: float, replay_share: float, stats: Stats) -> None:
    rng = random.Random(20261207)
    t0 = time.monotonic()
    tasks = []
    for code in seed["codes"]:
        roll = rng.random()
        mode = "once" if roll >= replay_share else ("replay" if roll < replay_share / 2 else "simultaneous")
        tasks.append(phone(base, code, seed["items"], t0 + rng.uniform(0, duration), mode, stats,
                           random.Random(rng.random())))
    await asyncio.gather(*tasks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--duration", type=float, default=60, help="the phones start within this many seconds")
    parser.add_argument("--replay-share", type=float, default=0.2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=0, help="0: a free loopback port")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--db-name", default="nqs_bench_surveys")
    args = parser.parse_args()
    # every phone comes from 127.0.0.1 here: the per-address limit would measure itself, not the page
    env = bench_env(args, "nqs-bench-surveys-",
                    SURVEY_RATE_PER_ADDRESS="1000000", SURVEY_RATE_PER_CAMPAIGN="1000000")
    data_dir = env["DATA_DIR"]
    seed = fresh_database(env, args.pg, args.db_name, SEED, str(args.phones))
    print(f"seeded one campaign with {len(seed['codes'])} codes; data in {data_dir}")
    proc = start_gunicorn(env, args.port, args.workers)
    stats = Stats()
    started = time.monotonic()
    try:
        asyncio.run(drive(f"http://{HOST}:{args.port}", seed, args.duration, args.replay_share, stats))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    wall = time.monotonic() - started
    counts = json.loads(next(ln for ln in manage(env, "shell", "-c", VERIFY).splitlines()
                             if ln.startswith("COUNTS"))[6:])
    print(f"\n== {len(seed['codes'])} phones, {args.workers} gunicorn workers, {wall:.0f} s")
    print(f"   requests          {stats.requests}  ({stats.requests / wall:.1f}/s)")
    print(f"   answers accepted  {stats.accepted}  ({stats.accepted / wall:.1f}/s)")
    print(f"   answer POST       p50 {pct(stats.post_ms, 50):.0f} ms   p95 {pct(stats.post_ms, 95):.0f} ms")
    print(f"   trivial page      p50 {pct(stats.page_ms, 50):.0f} ms   p95 {pct(stats.page_ms, 95):.0f} ms")
    print(f"   replays           {stats.replays} phones; refused {stats.replays_refused}, accepted {stats.replays_accepted}")
    print(f"   5xx {stats.status_5xx}   transport errors {stats.transport_errors}   other statuses {stats.other}")
    print(f"   database          responses {counts['responses']}, spent codes {counts['spent']}")
    ok = (stats.status_5xx == 0 and stats.transport_errors == 0 and stats.replays_accepted == 0 and not stats.other
          and counts["responses"] == counts["spent"] == stats.accepted == len(seed["codes"])
          and stats.replays_refused == stats.replays)
    print("   OK" if ok else "   FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
