"""End to end in headless Chromium: an admin filters schools, ticks them all at once and assigns a panel."""

import re

import pytest
from playwright.sync_api import expect

from evaluation.models import Evaluation, Scorecard
from tests import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_selects_all_filtered_schools_and_assigns_a_panel(world, live_server, page):
    extra = [f.school(world.district, name=f"雁塔区第{n}中学") for n in ("二", "三")]
    f.totp_device(world.admin)  # the admin's second factor is required
    f.browser_login(page, live_server.url, world.admin)
    page.goto(f"{live_server.url}/evaluation/rounds/{world.round.pk}/assign/")

    page.get_by_label("区县").select_option(str(world.district.pk))
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(rf"district={world.district.pk}"))
    schools = page.locator('input[name="schools"]')
    expect(schools).to_have_count(3)  # 雁塔区第一小学 and the two new ones; 碑林 filtered out

    select_all = page.get_by_label("全选当前列表中的学校")
    select_all.check()
    for i in range(3):
        expect(schools.nth(i)).to_be_checked()
    select_all.uncheck()
    expect(schools.nth(0)).not_to_be_checked()
    select_all.check()

    page.get_by_label("张专家").check()
    page.get_by_label("组长", exact=True).select_option(str(world.lead.pk))
    page.get_by_role("button", name="分配", exact=True).click()
    expect(page.get_by_text("雁塔区第三中学")).to_be_visible()
    assert not page.console_errors, page.console_errors

    for school in [world.school, *extra]:
        ev = Evaluation.objects.get(round=world.round, school=school)
        members = dict(Scorecard.objects.filter(evaluation=ev).values_list("inspector__username", "is_lead"))
        assert members == {"lead": True, "alice": False}
    assert not Evaluation.objects.get(round=world.round, school=world.other_school).scorecards.filter(
        inspector=world.alice).exists()
