"""Every API route has a row in tests/api/matrix.py (a new endpoint without one fails here), and a
read-write Bearer token of each role gets exactly what the role's session gets (the role matrix walks
the same table through the session: tests/security/test_role_matrix.py)."""

import pytest
from django.urls import reverse

from tests.security.test_role_matrix import ROUTES, _url

from .conftest import make_token
from .matrix import API_EXPECTED_GET, ROLES

pytestmark = pytest.mark.usefixtures("at_now")

API_ROUTES = [(name, pattern) for name, pattern in ROUTES if name.startswith(("api:", "api_tokens:"))]
# Token requests: the JSON API only (the token pages are the session's; the docs page is HTML for a browser).
TOKEN_ROUTES = [(name, pattern) for name, pattern in API_ROUTES if name.startswith("api:") and name != "api:docs"]


def test_every_api_route_has_a_row():
    names = {name for name, _ in API_ROUTES}
    assert len(names) >= 20
    assert names == set(API_EXPECTED_GET), (
        f"rows missing: {sorted(names - set(API_EXPECTED_GET))}; stale rows: {sorted(set(API_EXPECTED_GET) - names)}")


def test_every_api_url_is_under_api_v1_or_the_schema():
    for name, pattern in API_ROUTES:
        if name.startswith("api:") and name not in ("api:schema", "api:docs"):
            assert str(pattern.pattern).startswith(("rubric-", "districts", "schools", "rounds", "evaluations",
                                                    "scorecards")), name


@pytest.mark.parametrize("route,pattern", TOKEN_ROUTES, ids=[name for name, _ in TOKEN_ROUTES])
def test_token_matrix(client, world, route, pattern):
    url, _kwargs = _url(world, route, pattern)
    failures = []
    for role in ROLES:
        key = make_token(getattr(world, role), name=f"{role}-{route}").key
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}")
        expected = API_EXPECTED_GET[route][role]
        if response.status_code != expected:
            failures.append(f"{role}: got {response.status_code}, expected {expected}")
        elif response.status_code >= 400:
            body = response.json()
            if not body.get("detail") or not any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]):
                failures.append(f"{role}: error without a Chinese detail: {body}")
    assert not failures, f"{url}: " + "; ".join(failures)


def test_token_pages_are_not_reachable_with_a_token(client, world):
    """A token opens the API, never the site's pages: those stay behind the signed-in session."""
    key = make_token(world.security_admin).key
    response = client.get(reverse("api_tokens:all"), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 302 and "/login/" in response["Location"]
