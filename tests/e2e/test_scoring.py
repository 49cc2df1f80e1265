"""End to end in headless Chromium: an inspector scores, sees autosave and totals, reloads, submits."""

import re

import pytest
from playwright.sync_api import expect

from evaluation.models import Score, Scorecard
from rubric.models import Element
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_inspector_scores_autosaves_reloads_and_submits(world, live_server, page):
    card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    page.goto(f"{live_server.url}/login/?next=/evaluation/")
    page.get_by_label("用户名").fill("alice")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/evaluation/$"))
    expect(page.get_by_role("cell", name="雁塔区第一小学", exact=True)).to_be_visible()
    page.get_by_role("link", name="评分").click()
    expect(page).to_have_url(re.compile(rf"/evaluation/scorecards/{card.pk}/$"))

    total = page.locator("#totals [data-total=total]")
    expect(total).to_have_text("0.00")
    # Type a score and leave the field with Tab: it autosaves.
    page.locator("#points_C1").fill("1")
    expect(total).to_have_text("1.00")  # recomputed in the browser before the save returns
    page.keyboard.press("Tab")
    expect(page.locator("#state_C1")).to_have_text("已保存")
    # Enter saves this element and moves on instead of posting the page.
    page.locator("#points_C2").fill("0.5")
    page.locator("#points_C2").press("Enter")
    expect(page.locator("#points_C3")).to_be_focused()
    expect(page.locator("#state_C2")).to_have_text("已保存")
    expect(total).to_have_text("1.50")
    expect(page.locator("#el-C1")).not_to_have_class(re.compile("unscored"))
    expect(page.locator("#el-C3")).to_have_class(re.compile("unscored"))
    # A value above the standard points is refused at the field; nothing is stored.
    page.locator("#points_C3").fill("5")
    page.keyboard.press("Tab")
    expect(page.locator("#state_C3")).to_have_text("保存失败")
    expect(page.locator("#err_C3")).to_contain_text("超出标准分")
    expect(total).to_have_text("1.50")  # a refused value does not count
    page.locator("#note_C1").fill("查阅了党建计划")
    page.keyboard.press("Tab")
    expect(page.locator("#state_C1")).to_have_text("已保存")

    page.reload()
    expect(page.locator("#points_C1")).to_have_value("1")
    expect(page.locator("#points_C2")).to_have_value("0.5")
    expect(page.locator("#points_C3")).to_have_value("")
    expect(page.locator("#note_C1")).to_have_value("查阅了党建计划")
    expect(total).to_have_text("1.50")
    assert Score.objects.filter(scorecard=card).count() == 2

    # Score the rest through the same autosave, then submit.
    rest = Element.objects.filter(version=world.version).exclude(code__in=["C1", "C2"]).order_by("order")
    for e in rest:
        page.locator(f"#points_{e.code}").fill("1")
        page.locator(f"#points_{e.code}").press("Enter")
    expect(page.locator("#totals [data-total=scored]")).to_have_text("84")
    expect(page.locator(".save-state[data-state=saving]")).to_have_count(0, timeout=20000)
    expect(page.locator(".save-state[data-state=saved]")).to_have_count(84, timeout=20000)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交评分表").click()
    expect(page).to_have_url(re.compile(r"/evaluation/$"))
    expect(page.get_by_text("评分表已提交")).to_be_visible()
    card.refresh_from_db()
    assert card.is_submitted
    assert Score.objects.filter(scorecard=card, points__isnull=False).count() == 84
    assert not [e for e in page.console_errors if not e.startswith("Failed to load resource")]  # no script errors
    assert [(status, url.rsplit("/", 3)[-2]) for status, url in page.bad_responses if "favicon" not in url] == [(400, "save")]
