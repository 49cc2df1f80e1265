"""The lead's consolidation page in headless Chromium: the whole element text opens in place,
a note on an off-step consolidated value is saved, a scorecard is returned with a reason."""

import re

import pytest
from playwright.sync_api import expect

from evaluation import services
from evaluation.models import FinalScore, Scorecard
from tests.evaluation.conftest import fill
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, username, next_url):
    page.goto(f"{live_server.url}/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def test_the_lead_reads_notes_saves_a_note_and_returns_a_scorecard(world, live_server, page):
    alice = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    lead = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.lead)
    fill(alice)
    fill(lead, "0.5")
    alice.scores.filter(element__code="C2").update(note="教师访谈记录齐全")
    for card in (alice, lead):
        services.scorecard_submit(scorecard=card, by=card.inspector)
    page.on("dialog", lambda dialog: dialog.accept())
    _login(page, live_server, "lead", f"/evaluation/evaluations/{world.evaluation.pk}/")

    row = page.locator("#rc-C2")
    expect(row).to_contain_text("教师访谈记录齐全")
    text = world.version.elements.get(code="C2").text
    summary = row.locator("details.element-text > summary")
    closed = summary.bounding_box()["height"]
    summary.click()
    expect(row.locator("details.element-text")).to_have_attribute("open", "")
    assert summary.bounding_box()["height"] > closed  # the whole text, wrapped, once opened
    assert text in summary.inner_text()

    page.locator("#fnote_C2").fill("两位专家理解不同，维持合议值")
    page.get_by_role("button", name="保存最终得分和合议说明").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存 1 项")
    final = FinalScore.objects.get(evaluation=world.evaluation, element__code="C2")
    assert (str(final.points), final.note) == ("0.75", "两位专家理解不同，维持合议值")

    page.locator("#return-cards > summary").click()
    page.get_by_label("退回 张专家 的评分表：原因").fill("C12 请补充佐证材料")
    page.locator(f"form[action$='/scorecards/{alice.pk}/return/'] button").click()
    expect(page.locator(".alert-success")).to_contain_text("已退回 张专家 的评分表")
    alice.refresh_from_db()
    assert not alice.is_submitted
    assert page.console_errors == []
