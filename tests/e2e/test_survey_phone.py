"""满意度问卷 in headless Chromium at phone width (360 px): the school account generates slips, a code is read
off the slips PDF, a phone types it, answers every item with large touch targets and submits; the answer
reaches the campaign's results and the parents' approval beside C84 in the lead's consolidation page.
The pages' moment is set (surveys.*._now), never the clock."""

import io
import re
from datetime import datetime, timezone

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from surveys import services
from surveys.models import CodeBatch, Response
from tests.factories import browser_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 11, 10, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def pages_now(monkeypatch):
    monkeypatch.setattr("surveys.public_views._now", lambda: NOW)
    monkeypatch.setattr("surveys.views._now", lambda: NOW)


def test_a_phone_answers_with_a_code_from_a_generated_slip(world, live_server, browser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SURVEY_PUBLIC_BASE_URL = live_server.url
    qs = {q.group: q for q in services.questionnaire_defaults_install(rubric_version=world.version)}
    campaign = services.campaign_create(round=world.round, school=world.school,
                                        opens_at=datetime(2026, 11, 1, tzinfo=timezone.utc),
                                        closes_at=datetime(2026, 12, 1, tzinfo=timezone.utc),
                                        questionnaires={"parent": qs["parent"]}, by=world.admin)
    # The school account generates the slips in the browser.
    school = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = school.new_page()
    browser_login(page, live_server.url, world.school_user)
    page.goto(live_server.url + reverse("surveys:campaign_detail", args=[campaign.pk]))
    page.get_by_label("答题码数量").fill("3")
    page.get_by_role("button", name="生成答题码和答题码条").click()
    expect(page.get_by_role("link", name="下载答题码条（PDF）")).to_be_visible()
    school.close()
    batch = CodeBatch.objects.get()
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(batch.slips.read())).pages)
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", text).group(0)

    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", has_touch=True, is_mobile=True)
    pg = phone.new_page()
    pg.goto(live_server.url + reverse("survey_public:enter"))
    pg.get_by_label("答题码").fill(code.lower())
    pg.get_by_role("button", name="开始填写").click()
    expect(pg.get_by_role("heading", level=1)).to_contain_text("家长满意度问卷")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    for fieldset in pg.locator("fieldset.survey-item").all():
        first = fieldset.locator("label:has(input[type=radio])").first
        if first.count():
            assert first.bounding_box()["height"] >= 44  # a large touch target
            first.tap()
    pg.get_by_role("button", name="提交问卷").tap()
    expect(pg.get_by_role("heading", level=1)).to_have_text("提交成功，感谢您的参与！")
    assert Response.objects.filter(group__campaign=campaign).count() == 1
    pg.goto(live_server.url + reverse("survey_public:answer", args=[code.replace("-", "")]))
    expect(pg.get_by_text("已经使用过")).to_be_visible()
    assert not [c for c in phone.cookies() if c["name"] == settings.SESSION_COOKIE_NAME]
    phone.close()

    lead = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = lead.new_page()
    browser_login(page, live_server.url, world.lead)
    page.goto(live_server.url + reverse("evaluation:evaluation_detail", args=[world.evaluation.pk]))
    expect(page.locator("#survey_C84").first).to_contain_text("要求 ≥85%：达到")
    lead.close()
