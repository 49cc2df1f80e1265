"""End to end in headless Chromium: an official signs in and lands on the round overview, whose
progress bars are drawn by the static script (no inline style or script under the CSP)."""

import pytest

from accounts import roles
from tests import factories as f
from tests.reports.conftest import give_scores, half


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_official_lands_on_the_overview_with_drawn_progress(live_server, page):
    version = f.xian_rubric()
    yanta = f.district("610113", "雁塔区")
    lead = f.user("e2e_lead", roles.INSPECTOR, name="李组长")
    f.user("e2e_city", roles.OFFICIAL, name="市教育局")
    rnd = f.round_(version, name="2026年度评估E2E")
    give_scores(f.evaluation(rnd, f.school(yanta, name="雁塔定稿小学"), lead=lead), half)
    f.evaluation(rnd, f.school(yanta, name="雁塔未开始小学"), lead=lead)
    f.round_(version, name="2027年度评估E2E", year=2027)  # empty: must not become the default

    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", "e2e_city")
    page.fill("input[name=password]", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/reports/overview/")
    assert "2026年度评估E2E" in page.locator("h1").inner_text()
    assert page.locator('#status-counts [data-status="finalized"]').inner_text() == "1"
    assert page.locator('#status-counts [data-status="not_started"]').inner_text() == "1"
    bar = page.locator("#district-progress .progress-bar")
    assert bar.inner_text() == "50%"
    assert bar.evaluate("el => el.style.width") == "50%"
    assert not page.console_errors and not page.bad_responses
