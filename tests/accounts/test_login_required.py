"""Every page requires login: anonymous requests are redirected to the login page."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# The optional 公示 pages are public by design (404 unless PUBLIC_NOTICE=1; tests/recognition/test_publicity.py).
PUBLIC = {"accounts:login", "accounts:healthz", "public:notice_index", "public:notice",
          # 满意度问卷: parents and students answer on a phone without an account (a single-use code instead).
          "survey_public:enter", "survey_public:answer", "survey_public:thanks"}


def _named_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            if entry.namespace == "admin":
                continue
            yield from _named_routes(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry


def _reverse_with_dummy_args(name, pattern):
    converters = pattern.pattern.converters
    kwargs = {key: (1 if conv.regex == "[0-9]+" else "x") for key, conv in converters.items()}
    return reverse(name, kwargs=kwargs)


def test_there_are_routes_to_check():
    assert len(list(_named_routes())) >= 5


@pytest.mark.django_db
@pytest.mark.parametrize("name,pattern", list(_named_routes()), ids=lambda v: v if isinstance(v, str) else "")
def test_anonymous_is_sent_to_login(client, name, pattern):
    if name in PUBLIC:
        pytest.skip("public by design")
    url = _reverse_with_dummy_args(name, pattern)
    response = client.get(url)
    if name.startswith("api:") and name != "api:docs":
        # The REST API answers a program, not a browser: 401 JSON in Chinese instead of a redirect.
        assert response.status_code == 401, url
        assert json.loads(response.content)["detail"].startswith("未登录或未提供令牌"), url
        return
    assert response.status_code == 302, url
    assert response["Location"].startswith(reverse("accounts:login")), url


@pytest.mark.django_db
def test_login_page_is_chinese(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "登录" in response.content.decode()
