"""What a school sees, in headless Chromium at phone width: its account logs in, opens 本校评估结果 from its
home, sees the published round (not the unpublished one), downloads nothing yet, and opens its 学校发展档案
whose chart has the same data as its table."""

from datetime import date

import pytest
from playwright.sync_api import expect

from reports.selectors import evaluation_totals
from tests.factories import browser_login
from tests.reports import story_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def story_today(monkeypatch):
    monkeypatch.setattr("reports.views._today", lambda: date(2026, 11, 20))


def test_the_school_sees_its_published_results_and_its_story(world, live_server, browser):
    story_world.build(world)
    old_total = str(evaluation_totals(evaluation=world.old_evaluation).total)
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, live_server.url, world.school_user, "/selfassessment/")
    page.locator("#my-results-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("本校评估结果")
    section = page.locator(f'[data-evaluation="{world.old_evaluation.pk}"]')
    expect(section.locator("[data-total]")).to_have_text(old_total)
    expect(section).to_contain_text("二〇二四年总体良好。")
    expect(section).to_contain_text("市教发〔2024〕8号")
    expect(page.locator("main")).not_to_contain_text(world.round.name)
    assert page.locator(f'[data-evaluation="{world.evaluation.pk}"]').count() == 0

    page.get_by_role("link", name="查看学校发展档案（历次评估）").click()
    chart = page.get_by_role("img", name=f"{world.school.name} 历次评估得分率")
    expect(chart).to_be_visible()
    rows = page.locator("#story-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("th")).to_have_text(world.old_round.name)
    expect(rows.first.locator("[data-total]")).to_have_text(old_total)
    assert not errors, errors
    context.close()
