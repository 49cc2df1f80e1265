"""Browser test: an admin on a tablet-width screen filters the school list and imports a file, by keyboard."""

import os

import pytest

from accounts import roles
from schools.models import School
from tests import factories as f
from tests.schools.conftest import GOOD_ROWS, make_csv

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
# test body are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync",
]


@pytest.fixture
def browser_page():
    playwright_sync = pytest.importorskip("playwright.sync_api")
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("Debian's chromium is not installed")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 820, "height": 1180})  # a tablet in portrait
        yield page
        browser.close()
        # ORM calls made while Playwright's loop ran opened a connection in its context;
        # close it here, or PostgreSQL refuses to drop the test database.
        from django.db import connections

        connections.close_all()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_admin_filters_and_imports_schools_from_the_keyboard(live_server, browser_page, tmp_path):
    f.xian_rubric()
    f.xian_districts()
    yanta = f.district("610113", "雁塔区")
    device = f.totp_device(f.user("e2eadmin", roles.ADMIN, name="王管理"))
    f.school(yanta, code="6101130100", name="雁塔区第一小学")
    page = browser_page

    page.goto(f"{live_server.url}/login/?next=/schools/")
    page.keyboard.type("e2eadmin")  # the username field has autofocus
    page.keyboard.press("Tab")
    page.keyboard.type(f.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/2fa/verify/**")  # the admin's second factor; the code field has autofocus
    page.keyboard.type(f.totp_code(device))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/schools/")
    assert "共 1 所学校" in page.inner_text("main")

    # Import a GB18030 CSV with one bad row: the errors are listed and nothing is imported.
    bad = tmp_path / "bad.csv"
    bad.write_bytes(make_csv([GOOD_ROWS[0], ["6101130002", "某校", "雁塔区", "高中", "城区", "", ""]], encoding="gb18030"))
    page.get_by_role("link", name="批量导入").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/schools/import/")
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="上传并导入").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#import-errors")
    assert "第 3 行「学段」：“高中”不是有效的学段（小学/初中/九年一贯制）。" in page.inner_text("#import-errors")
    assert School.objects.count() == 1

    good = tmp_path / "good.csv"
    good.write_bytes(make_csv(GOOD_ROWS, bom=True))
    page.set_input_files("input[type=file]", str(good))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_url(f"{live_server.url}/schools/")
    assert "导入完成：新增 3 所" in page.inner_text("main")
    assert School.objects.count() == 4

    # Filter by stage with the keyboard only.
    page.select_option("#id_stage", label="初中")
    page.get_by_role("button", name="筛选").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**stage=junior**")
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert "周至县哑柏镇初级中学" in rows.first.inner_text()
    # Nothing overflows the tablet viewport horizontally except inside the scrollable table.
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
