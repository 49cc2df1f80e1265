#!/usr/bin/env python
"""Load and fault bench for score saving (issue 6, item 7).

Runs the app under gunicorn against its own PostgreSQL database on loopback, seeds N schools
and 40 inspector accounts, and lets 40 simulated inspectors save scores concurrently (bounded
asyncio + httpx, loopback only, stops by itself). Prints requests, 5xx, p50/p95 of the save
beside p50/p95 of a trivial authenticated page, then checks that the database holds exactly the
last acknowledged value of every item.

    .venv/bin/python bench/load_scoring.py                  # normal run, then the SIGKILL run
    .venv/bin/python bench/load_scoring.py --only normal --duration 20
    .venv/bin/python bench/load_scoring.py --only kill      # one worker SIGKILLed mid-run

Contract of the save endpoint (evaluation app): POST /evaluation/scorecards/<pk>/save/ with
points_C<n>, note_C<n>, version_C<n>, `Accept: application/json`, X-CSRFToken; answers
{"saved": {"C1": {"points": "1.50", "version": 3}}, "conflicts": {...}} (409 on a stale version).

Exit status: 0 when no acknowledged write was lost (and, in the normal run, no 5xx); 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = str(BASE_DIR / ".venv" / "bin" / "python")
GUNICORN = str(BASE_DIR / ".venv" / "bin" / "gunicorn")
PASSWORD = "Bench-load-2026!"
HOST = "127.0.0.1"  # loopback only, by design

SEED = r"""
import json, sys
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from accounts.models import User
from evaluation.models import Evaluation, Round, Scorecard
from rubric.models import Element, RubricVersion
from schools.models import District, School

n_schools, n_inspectors, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
version = RubricVersion.objects.get(code="xian-2020")
district = District.objects.order_by("code").first()
rnd = Round.objects.create(name="压力测试批次", year=2026, rubric_version=version)
schools = School.objects.bulk_create([
    School(code=f"BENCH{i:04d}", name=f"压测学校{i}", district=district, stage="primary", location="urban")
    for i in range(n_schools)
])
evals = Evaluation.objects.bulk_create([Evaluation(round=rnd, school=s) for s in schools])
hashed = make_password(password)  # one hash for all: PBKDF2 costs ~1 s each
users = User.objects.bulk_create([
    User(username=f"insp{i:02d}", name=f"专家{i}", password=hashed) for i in range(n_inspectors)
])
group = Group.objects.get(name="督导专家")
group.user_set.add(*users)
cards = []
for i, user in enumerate(users):
    ev = evals[i % len(evals)]
    cards.append(Scorecard(evaluation=ev, inspector=user, is_lead=(i < len(evals))))
