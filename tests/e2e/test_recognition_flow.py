"""After the visit in headless Chromium: the lead writes the opinion and finalizes; the admin builds the list,
publishes the 公示, records one objection and closes it, concludes 认定 after the period (the pages' day is
moved forward, not the clock) and downloads a certificate."""

import io
from datetime import date, timedelta

import pdfplumber
import pytest
from playwright.sync_api import expect

from evaluation import services
from evaluation.models import Evaluation, Round, Scorecard
from recognition.models import Objection, Recognition, RecognitionList
from tests.evaluation.conftest import fill
from tests.factories import browser_login, totp_device
from tests.reports.conftest import give_scores, half

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DAY = date(2026, 11, 2)


@pytest.fixture
def pages_day(monkeypatch):
    from types import SimpleNamespace

    day = SimpleNamespace(value=DAY)
    monkeypatch.setattr("recognition.views._today", lambda: day.value)
    return day


def test_from_the_opinion_to_the_certificate(world, live_server, browser, pages_day):
    Round.objects.filter(pk=world.round.pk).update(pass_mark="80", require_opinion=True)
    for card in Scorecard.objects.filter(evaluation=world.evaluation):
        fill(card)
        services.scorecard_submit(scorecard=card, by=card.inspector)
    give_scores(world.other_evaluation, half, by=world.bob)  # 50 points: below the pass mark

    # ---- the lead: opinion, then finalize
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())
    detail = f"/evaluation/evaluations/{world.evaluation.pk}/"
    browser_login(page, live_server.url, world.lead, detail)
    page.get_by_role("button", name="定稿").click()
    expect(page.locator(".alert-danger")).to_contain_text("定稿前须完成评价意见，尚未填写：总体评价")
    page.locator("#opinion-link").click()
    page.get_by_label("总体评价").fill("办学理念先进，管理规范，整体达到新优质学校标准。")
    page.get_by_label("主要优势与特色").fill("课程特色鲜明。")
    page.get_by_label("存在问题").fill("过程性评价记录不完整。")
    page.get_by_label("改进建议").fill("建立过程性评价台账。")
    page.get_by_label("A3 分项意见").fill("课程体系完整")
    page.get_by_role("button", name="保存评价意见").click()
    expect(page.locator(".alert-success")).to_contain_text("评价意见已保存")
    page.get_by_role("link", name="返回合议页面").click()
    expect(page.locator("#opinion-summary")).to_contain_text("课程体系完整")
    page.get_by_role("button", name="定稿").click()
    expect(page.locator("#finalized-notice")).to_be_visible()
    assert Evaluation.objects.get(pk=world.evaluation.pk).is_finalized
    context.close()

    # ---- the admin: list, 公示, one objection, 认定
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())
    totp_device(world.admin)  # admins sign in with a second factor
    browser_login(page, live_server.url, world.admin, "/recognition/")
    page.get_by_role("link", name="认定工作").click()
    page.get_by_role("link", name=world.round.name).click()
    page.get_by_role("button", name="拟定名单").click()
    expect(page.locator(".alert-success")).to_contain_text("已拟定名单：2 所已定稿学校")
    expect(page.locator("#decision-counts")).to_contain_text("拟认定 1 所 · 不予认定 1 所")

    page.get_by_role("link", name="发布公示").click()
    page.get_by_label("异议受理方式").fill("市教育局督导室，电话 029-00000000")
    page.get_by_role("button", name="发布公示").click()
    expect(page.locator("#list-status")).to_have_text("公示中")
    rlist = RecognitionList.objects.get()
    assert (rlist.publicity_starts_on, rlist.publicity_ends_on) == (DAY, DAY + timedelta(days=6))

    page.get_by_role("link", name="异议登记与处理").click()
    page.get_by_role("link", name="登记异议").click()
    page.get_by_label("所涉学校").select_option(label=f"雁塔区 · 雁塔区第一小学（{world.school.code}）")
    page.get_by_label("收到日期").fill("2026-11-02")
    page.get_by_label("渠道").select_option(label="来信")
    page.get_by_label("异议内容").fill("反映该校课后服务收费不规范。")
    page.get_by_role("button", name="登记").click()
    expect(page.locator("#objection-status")).to_have_text("处理中")
    page.get_by_label("承办人").fill("张科长")
    page.get_by_label("调查核实情况").fill("经调阅账目并走访家长，课后服务未收费，反映不属实。")
    page.get_by_label("处理结果").select_option(label="不成立")
    page.get_by_role("button", name="办结").click()
    expect(page.locator("#objection-outcome")).to_contain_text("不成立")
    assert Objection.objects.get().status == Objection.Status.CLOSED

    page.get_by_role("link", name=world.round.name).click()
    page.get_by_role("link", name="认定", exact=True).click()
    page.get_by_label("认定文号").fill("市教发〔2026〕12号")
    page.get_by_label("认定日期").fill("2026-11-09")
    page.get_by_role("button", name="完成认定").click()
    expect(page.locator("#conclude-checks")).to_contain_text("公示期尚未结束")
    expect(page.locator("main .alert-danger")).to_contain_text("2026-11-09 起才能认定")
    assert not Recognition.objects.exists()

    pages_day.value = DAY + timedelta(days=7)  # the 公示 has ended
    page.get_by_role("button", name="完成认定").click()
    expect(page.locator("#list-status")).to_have_text("已认定")
    expect(page.locator("#concluded")).to_contain_text("市教发〔2026〕12号")
    with page.expect_download() as download:
        page.get_by_role("link", name="证书 雁塔区第一小学").click()
    pdf = open(download.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = doc.pages[0].extract_text().replace(" ", "")
    assert "雁塔区第一小学" in text and "市教发〔2026〕12号" in text and "2029年11月9日" in text
    assert [r.school.name for r in Recognition.objects.all()] == ["雁塔区第一小学"]
    context.close()
    assert errors == []
