"""Keyboard walk of the scoring workspace: every Tab and Shift+Tab stop is in view and not
covered by the sticky totals bar or a sticky indicator heading (issue 18 §7)."""

import re

import pytest
from playwright.sync_api import expect

from evaluation.models import Scorecard
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _patient_expect():
    """The test machine is shared and often loaded: give each expectation 15 s, not 5."""
    expect.set_options(timeout=15000)
    yield
    expect.set_options(timeout=5000)

# After the frame in which the page settles its scroll position: is the focused element's
# centre inside the viewport, and is the topmost element there the focused one (or inside it)?
CHECK = """async () => {
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const name = el.id || (el.tagName + ':' + (el.textContent || '').trim().slice(0, 20));
  const inside = y >= 0 && y <= innerHeight && x >= 0 && x <= innerWidth;
  const top = inside ? document.elementFromPoint(x, y) : null;
  const clear = !!top && (top === el || el.contains(top) || (el.labels && [...el.labels].some(l => l.contains(top))));
  return {name, ok: inside && clear, y: Math.round(y),
          cover: top && !clear ? (top.id || top.className || top.tagName).toString().slice(0, 40) : ''};
}"""


@pytest.mark.parametrize("width", [1280, 768])
def test_every_tab_stop_is_in_view_and_not_under_a_sticky_bar(world, live_server, browser, width):
    card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/?next=/evaluation/scorecards/{card.pk}/")
        page.get_by_label("用户名").fill("alice")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(re.compile(rf"/evaluation/scorecards/{card.pk}/$"))
        page.locator("body").focus()

        forward, bad = [], []
        for _ in range(700):
            page.keyboard.press("Tab")
            stop = page.evaluate(CHECK)
            if stop is None or (forward and stop["name"] == forward[0]):
                break
            forward.append(stop["name"])
            if not stop["ok"]:
                bad.append(("Tab", stop))
        assert len(forward) > 84 * 4, forward[-5:]  # score, note, history link, file, upload per element
        assert sum(1 for n in forward if n.startswith("points_")) == 84
        # Back from the end to the start with Shift+Tab: the direction that used to hide controls.
        for _ in range(len(forward) - 1):
            page.keyboard.press("Shift+Tab")
            stop = page.evaluate(CHECK)
            if stop is None:
                break
            if not stop["ok"]:
                bad.append(("Shift+Tab", stop))
        assert bad == [], f"{len(bad)} of {2 * len(forward)} stops hidden or covered: {bad[:10]}"
    finally:
        context.close()