cards = Scorecard.objects.bulk_create(cards)
elements = [
    {"code": e.code, "allowed": [str(v) for v in e.allowed_scores()]}
    for e in Element.objects.filter(version=version).order_by("order")
]
print("SEED" + json.dumps({
    "cards": [{"username": u.username, "card": c.pk} for u, c in zip(users, cards)],
    "elements": elements,
}))
"""

VERIFY = r"""
import json
from evaluation.models import Score
rows = Score.objects.filter(scorecard__evaluation__round__name="压力测试批次").select_related("element")
print("ROWS" + json.dumps([[s.scorecard_id, s.element.code, None if s.points is None else f"{s.points:.2f}", s.version] for s in rows]))
"""


@dataclass
class Stats:
    save_ms: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    requests: int = 0
    status_5xx: int = 0
    conflicts: int = 0
    other_errors: int = 0
    transport_errors: int = 0


@dataclass
class Item:
    acked_points: str | None = None
    acked_version: int = 0
    # Sent after the last acknowledgement but never answered (worker killed): may or may not be in the DB.
    unacked: list[tuple[str, int]] = field(default_factory=list)


def pct(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def manage(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, input=stdin, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def fresh_database(env: dict, db_url_base: str, db_name: str, seed_script: str, *seed_args: str) -> dict:
    """Drop and create `db_name` (loopback only), migrate it, run `seed_script` inside Django with
    `seed_args` and return the JSON it prints on its line starting with SEED."""
    import psycopg

    with psycopg.connect(f"{db_url_base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    manage(env, "migrate", "-v0")
    script = Path(env["DATA_DIR"]) / "seed.py"
    script.write_text(seed_script)
    out = subprocess.run(
        [PYTHON, "-c", "import django, runpy, sys; django.setup(); sys.argv = ['seed'] + sys.argv[1:]; "
         f"runpy.run_path({str(script)!r})", *seed_args],
        cwd=BASE_DIR, env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"}, capture_output=True, text=True, timeout=600,
    )
    if out.returncode != 0:
        sys.exit(f"seeding failed:\n{out.stderr[-3000:]}")
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("SEED"))
    return json.loads(line[4:])


def prepare_database(env: dict, db_url_base: str, db_name: str, schools: int, inspectors: int) -> dict:
    return fresh_database(env, db_url_base, db_name, SEED, str(schools), str(inspectors), PASSWORD)


def bench_env(args, prefix: str, **extra: str) -> dict:
    """The app's environment for a bench run (a free loopback port is put in `args.port` when it is 0):
    PostgreSQL on loopback only, a fresh data directory, production settings over plain HTTP."""
    if not args.port:
        import socket

        with socket.socket() as sock:
            sock.bind((HOST, 0))
            args.port = sock.getsockname()[1]
    if not args.pg.split("@")[-1].startswith(("127.", "localhost", "[::1]")):
        sys.exit("the bench only talks to PostgreSQL on loopback")
    data_dir = tempfile.mkdtemp(prefix=prefix)
    Path(data_dir, "staticfiles").mkdir()
    return {
        **os.environ, "DATABASE_URL": f"{args.pg}/{args.db_name}", "DATA_DIR": data_dir, "DEBUG": "0",
        "SECRET_KEY": "bench-" + os.urandom(16).hex(), "ALLOWED_HOSTS": HOST, "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0", "STATIC_MANIFEST": "0", "CONN_MAX_AGE": "60",
        **extra,
    }


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    log = open(Path(env["DATA_DIR"]) / "gunicorn.log", "w")
    proc = subprocess.Popen(
        [GUNICORN, "config.wsgi:application", "-b", f"{HOST}:{port}", "-w", str(workers), "--timeout", "60",
         "--graceful-timeout", "5"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:  # it died (port taken?): never measure somebody else's server
            sys.exit("gunicorn exited at start; see gunicorn.log in " + env["DATA_DIR"])
        try:
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    sys.exit("gunicorn did not become healthy; see gunicorn.log in " + env["DATA_DIR"])


def worker_pids(master: int) -> list[int]:
    # Children of *our* gunicorn master only (by parent pid), never matched by name.
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def socket_count(pid: int) -> int:
    """Open sockets of one worker: a worker serving a request holds one more than an idle one."""
    try:
        return sum(1 for fd in os.scandir(f"/proc/{pid}/fd") if os.readlink(fd.path).startswith("socket:"))
    except OSError:
        return 0


async def login(base: str, username: str, stats: Stats):
    """A logged-in client (session and CSRF cookies), or None after five failed tries."""
    import httpx

    client = httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False)
    last = None
    for _attempt in range(5):
        try:
            await client.get("/login/")
            r = await client.post("/login/", data={
                "username": username, "password": PASSWORD, "csrfmiddlewaretoken": client.cookies.get("csrftoken"),
            })
            if r.status_code == 302:
                return client
            last = f"HTTP {r.status_code}"
        except httpx.TransportError as exc:
            last = repr(exc)
        await asyncio.sleep(0.5)
    print(f"   login of {username} failed: {last}", file=sys.stderr)
    stats.other_errors += 1
    await client.aclose()
    return None


async def inspector(client, card: int, elements: list[dict], deadline: float, stats: Stats,
                    items: dict, rng: random.Random, think: tuple[float, float] | None = None) -> None:
    import httpx

    mine = rng.sample(elements, k=min(8, len(elements)))  # few items, so each is overwritten often
    n = 0
    try:
        while time.monotonic() < deadline:
            n += 1
            if think:  # an inspector's pace: a save every `think` seconds (issue 17: every 2–5 s)
                await asyncio.sleep(rng.uniform(*think))
                if time.monotonic() >= deadline:
                    break
            if n % 4 == 0:  # a trivial authenticated page under the same load
                t0 = time.perf_counter()
                stats.requests += 1
                try:
                    r = await client.get("/password/")
                except httpx.TransportError:
                    stats.transport_errors += 1
                    continue
                stats.page_ms.append((time.perf_counter() - t0) * 1000)
                if r.status_code >= 500:
                    stats.status_5xx += 1
                continue
            el = rng.choice(mine)
            code = el["code"]
            item = items.setdefault((card, code), Item())
            points = rng.choice(el["allowed"])
            data = {f"points_{code}": points, f"note_{code}": f"压测 {n}", f"version_{code}": str(item.acked_version)}
            headers = {"Accept": "application/json", "X-CSRFToken": client.cookies.get("csrftoken") or ""}
            t0 = time.perf_counter()
            stats.requests += 1
            try:
                r = await client.post(f"/evaluation/scorecards/{card}/save/", data=data, headers=headers)
            except httpx.TransportError:
                # No answer (e.g. the worker was killed): the write may or may not have committed.
                stats.transport_errors += 1
                item.unacked.append((points, item.acked_version + 1))
                continue
            elapsed = (time.perf_counter() - t0) * 1000
            if r.status_code >= 500:
                stats.status_5xx += 1
                item.unacked.append((points, item.acked_version + 1))
                continue
            try:
                payload = r.json()
            except ValueError:
                stats.other_errors += 1
                continue
            if r.status_code == 200 and code in payload.get("saved", {}):
                saved = payload["saved"][code]
                item.acked_points, item.acked_version, item.unacked = saved["points"], int(saved["version"]), []
                stats.save_ms.append(elapsed)
            elif r.status_code == 409 and code in payload.get("conflicts", {}):
                # Our version was stale (an unanswered save did commit): the server's row is the truth.
                row = payload["conflicts"][code]
                stats.conflicts += 1
                item.acked_points, item.acked_version, item.unacked = row["points"], int(row["version"]), []
            else:
                stats.other_errors += 1
    finally:
        await client.aclose()


async def drive(base: str, seed: dict, duration: float, stats: Stats, items: dict, kill_master: int | None,
                think: tuple[float, float] | None = None) -> dict:
    # Log everyone in first: 40 PBKDF2 checks would otherwise eat the measured window.
    clients = await asyncio.gather(*(login(base, c["username"], stats) for c in seed["cards"]))
    rng = random.Random(20261125)
    deadline = time.monotonic() + duration
    tasks = [
        asyncio.create_task(inspector(client, c["card"], seed["elements"], deadline, stats, items,
                                      random.Random(rng.random()), think))
        for client, c in zip(clients, seed["cards"]) if client is not None
    ]
    killed = {}
    if kill_master:
        await asyncio.sleep(duration / 2)
        victim, busy = None, False
        for _ in range(200):  # up to ~2 s: prefer a worker caught holding a client connection
            pids = worker_pids(kill_master)
            counts = {pid: socket_count(pid) for pid in pids}
            if counts:
                victim = max(counts, key=counts.get)
                busy = counts[victim] > min(counts.values())
                if busy:
                    break
            await asyncio.sleep(0.01)
        if victim:
            os.kill(victim, signal.SIGKILL)
            killed = {"pid": victim, "at_s": round(duration / 2, 1), "workers_before": len(pids), "busy": busy}
    await asyncio.gather(*tasks)
    return killed


def verify(env: dict, items: dict) -> tuple[int, int, int, list]:
    out = manage(env, "shell", "-c", VERIFY)
    line = next(ln for ln in out.splitlines() if ln.startswith("ROWS"))
    db = {(card, code): (points, version) for card, code, points, version in json.loads(line[4:])}
    exact = in_flight = 0
    lost = []
    for key, item in items.items():
        if item.acked_points is None and not item.unacked:
            continue
        got = db.get(key)
        if got == (item.acked_points, item.acked_version) or (item.acked_points is None and got is None):
            exact += 1
        elif got and any(got == (p, v) for p, v in item.unacked):
            in_flight += 1  # a save whose answer was lost did commit: newer than the last ack, not a loss
        else:
            lost.append((key, item.acked_points, item.acked_version, got))
    return exact, in_flight, len(lost), lost[:5]


def run(mode: str, args, env: dict, seed: dict) -> bool:
    proc = start_gunicorn(env, args.port, args.workers)
    stats, items = Stats(), {}
    try:
        killed = asyncio.run(drive(f"http://{HOST}:{args.port}", seed, args.duration, stats, items,
                                   proc.pid if mode == "kill" else None, think=args.think))
        wall = args.duration
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    exact, in_flight, lost, examples = verify(env, items)
    print(f"\n== run: {mode} ({len(seed['cards'])} inspectors, {args.workers} gunicorn workers, {wall:.0f} s)")
    if killed:
        state = "while serving a request" if killed["busy"] else "(no worker caught mid-request)"
        print(f"   SIGKILL worker pid {killed['pid']} at t={killed['at_s']} s {state} (of {killed['workers_before']} workers)")
    print(f"   requests          {stats.requests}  ({stats.requests / wall:.0f}/s)")
    print(f"   5xx               {stats.status_5xx}")
    print(f"   transport errors  {stats.transport_errors}   conflicts(409) {stats.conflicts}   other {stats.other_errors}")
    print(f"   save  p50/p95/p99 {pct(stats.save_ms, 50):.1f} / {pct(stats.save_ms, 95):.1f} / "
          f"{pct(stats.save_ms, 99):.1f} ms   (n={len(stats.save_ms)}, {len(stats.save_ms) / wall:.1f} saves/s)")
    print(f"   page  p50/p95/p99 {pct(stats.page_ms, 50):.1f} / {pct(stats.page_ms, 95):.1f} / "
          f"{pct(stats.page_ms, 99):.1f} ms   (n={len(stats.page_ms)}, GET /password/)")
    print(f"   save p95 / page p95  {pct(stats.save_ms, 95) / pct(stats.page_ms, 95):.2f}  (target ≤ 3)")
    print(f"   items checked     {exact + in_flight + lost}: exact last ack {exact}, "
          f"newer unanswered save committed {in_flight}, LOST {lost}")
    for example in examples:
        print(f"   lost: {example}")
    ok = lost == 0 and len(stats.save_ms) > 0
    if mode == "normal":
        ok = ok and stats.status_5xx == 0 and stats.transport_errors == 0
    print(f"   result            {'OK' if ok else 'FAIL'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--inspectors", type=int, default=40)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=0, help="0: a free loopback port")
    parser.add_argument("--only", choices=["normal", "kill"])
    parser.add_argument("--think", type=lambda v: tuple(float(x) for x in v.split("-")), default=None,
                        metavar="MIN-MAX", help="seconds between one inspector's actions, e.g. 2-5 (default: none)")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--db-name", default="nqs_bench")
    args = parser.parse_args()
    env = bench_env(args, "nqs-bench-")
    data_dir = env["DATA_DIR"]
    ok = True
    for mode in ([args.only] if args.only else ["normal", "kill"]):
        seed = prepare_database(env, args.pg, args.db_name, args.schools, args.inspectors)
        print(f"seeded {args.schools} schools, {len(seed['cards'])} inspectors, {len(seed['elements'])} elements; data in {data_dir}")
        ok = run(mode, args, env, seed) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
