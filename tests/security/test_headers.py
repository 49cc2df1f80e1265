"""Security headers, cookies, CSP, host validation and error pages under production-like settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

PRODUCTION = dict(
    SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True, SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True, SECURE_SSL_REDIRECT=True, DEBUG=False,
)


class HttpsClient(Client):
    """A test client whose every request arrives over HTTPS."""

    def generic(self, *args, **kwargs):
        kwargs["secure"] = True
        return super().generic(*args, **kwargs)


@pytest.fixture
def https(db):
    return HttpsClient()


@override_settings(**PRODUCTION)
def test_https_responses_carry_the_security_headers(https):
    response = https.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@override_settings(**PRODUCTION)
def test_plain_http_is_redirected_to_https(db):
    response = Client().get(reverse("accounts:login"))
    assert response.status_code == 301 and response["Location"].startswith("https://")


def _csp(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


def test_the_csp_forbids_inline_script_plugins_framing_and_foreign_forms(client, db):
    csp = _csp(client.get(reverse("accounts:login")))
    assert csp["script-src"] == "'self'"
    assert "unsafe-inline" not in csp["script-src"] and "unsafe-eval" not in csp["script-src"]
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["base-uri"] == "'self'"
    assert csp["form-action"] == "'self'"
    assert csp["default-src"] == "'self'"
    assert "unsafe-inline" not in csp["style-src"] and "unsafe-inline" not in csp["style-src-elem"]


@override_settings(**PRODUCTION)
def test_session_and_csrf_cookies_are_secure_httponly_and_samesite(https, world):
    from tests.factories import PASSWORD

    https.get(reverse("accounts:login"))
    csrf = https.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    https.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    session = https.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_the_default_settings_are_production_safe_when_debug_is_off():
    # bin/test turns the cookie flags off for plain-HTTP test servers; the code defaults are on.
    source = (Path(settings.BASE_DIR) / "config" / "settings.py").read_text()
    assert 'SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", str(not DEBUG))' in source
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.X_FRAME_OPTIONS == "DENY" and settings.SECURE_CONTENT_TYPE_NOSNIFF
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.AXES_FAILURE_LIMIT == 5 and settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_a_bogus_host_gets_a_chinese_400(client, db):
    response = client.get(reverse("accounts:login"), HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert "请求无效" in response.content.decode()


def test_an_unknown_page_gets_a_chinese_404_without_debug_detail(login, world):
    response = login(world.alice).get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body and "URLconf" not in body and "Traceback" not in body


@override_settings(ROOT_URLCONF="tests.security.urls_boom")
def test_a_crash_gets_a_chinese_500_without_traceback(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.alice)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "服务器内部错误" in body
    assert "secret traceback detail" not in body and "Traceback" not in body


def test_a_403_page_is_chinese(login, world):
    response = login(world.alice).get(reverse("audit:event_list"))
    assert response.status_code == 403 and "没有权限" in response.content.decode()


def test_manage_check_deploy_passes_with_production_settings(tmp_path):
    env = {
        **os.environ, "SECRET_KEY": "ci-" + "k9#" * 20, "DEBUG": "0", "ALLOWED_HOSTS": "pinggu.example.cn",
        "DATA_DIR": str(tmp_path),
    }
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for this process; production never has it.
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "DATABASE_URL",
                 "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
