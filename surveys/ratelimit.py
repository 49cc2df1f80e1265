"""Rate limits of the public answer page, in Django's cache (fixed one-minute windows).

Per client address (audit.services.client_ip: REMOTE_ADDR, which a trusted reverse proxy sets) and per
campaign. The cache must be shared by all workers for the limits to hold across processes (set CACHES to
Redis or the database cache in production; the default local-memory cache counts per process).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from audit.services import client_ip


def _window() -> int:
    """The current minute (a function, so that tests hold it still)."""
    return int(time.time() // 60)


def _hit(key: str, limit: int) -> bool:
    """Count one request in the current minute; False once the limit is exceeded."""
    window = _window()
    full = f"surveys:rl:{key}:{window}"
    if cache.add(full, 1, timeout=70):
        count = 1
    else:
        try:
            count = cache.incr(full)
        except ValueError:  # expired between add and incr
            cache.add(full, 1, timeout=70)
            count = 1
    return count <= limit


def address_allowed(request) -> bool:
    return _hit(f"ip:{client_ip(request) or '-'}", settings.SURVEY_RATE_PER_ADDRESS)


def campaign_allowed(campaign_id) -> bool:
    return _hit(f"campaign:{campaign_id}", settings.SURVEY_RATE_PER_CAMPAIGN)
