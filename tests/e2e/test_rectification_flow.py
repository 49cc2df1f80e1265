"""整改与复核 in headless Chromium: after finalization the lead raises an item from a low-scoring element, the
school reports with a file, the district official returns it (未通过), the school reports again and it passes.
The pages' day is set (rectification.views._today), never the clock."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from evaluation.models import Round
from rectification.models import RectificationItem, RectificationTransition
from tests import factories as f
from tests.factories import browser_login
from tests.reports.conftest import give_scores
from tests.selfassessment.conftest import PDF

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DAY = date(2026, 11, 2)


@pytest.fixture
def pages_day(monkeypatch):
    monkeypatch.setattr("rectification.views._today", lambda: DAY)


def _context(browser, errors):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page


def test_an_item_from_a_low_score_is_reported_returned_reported_again_and_passed(world, live_server, browser,
                                                                                 pages_day, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    give_scores(world.evaluation, lambda el, k: el.points * Decimal("0.2") if el.code == "C1" else el.points,
                by=world.lead)
    f.opinion(world.evaluation, problems="过程性评价记录不完整。")
    Round.objects.filter(pk=world.round.pk).update(results_published_to_schools=True)
    evidence = tmp_path / "整改材料.pdf"
    evidence.write_bytes(PDF)
    errors = []

    # ---- the lead: from the ledger to the school's candidates, C1 prefills the form
    context, page = _context(browser, errors)
    browser_login(page, live_server.url, world.lead, "/rectification/")
    page.get_by_role("link", name="整改台账").click()
    page.locator("#creatable summary").click()
    page.get_by_role("link", name=f"{world.round.name} · 雁塔区 · {world.school.name}").click()
    expect(page.locator("#low-scores")).to_contain_text("C1")
    page.locator('[data-element="C1"]').click()
    expect(page.get_by_label("评估要素编号")).to_have_value("C1")
    page.get_by_label("整改要求").fill("建立过程性评价台账，每月检查。")
    page.get_by_label("整改期限").fill("2026-12-31")
    page.get_by_label("责任人").fill("张校长")
    page.get_by_role("button", name="提出整改事项").click()
    expect(page.locator(".alert-success")).to_contain_text("已提出整改事项")
    item = RectificationItem.objects.get()
    assert item.element_codes == ["C1"] and item.source == "low_score"
    context.close()

    def school_reports(text):
        context, page = _context(browser, errors)
        browser_login(page, live_server.url, world.school_user, "/rectification/school/")
        page.get_by_role("link", name="整改事项", exact=True).click()
        page.get_by_label(f"整改情况（整改事项 {item.pk}）").fill(text)
        page.get_by_label(f"佐证材料（整改事项 {item.pk}）").set_input_files(str(evidence))
        # The hidden item number is read with a space before it: match on it alone.
        page.get_by_role("button", name=f"报告整改情况 （整改事项 {item.pk}）").click()
        expect(page.locator(".alert-success")).to_contain_text("整改情况已报告")
        expect(page.locator("main")).to_contain_text("整改材料.pdf")
        context.close()

    def official_reviews(outcome, note=""):
        context, page = _context(browser, errors)
        browser_login(page, live_server.url, world.official, "/rectification/")
        page.get_by_role("link", name="整改台账").click()
        page.locator("#ledger a[href*='/items/']").first.click()
        page.get_by_label(outcome, exact=True).check()
        if note:
            page.get_by_label("复核意见").fill(note)
        page.get_by_role("button", name="提交复核结果").click()
        expect(page.locator(".alert-success")).to_contain_text("复核结果已保存")
        context.close()

    school_reports("已建立台账。")
    official_reviews("未通过", "台账缺少十月记录。")
    item.refresh_from_db()
    assert item.status == "failed"
    school_reports("已补齐十月记录。")
    official_reviews("通过")
    item.refresh_from_db()
    assert item.status == "passed"
    steps = list(RectificationTransition.objects.filter(item=item).values_list("to_status", flat=True))
    assert steps == ["pending", "reported", "failed", "reported", "passed"]
    assert not errors
