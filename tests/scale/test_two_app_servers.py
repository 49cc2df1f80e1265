"""Scale-out on loopback (issue 17 §5): two gunicorn instances on two ports against one PostgreSQL, one
Redis and one shared media directory, with an RQ worker.

- a score saved through server A is read through server B (B's stale save gets 409 with A's value);
- an evidence file uploaded on A downloads, byte for byte, from B;
- a batch export started on A is completed by the RQ worker and downloads from B.

Everything runs in subprocesses, as an operator would run it, against a scratch PostgreSQL database and
Redis database 14. Runs on the PostgreSQL pass of the suite (skipped on SQLite and without Redis).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
REDIS_URL = os.environ.get("TEST_SCALE_REDIS_URL", "redis://127.0.0.1:6379/14")
PASSWORD = "Scale-out-2026!"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

SETUP = r"""
import json
from django.utils import timezone
from accounts.models import User
from evaluation.models import Evaluation, Score, Scorecard
card = (Scorecard.objects.filter(status="draft", evaluation__status="in_progress", is_lead=False)
        .select_related("evaluation__round", "inspector").order_by("pk").first())
element = card.evaluation.round.rubric_version.elements.order_by("order").first()
score = Score.objects.filter(scorecard=card, element=element).first()
official = User.objects.filter(groups__name="教育局", scope_city_wide=True).order_by("pk").first()
for u in (card.inspector, official):
    u.set_password(PASSWORD)
    u.password_changed_at = timezone.now()
    u.save()
print("SETUP" + json.dumps({
    "inspector": card.inspector.username, "card": card.pk, "code": element.code,
    "allowed": [str(v) for v in element.allowed_scores()], "version": score.version if score else 0,
    "official": official.username, "round": card.evaluation.round_id,
}))
""".replace("PASSWORD", repr(PASSWORD))


def _redis_up() -> bool:
    try:
        import redis

        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="scale-out is proven on PostgreSQL"),
    pytest.mark.skipif(not _redis_up(), reason="no Redis server on TEST_SCALE_REDIS_URL"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(base: str, proc: subprocess.Popen, log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"gunicorn exited at start:\n{log.read_text()[-3000:]}"
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{base} did not become healthy:\n{log.read_text()[-3000:]}")


def _login(base: str, username: str):
    import httpx

    client = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
    client.get("/login/")
    r = client.post("/login/", data={"username": username, "password": PASSWORD,
                                     "csrfmiddlewaretoken": client.cookies.get("csrftoken")})
    assert r.status_code == 302, f"login of {username} on {base}: {r.status_code}"
    return client


def _headers(client) -> dict:
    return {"X-CSRFToken": client.cookies.get("csrftoken") or "", "Accept": "application/json"}


@pytest.fixture
def cluster(tmp_path):
    """Scratch database, shared media, two app servers and one RQ worker; torn down afterwards."""
    import psycopg
    import redis

    db_name = f"nqs_scale_{os.getpid()}"
    admin_url = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    redis.Redis.from_url(REDIS_URL).flushdb()
    shared = tmp_path / "shared"
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db_name}", "DATA_DIR": str(shared),
           "MEDIA_ROOT": str(shared / "media"), "TASK_BACKEND": "rq", "REDIS_URL": REDIS_URL, "DEBUG": "0",
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0",
           "CSRF_COOKIE_SECURE": "0", "STATIC_MANIFEST": "0"}
    env.setdefault("SECRET_KEY", "scale-out-test-secret-key-0123456789abcdefghijklmnop")
    (shared / "staticfiles").mkdir(parents=True)

    def manage(*args):
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("migrate", "--no-input", "-v0")
    manage("seed_demo", "--schools", "6")
    facts = json.loads(next(ln for ln in manage("shell", "-c", SETUP).splitlines() if ln.startswith("SETUP"))[5:])
    procs, bases = [], []
    try:
        for name in ("a", "b"):
            port = _free_port()
            log = tmp_path / f"gunicorn-{name}.log"
            proc = subprocess.Popen([GUNICORN, "config.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "2",
                                     "--timeout", "60"], cwd=ROOT, env=env, stdout=log.open("w"),
                                    stderr=subprocess.STDOUT)
            procs.append(proc)
            bases.append(f"http://127.0.0.1:{port}")
            _wait_healthy(bases[-1], proc, log)
        worker_log = tmp_path / "worker.log"
        procs.append(subprocess.Popen([sys.executable, "manage.py", "rqworker", "default"], cwd=ROOT, env=env,
                                      stdout=worker_log.open("w"), stderr=subprocess.STDOUT))
        yield {"a": bases[0], "b": bases[1], "facts": facts, "media": shared / "media", "worker_log": worker_log}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def test_two_app_servers_share_scores_files_and_background_jobs(cluster):
    facts, a_base, b_base = cluster["facts"], cluster["a"], cluster["b"]
    card, code = facts["card"], facts["code"]
    a, b = _login(a_base, facts["inspector"]), _login(b_base, facts["inspector"])

    # A score saved through A …
    value = facts["allowed"][-1]
    r = a.post(f"/evaluation/scorecards/{card}/save/", headers=_headers(a),
               data={f"points_{code}": value, f"note_{code}": "经 A 保存", f"version_{code}": str(facts["version"])})
    assert r.status_code == 200, r.text
    saved = r.json()["saved"][code]
    # … is what B holds: B's save with the version it saw before is stale and gets 409 with A's value.
    other = facts["allowed"][0]
    r = b.post(f"/evaluation/scorecards/{card}/save/", headers=_headers(b),
               data={f"points_{code}": other, f"note_{code}": "经 B 保存", f"version_{code}": str(facts["version"])})
    assert r.status_code == 409, r.text
    current = r.json()["conflicts"][code]
    assert (current["points"], int(current["version"])) == (saved["points"], int(saved["version"]))
    page = b.get(f"/evaluation/scorecards/{card}/").text
    assert "经 A 保存" in page

    # An evidence file uploaded on A downloads from B, byte for byte.
    r = a.post(f"/evaluation/scorecards/{card}/evidence/", headers={"X-CSRFToken": a.cookies.get("csrftoken")},
               data={"element": code}, files={f"file_{code}": ("现场记录.pdf", PDF, "application/pdf")})
    assert r.status_code == 302
    page = b.get(f"/evaluation/scorecards/{card}/").text
    ids = re.findall(r"/evaluation/evidence/(\d+)/\"", page)
    assert ids, "B's workspace lists the file uploaded on A"
    r = b.get(f"/evaluation/evidence/{ids[-1]}/")
    assert r.status_code == 200 and r.content == PDF

    # A batch export started on A is built by the RQ worker and downloads from B.
    official_a, official_b = _login(a_base, facts["official"]), _login(b_base, facts["official"])
    r = official_a.post("/reports/exports/start/", headers={"X-CSRFToken": official_a.cookies.get("csrftoken")},
                        data={"round": str(facts["round"])})
    assert r.status_code == 302 and "/reports/exports/" in r.headers["location"], r.text[:500]
    job = re.search(r"/reports/exports/(\d+)/", r.headers["location"]).group(1)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        r = official_b.get(f"/reports/exports/{job}/download/")
        if r.status_code == 200:
            break
        time.sleep(1)
    else:
        raise AssertionError("the export never completed:\n" + cluster["worker_log"].read_text()[-3000:])
    assert r.content[:2] == b"PK"
    assert "Job OK" in cluster["worker_log"].read_text() or "Successfully completed" in cluster["worker_log"].read_text()
