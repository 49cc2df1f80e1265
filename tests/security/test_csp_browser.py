"""Every page, opened in headless Chromium as each role, raises no Content-Security-Policy violation."""

import os

import pytest

from tests.factories import PASSWORD
from tests.security.test_role_matrix import ROUTES, _url

# Playwright's sync API runs an event loop in this thread; the ORM calls stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

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


@pytest.fixture(scope="module")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_no_page_violates_the_csp(world, live_server, chromium):
    violations = []
    for role in ROLES:
        user = getattr(world, role)
        context = chromium.new_context(viewport={"width": 820, "height": 1180}, locale="zh-CN")
        context.add_init_script(LISTENER)
        page = context.new_page()
        messages = []
        page.on("console", lambda msg: messages.append(msg.text) if "Content Security Policy" in msg.text else None)
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state("networkidle")
        assert "/login/" not in page.url, f"{role} could not log in through the form"
        for route, pattern in ROUTES:
            if route in {"accounts:logout", "accounts:login"} or route.endswith(("export", "download")):
                continue
            url, _ = _url(world, route, pattern)
            try:
                response = page.goto(f"{live_server.url}{url}")
            except Exception:  # an empty error body (e.g. 405) aborts navigation in Chromium
                continue
            if response is None or response.status >= 400 or "html" not in response.headers.get("content-type", ""):
                continue
            page.wait_for_load_state("load")
            found = page.evaluate("window.__csp || []") + messages
            messages.clear()
            violations += [f"{role} {url}: {v}" for v in found]
        context.close()
    assert not violations, "\n".join(violations)
