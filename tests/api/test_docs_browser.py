"""The API docs page (Swagger UI from drf-spectacular-sidecar's static files) renders the schema in
headless Chromium under the site's strict Content-Security-Policy, with no violation and no request
leaving the server (no CDN)."""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.factories import PASSWORD
from tests.security.test_csp_browser import ARGS, CHROMIUM, LISTENER

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _open_docs(base: str, username: str) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(locale="zh-CN")
        context.add_init_script(LISTENER)
        page = context.new_page()
        outside = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) and
                not r.url.startswith("data:") else None)
        page.goto(f"{base}/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state("load")
        page.goto(f"{base}/api/docs/")
        page.wait_for_selector(".opblock", timeout=20000)  # Swagger UI drew the operations
        result = {"csp": page.evaluate("window.__csp || []"), "outside": outside,
                  "operations": page.locator(".opblock").count(), "title": page.title()}
        browser.close()
    return result


def test_the_docs_page_renders_under_the_csp_without_a_cdn(world, live_server):
    pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(_open_docs, live_server.url, world.official.username).result(timeout=120)
    assert result["csp"] == []
    assert result["outside"] == []
    assert result["operations"] >= 15
