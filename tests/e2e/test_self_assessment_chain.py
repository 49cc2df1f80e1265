"""The whole chain in headless Chromium: the school fills and submits, the district returns, the school
fixes and resubmits, the district recommends, the city admits, and an inspector on the panel sees the
school's self-score beside the input. The small sample rubric (5 elements, 3 required files) keeps it quick."""

import re

import pytest
from playwright.sync_api import expect

from evaluation.models import Evaluation, Scorecard
from evaluation.services import panel_assign
from rubric.models import EvidenceRequirement
from selfassessment.models import SelfAssessment, Transition
from tests import factories as f
from tests.selfassessment.conftest import PDF, PNG, open_round, small_version

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCORES = {"C1": "2", "C2": "1.5", "C3": "2", "C4": "3", "C5": "1"}


def _as(browser, live_server, user, *, width=820):
    context = browser.new_context(viewport={"width": width, "height": 1100}, locale="zh-CN")
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    page.on("dialog", lambda d: d.accept())  # the confirmations (提交, 推荐, 受理)
    f.browser_login(page, live_server.url, user)
    return context, page


def _save(page, code, value):
    page.locator(f"#points_{code}").fill(value)
    page.locator(f"#note_{code}").fill(f"{code}：学校的说明")
    page.locator(f"#points_{code}").press("Enter")
    expect(page.locator(f"#state_{code}")).to_have_text("已保存")


def _upload(page, requirement, name, data, mime):
    page.set_input_files(f"#file_r{requirement.pk}", files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.locator(f'button[name="slot"][value="r{requirement.pk}"]').click()
    expect(page.locator(f"#req-{requirement.pk}")).to_contain_text(name)


def test_the_chain_from_self_assessment_to_the_inspectors_workspace(world, live_server, browser):
    w = world
    version = small_version()
    round_obj = open_round(version)
    reqs = {r.element.code: r for r in EvidenceRequirement.objects.filter(version=version, required=True)
            .select_related("element")}
    base = live_server.url

    # 1. The school fills every element (autosave), files what is required, writes its report, submits.
    ctx, page = _as(browser, live_server, w.school_user)
    page.goto(f"{base}/selfassessment/")
    page.get_by_role("link", name=re.compile("填写自评")).click()
    expect(page.locator("#el-C1")).to_be_visible()
    for code, value in SCORES.items():
        _save(page, code, value)
    expect(page.locator('[data-total="total"]').first).to_have_text("9.50")
    page.locator("#submit-card").click()  # refused: files and report missing
    expect(page.get_by_role("alert").filter(has_text="还不能提交")).to_contain_text("作业公示照片")
    _upload(page, reqs["C1"], "三年发展规划.pdf", PDF, "application/pdf")
    _upload(page, reqs["C3"], "年度计划.pdf", PDF, "application/pdf")
    _upload(page, reqs["C5"], "作业公示.png", PNG, "image/png")
    page.locator("#id_summary").fill("学校三年来坚持内涵发展……")
    page.get_by_role("button", name="保存自评报告").click()
    expect(page.get_by_text("自评报告已保存。")).to_be_visible()
    page.locator("#submit-card").click()
    expect(page.get_by_text("自评已提交，等待区县初评。")).to_be_visible()
    expect(page.locator("#points_C1")).to_have_attribute("readonly", "")
    assert not page.console_errors, page.console_errors
    ctx.close()

    # 2. The district returns it with a reason at C3.
    ctx, page = _as(browser, live_server, w.official)
    page.goto(f"{base}/selfassessment/status/?round={round_obj.pk}")
    page.get_by_role("link", name=re.compile(f"初评.*{w.school.name}")).click()
    page.locator("#reason_C3").fill("年度计划缺 2025 年，自评偏高，请核实。")
    page.get_by_role("button", name="退回", exact=True).click()
    expect(page.get_by_text(re.compile("已退回.*学校可以修改后重新提交"))).to_be_visible()
    ctx.close()

    # 3. The school sees the reason at C3, fixes it, resubmits.
    ctx, page = _as(browser, live_server, w.school_user)
    page.goto(f"{base}/selfassessment/rounds/{round_obj.pk}/")
    expect(page.locator("#el-C3 .return-reason")).to_contain_text("年度计划缺 2025 年")
    _save(page, "C3", "1.5")
    page.locator("#submit-card").click()
    expect(page.get_by_text("自评已提交，等待区县初评。")).to_be_visible()
    ctx.close()

    # 4. The district recommends with its opinion.
    sa = SelfAssessment.objects.get(round=round_obj, school=w.school)
    ctx, page = _as(browser, live_server, w.official)
    page.goto(f"{base}/selfassessment/{sa.pk}/")
    page.locator("#id_opinion").fill("办学规范，材料齐全，同意推荐。")
    page.get_by_role("button", name="推荐", exact=True).click()
    expect(page.locator("#district-opinion")).to_contain_text("同意推荐")
    ctx.close()

    # 5. The city admits it: the school enters the round.
    f.totp_device(w.admin)
    ctx, page = _as(browser, live_server, w.admin)
    page.goto(f"{base}/selfassessment/admission/?round={round_obj.pk}")
    page.get_by_label(f"受理{w.school.name}").check()
    page.get_by_role("button", name="受理选中的学校").click()
    expect(page.get_by_text(re.compile("已受理 1 所学校"))).to_be_visible()
    ctx.close()
    evaluation = Evaluation.objects.get(round=round_obj, school=w.school)
    assert [t.action for t in reversed(Transition.objects.all())] == [
        "submit", "return", "submit", "recommend", "admit"]

    # 6. A panel is assigned; the inspector sees the self-score beside the input.
    panel_assign(round=round_obj, schools=[w.school], inspectors=[w.alice], lead=w.lead, by=w.admin)
    card = Scorecard.objects.get(evaluation=evaluation, inspector=w.alice)
    ctx, page = _as(browser, live_server, w.alice)
    page.goto(f"{base}/evaluation/scorecards/{card.pk}/")
    expect(page.locator("#self_C3")).to_have_text("学校自评 1.5")
    expect(page.locator("#self_C1")).to_have_text("学校自评 2")
    page.locator("#el-C1 details.self-side summary").click()
    expect(page.locator("#el-C1")).to_contain_text("C1：学校的说明")
    expect(page.locator("#el-C1").get_by_role("link", name=re.compile("三年发展规划.pdf"))).to_be_visible()
    expect(page.locator("#self-side")).to_contain_text("自评总分 9（")
    assert not page.console_errors, page.console_errors
    ctx.close()


def test_the_schools_page_fits_a_phone(world, live_server, browser):
    round_obj = open_round(small_version())
    ctx, page = _as(browser, live_server, world.school_user, width=360)
    page.goto(f"{live_server.url}/selfassessment/rounds/{round_obj.pk}/")
    expect(page.locator("#el-C5")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    _save(page, "C5", "0.5")
    ctx.close()
