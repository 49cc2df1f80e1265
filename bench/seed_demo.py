"""Time `seed_demo` and the admin school list on a scratch database; prints the figures.

    DEBUG=1 .venv/bin/python bench/seed_demo.py [--schools 60]

Uses a temporary SQLite file unless DATABASE_URL is set (then that database is used:
point it at a scratch database, the demo round there is rebuilt with --reset).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=60)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="nqs-bench-"))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from evaluation.models import Score

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", "--schools", str(args.schools), "--reset", stdout=open(os.devnull, "w"))
    seed_seconds = time.perf_counter() - started
    print(f"seed_demo --schools {args.schools}: {seed_seconds:.2f} s, {Score.objects.count()} scores "
          f"({connection.vendor})")

    from tests.factories import otp_verified

    client = Client()
    admin = User.objects.get(username="admin")
    client.force_login(admin)
    otp_verified(client, admin)  # an administrator passes the second factor, or every page redirects
    for label, url in (("trivial view (/healthz)", "/healthz"), ("school list", "/schools/"),
                       ("school list, filtered", "/schools/?stage=primary&q=%E5%8C%BA")):
        client.get(url)  # warm up
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            for _ in range(20):
                response = client.get(url)
            elapsed = (time.perf_counter() - started) / 20
        assert response.status_code == 200, (url, response.status_code)
        print(f"{label}: {elapsed * 1000:.1f} ms, {len(queries) // 20} queries")


if __name__ == "__main__":
    main()
