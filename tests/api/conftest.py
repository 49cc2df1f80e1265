"""API test helpers: tokens made through the service, requests with Authorization: Bearer …"""

from datetime import datetime, timezone as dt_timezone

import pytest
from django.core.cache import cache

# A fixed "now" for token tests (tests never read the clock): 2026-11-02 10:00 Asia/Shanghai.
NOW = datetime(2026, 11, 2, 2, 0, tzinfo=dt_timezone.utc)


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    cache.clear()  # throttling counts live in the default cache
    yield
    cache.clear()


def make_token(user, *, scope="write", days=30, now=NOW, name="同步"):
    from api.services import token_create

    return token_create(user=user, name=name, scope=scope, days=days, now=now)


@pytest.fixture
def api(client):
    """api(method, url, key=…, json=…) → response; JSON bodies, a Bearer key when given."""
    import json as _json

    def call(method, url, *, key=None, json=None, **extra):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
        if json is not None:
            extra.update(data=_json.dumps(json), content_type="application/json")
        return getattr(client, method)(url, **headers, **extra)

    return call


@pytest.fixture
def at_now(monkeypatch):
    """Token checks see NOW (or a given time): api.authentication._now."""

    def set_now(value=NOW):
        monkeypatch.setattr("api.authentication._now", lambda: value)

    set_now()
    return set_now
