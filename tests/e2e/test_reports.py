"""End to end in headless Chromium: an official filters the ranking and downloads a score sheet."""

import os

import pytest

from schools.models import School
from tests import factories as f
from tests.reports.conftest import give_scores, half

# Playwright's sync API runs an event loop in this thread; the ORM calls here are test setup.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1024, "height": 768})
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        yield page
        browser.close()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_official_filters_ranking_and_downloads_score_sheet(live_server, browser_page, tmp_path):
    from accounts import roles

    version = f.xian_rubric()
    yanta = f.district("610113", "雁塔区")
    lead = f.user("e2e_lead", roles.INSPECTOR, name="李组长")
    official = f.user("e2e_official", roles.OFFICIAL, district_obj=yanta, name="雁塔教育局")
    rnd = f.round_(version, name="2026年度评估E2E")
    urban = f.school(yanta, name="雁塔城区小学", location=School.Location.URBAN)
    rural = f.school(yanta, name="雁塔乡村小学", location=School.Location.RURAL)
    give_scores(f.evaluation(rnd, urban, lead=lead), lambda el, k: el.points)
    give_scores(f.evaluation(rnd, rural, lead=lead), half)

    page = browser_page
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", "e2e_official")
    page.fill("input[name=password]", f.PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server.url + "/reports/")
    table = page.locator("#ranking-table")
    assert "雁塔城区小学" in table.inner_text() and "雁塔乡村小学" in table.inner_text()

    page.select_option("#id_location", "rural")
    page.click("#ranking-filters button[type=submit]")
    page.wait_for_url("**location=rural**")
    text = page.locator("#ranking-table").inner_text()
    assert "雁塔乡村小学" in text and "雁塔城区小学" not in text
    assert "50.00" in text

    page.click("text=雁塔乡村小学")
    page.wait_for_selector("#school-total")
    assert page.locator("#school-total").inner_text() == "50.00"
    page.wait_for_selector(".report-chart canvas, .report-chart svg")  # ECharts drew the radar

    with page.expect_download() as info:
        page.click("text=评分表 PDF")
    path = tmp_path / "sheet.pdf"
    info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    import pdfplumber

    with pdfplumber.open(path) as doc:
        assert "雁塔乡村小学" in "".join(p.extract_text() or "" for p in doc.pages)
    assert page.js_errors == []
