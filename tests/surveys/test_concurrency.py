"""Two phones posting the same code at the same moment: one response is stored, the other refused.

Runs where the database serves concurrent connections (PostgreSQL); SQLite's test database is one connection.
"""

import threading

import pytest
from django.db import connection

from surveys import services
from surveys.models import Response, ResponseCode

from .conftest import NOW, service_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_concurrent_replays_store_one_response(survey):
    code = survey.codes[0]
    data = service_data(survey.parent)
    barrier = threading.Barrier(6)
    outcomes = []

    def post():
        from django.db import connection as conn

        try:
            barrier.wait()
            services.response_submit(code=code, data=data, now=NOW)
            outcomes.append("ok")
        except services.CodeRefused as exc:
            outcomes.append(exc.reason)
        finally:
            conn.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok"] + ["used"] * 5
    assert Response.objects.count() == 1
    assert ResponseCode.objects.filter(used_at__isnull=False).count() == 1


def test_vendor_is_known():
    assert connection.vendor in ("sqlite", "postgresql")
