"""Every page, opened in headless Chromium as each role, raises no Content-Security-Policy violation."""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.factories import PASSWORD, code_from_key, totp_device
from twofactor.selectors import second_factor_required
from tests.security.test_role_matrix import ROUTES, _url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
ROLES = ("admin", "alice", "lead", "city_official", "security_admin", "auditor")
# Record violations in the page itself: console wording differs between Chromium versions.
LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));
"""


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _visit_all(base: str, plan: list[tuple[str, str, str, list[str]]]) -> list[str]:
    """Log in through the form as each user and open each URL; returns the violations seen."""
    from playwright.sync_api import sync_playwright

    violations = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for role, username, key, urls in plan:
            context = browser.new_context(viewport={"width": 820, "height": 1180}, locale="zh-CN")
            context.add_init_script(LISTENER)
            page = context.new_page()
            messages = []
            page.on("console", lambda msg: messages.append(msg.text) if "Content Security Policy" in msg.text else None)
            page.goto(f"{base}/login/")
            page.get_by_label("用户名").fill(username)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_load_state("load")
            if "/2fa/verify/" in page.url:  # the separated roles' second factor
                page.get_by_label("验证码或恢复码").fill(code_from_key(key))
                page.get_by_role("button", name="验证", exact=True).click()
                page.wait_for_load_state("load")
            if "/login/" in page.url or "/2fa/" in page.url:
                violations.append(f"{role} could not log in through the form")
                continue
            for url in urls:
                try:
                    response = page.goto(f"{base}{url}")
                except Exception:  # an empty error body (e.g. 405) aborts navigation in Chromium
                    continue
                if response is None or response.status >= 400 or "html" not in response.headers.get("content-type", ""):
                    continue
                page.wait_for_load_state("load")
                found = page.evaluate("window.__csp || []") + messages
                messages.clear()
                violations += [f"{role} {url}: {v}" for v in found]
            context.close()
        browser.close()
    return violations


def test_no_page_violates_the_csp(world, live_server):
    pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    urls = [
        _url(world, route, pattern)[0] for route, pattern in ROUTES
        if route not in {"accounts:logout", "accounts:login"} and not route.endswith(("export", "download"))
    ]
    # Devices (keys) made here: the browser thread computes codes without touching the database.
    plan = [(role, getattr(world, role).username,
             totp_device(getattr(world, role)).key if second_factor_required(getattr(world, role)) else "", urls)
            for role in ROLES]
    # Playwright's sync API in a thread of its own: it must not meet another test's event loop
    # (a session-wide browser fixture elsewhere may already run one in this thread).
    with ThreadPoolExecutor(max_workers=1) as pool:
        violations = pool.submit(_visit_all, live_server.url, plan).result(timeout=600)
    assert not violations, "\n".join(violations)
