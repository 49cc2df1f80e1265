"""The rubric editor in headless Chromium: sums recompute live, problems flag at the item,
save works from the keyboard at tablet width.

Self-contained (its own browser fixture) so it merges beside other apps' e2e conftests.
"""

import os
from decimal import Decimal

import pytest
from django.urls import reverse

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def rubric_browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def editor(rubric_browser, live_server, client, settings):
    """A tablet-sized page logged in as an admin, on a fresh draft clone of xian-2020."""
    from accounts import roles
    from rubric.services import rubric_clone
    from tests import factories as f

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    admin = f.user("admin", roles.ADMIN, name="王管理")
    draft = rubric_clone(version=f.xian_rubric(), code="xian-2027", by=admin)
    client.force_login(admin)
    context = rubric_browser.new_context(viewport={"width": 768, "height": 1024}, locale="zh-CN")
    context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + reverse("rubric:version_detail", args=[draft.pk]))
    yield page, draft, errors
    context.close()


def _points(page, draft, code):
    return page.locator(f"#e-{draft.elements.get(code=code).pk}-points")


def test_sums_recompute_live_and_the_total_turns_red(editor):
    page, draft, errors = editor
    total_row = page.locator("#item-total")
    assert "table-success" in total_row.get_attribute("class")
    _points(page, draft, "C19").fill("2")
    assert page.locator('[data-sum="B7"]').inner_text() == "4"
    assert page.locator('[data-sum="total"]').inner_text() == "101"
    assert page.locator("[data-total-status]").inner_text() == "合计 101 ≠ 100"
    assert "table-danger" in total_row.get_attribute("class")
    assert page.locator('[data-was="B7"]').inner_text() == "原 3"
    _points(page, draft, "C9").fill("1")
    assert page.locator("[data-total-status]").inner_text() == "合计 100 = 总分 100"
    assert "table-success" in total_row.get_attribute("class")
    assert errors == []


def test_hundredths_add_up_exactly(editor):
    page, draft, _ = editor
    _points(page, draft, "C1").fill("0.1")  # 1 → 0.1 and C2 1 → 1.2: 0.1 + 0.2 style sums
    page.locator(f"#e-{draft.elements.get(code='C1').pk}-step").fill("0.1")
    _points(page, draft, "C2").fill("1.2")
    page.locator(f"#e-{draft.elements.get(code='C2').pk}-step").fill("0.1")
    assert page.locator('[data-sum="total"]').inner_text() == "99.3"


def test_a_step_that_does_not_divide_is_flagged_at_the_element(editor):
    page, draft, _ = editor
    _points(page, draft, "C19").fill("1.25")
    message = page.locator('[data-live-msg="C19"]')
    assert message.inner_text() == "C19：评分步长 0.5 不能整除标准分 1.25。"
    assert "is-invalid" in _points(page, draft, "C19").get_attribute("class")
    _points(page, draft, "C19").fill("abc")
    assert "不是有效数字" in message.inner_text()
    assert "个问题" in page.locator("[data-live-summary]").inner_text()


def test_save_from_the_keyboard_then_publish(editor):
    page, draft, errors = editor
    _points(page, draft, "C19").fill("2")
    _points(page, draft, "C9").fill("1")
    with page.expect_navigation():
        _points(page, draft, "C9").press("Enter")  # Enter in a field submits the editor form
    assert "已保存 2 处修改" in page.locator(".alert-success").inner_text()
    assert draft.elements.get(code="C19").points == Decimal("2")
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm prompt
    with page.expect_navigation():
        page.get_by_role("button", name="发布").click()
    assert "已发布 xian-2027" in page.locator(".alert-success").inner_text()
    draft.refresh_from_db()
    assert draft.status == "published"
    assert errors == []
