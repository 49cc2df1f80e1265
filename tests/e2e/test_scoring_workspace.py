"""The workspace in the browser: next unscored, filters, submit refusal before any dialog,
clearing a score, a note before the score, an upload result in view at its element."""

import re

import pytest
from playwright.sync_api import expect

from evaluation.models import Score, Scorecard
from rubric.models import Element
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _patient_expect():
    """The test machine is shared and often loaded: give each expectation 15 s, not 5."""
    expect.set_options(timeout=15000)
    yield
    expect.set_options(timeout=5000)


def _open(page, live_server, card):
    page.goto(f"{live_server.url}/login/?next=/evaluation/scorecards/{card.pk}/")
    page.get_by_label("用户名").fill("alice")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(rf"/evaluation/scorecards/{card.pk}/$"))


UNOBSTRUCTED = """(sel) => { const el = document.querySelector(sel); const r = el.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        if (y < 0 || y > innerHeight || x < 0 || x > innerWidth) return false;
        const top = document.elementFromPoint(x, y); return el === top || el.contains(top); }"""


def _unobstructed(page, selector):
    """The element's centre is inside the viewport and the topmost thing there is the element itself
    (after the frame in which the page settles its scroll position)."""
    try:
        page.wait_for_function(UNOBSTRUCTED, arg=selector, timeout=2000)
    except Exception:
        return False
    return True


def _fill_all_but(card, version, missing):
    Score.objects.bulk_create([
        Score(scorecard=card, element=e, points=e.points, version=1, updated_by=card.inspector)
        for e in Element.objects.filter(version=version).exclude(code__in=missing)
    ])


def test_next_unscored_filters_and_submit_refusal_before_the_dialog(world, live_server, page):
    card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    _fill_all_but(card, world.version, ["C5", "C60"])
    _open(page, live_server, card)

    page.get_by_role("button", name="下一未评项").click()
    expect(page.locator("#points_C5")).to_be_focused()
    page.get_by_role("button", name="下一未评项").click()
    expect(page.locator("#points_C60")).to_be_focused()
    assert _unobstructed(page, "#points_C60")

    page.get_by_label("显示哪些评估要素").select_option("unscored")
    expect(page.locator(".element-row:visible")).to_have_count(2)
    page.get_by_label("显示哪些评估要素").select_option("all")
    expect(page.locator(".element-row:visible")).to_have_count(84)

    # Submitting with two unscored: refused in the page, no confirmation dialog, codes as links.
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.get_by_role("button", name="提交评分表").click()
    refusal = page.locator("#submit-refusal")
    expect(refusal).to_contain_text("还有 2 项")
    assert dialogs == []
    refusal.get_by_role("link", name="C60").click()
    expect(page.locator("#points_C60")).to_be_focused()

    # Score C5 and C60; C60's note was written first and is kept.
    page.locator("#note_C60").fill("先记下：需查课表")
    page.keyboard.press("Tab")
    expect(page.locator("#state_C60")).to_have_text("已保存")
    assert Score.objects.get(scorecard=card, element__code="C60").note == "先记下：需查课表"
    page.get_by_label("显示哪些评估要素").select_option("flagged")
    expect(page.locator(".element-row:visible")).to_have_count(0)
    page.get_by_label("显示哪些评估要素").select_option("all")
    for code in ("C5", "C60"):
        page.locator(f"#points_{code}").fill("0")
        page.locator(f"#points_{code}").press("Enter")
        expect(page.locator(f"#state_{code}")).to_have_text("已保存")

    # Clearing a score takes it back to unscored, on the server too.
    page.locator("#points_C5").fill("")
    page.keyboard.press("Tab")
    expect(page.locator("#state_C5")).to_have_text("未评分")
    expect(page.locator("#el-C5")).to_have_class(re.compile("unscored"))
    assert Score.objects.get(scorecard=card, element__code="C5").points is None
    expect(page.locator("#totals [data-total=scored]")).to_have_text("83")

    page.locator("#points_C5").fill("0")
    page.keyboard.press("Tab")
    expect(page.locator("#state_C5")).to_have_text("已保存")
    page.get_by_role("button", name="提交评分表").click()
    expect(page).to_have_url(re.compile(r"/evaluation/$"))
    assert len(dialogs) == 1  # the confirmation, once the card is complete
    card.refresh_from_db()
    assert card.is_submitted


def test_an_upload_refusal_is_shown_in_view_at_its_element(world, live_server, page, tmp_path):
    card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    _open(page, live_server, card)
    bad = tmp_path / "note.html"
    bad.write_bytes(b"<html><script>alert(1)</script></html>")
    page.locator("#file_C70").set_input_files(str(bad))
    page.get_by_role("button", name="上传 C70 佐证材料", exact=True).click()
    flash = page.locator("#flash_C70")
    expect(flash).to_contain_text("C70：不支持的文件类型")
    expect(flash).to_be_in_viewport()
    assert _unobstructed(page, "#flash_C70")
