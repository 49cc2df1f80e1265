"""The Redis/RQ task backend (TASK_BACKEND=rq) runs the batch export end to end.

Everything runs in subprocesses, as an operator would: settings are read at start-up, so the
backend cannot be switched inside this test process. A scratch SQLite file and Redis database
15 are used; the test is skipped where no Redis server answers on REDIS_URL.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

SETUP = """
from accounts.models import User
from evaluation.models import Evaluation, Round
from reports.services import export_job_create
rnd = Round.objects.get()
finalized = Evaluation.objects.filter(round=rnd, status="finalized").count()
job = export_job_create(round=rnd, user=User.objects.get(username="admin"))
print(f"{job.pk} {finalized}")
"""

CHECK = """
import sys, zipfile
from reports.models import ExportJob
job = ExportJob.objects.get(pk=int(sys.argv[-1]))
names = zipfile.ZipFile(job.file.open("rb")).namelist() if job.file else []
print(job.status, job.done, job.total, len(job.failures), sum(n.endswith(".pdf") for n in names))
"""


def _redis_up() -> bool:
    try:
        import redis

        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis server on REDIS_URL")
def test_batch_export_runs_on_an_rq_worker(tmp_path):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'rq.sqlite3'}",
        "DATA_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "TASK_BACKEND": "rq",
        "REDIS_URL": REDIS_URL,
    }

    def manage(*args, input_text=None):
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, input=input_text,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("check")
    manage("migrate", "--no-input", "-v0")
    manage("seed_demo", "--schools", "12")
    job_id, finalized = manage("shell", "-c", SETUP).split()[-2:]
    assert int(finalized) > 0
    manage("rqworker", "--burst", "default")
    status, done, total, failures, pdfs = manage("shell", "-c", CHECK.replace("sys.argv[-1]", job_id)).split()[-5:]
    assert (status, int(done), int(total), int(failures)) == ("done", int(finalized), int(finalized), 0)
    assert int(pdfs) == int(finalized)
