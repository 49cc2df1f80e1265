"""Nothing the school types is lost: its self-assessment page uses the inspectors' autosave
(static evaluation/scorecard.js), so self-scores typed offline survive a reload and are saved
once when the network returns (tests/e2e/test_scoring_offline.py is the inspectors' twin)."""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from selfassessment.models import SelfScore
from tests import factories as f
from tests.selfassessment.conftest import open_round, small_version

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _patient_expect():
    """The test machine is shared and often loaded: give each expectation 15 s, not 5."""
    expect.set_options(timeout=15000)
    yield
    expect.set_options(timeout=5000)


def _go_offline(page):
    page.context.set_offline(True)
    page.wait_for_function("() => fetch('/static/img/favicon.svg?probe', {cache: 'no-store'}).then(() => false, () => true)")


def _history(code):
    return [str(p) for p in SelfScore.history.filter(element__code=code).order_by("history_date")
            .values_list("points", flat=True)]


def test_self_scores_typed_offline_survive_a_reload_and_are_saved_once(world, live_server, page):
    round_obj = open_round(small_version())
    f.browser_login(page, live_server.url, world.school_user)
    url = f"{live_server.url}/selfassessment/rounds/{round_obj.pk}/"
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/selfassessment/rounds/\d+/$"))
    total = page.locator('[data-total="total"]').first

    page.locator("#points_C1").fill("2")
    page.keyboard.press("Tab")
    expect(page.locator("#state_C1")).to_have_text("已保存")
    expect(total).to_have_text("2.00")

    _go_offline(page)
    page.locator("#points_C2").fill("1.5")
    page.keyboard.press("Tab")
    page.locator("#points_C3").fill("2")
    page.keyboard.press("Tab")
    expect(page.locator("#state_C2")).to_have_text("未保存（待重试）")
    expect(page.locator("#state_C3")).to_have_text("未保存（待重试）")
    expect(page.locator("#pending-count")).to_have_text("2")
    expect(total).to_have_text("2.00")  # only acknowledged values count

    # Reloading offline fails after the leave warning; the values stay in the browser.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    with pytest.raises(PlaywrightError):
        page.reload()
    assert dialogs == ["beforeunload"]
    assert not SelfScore.objects.filter(element__code__in=["C2", "C3"]).exists()

    # Online again: the page restores the typed values and sends them.
    page.context.set_offline(False)
    for _attempt in range(10):  # the error page cannot probe the network: retry the navigation itself
        try:
            page.goto(url)
            break
        except PlaywrightError:
            page.wait_for_timeout(500)
    expect(page.locator("#state_C2")).to_have_text("已保存")
    expect(page.locator("#state_C3")).to_have_text("已保存")
    expect(page.locator("#points_C2")).to_have_value("1.5")
    expect(page.locator("#points_C3")).to_have_value("2")
    expect(total).to_have_text("5.50")
    expect(page.locator("#pending")).to_be_hidden()

    saved = {s.element.code: str(s.points) for s in SelfScore.objects.select_related("element")}
    assert saved == {"C1": "2.00", "C2": "1.50", "C3": "2.00"}
    # Saved exactly once each: one history row per acknowledged value.
    assert _history("C1") == ["2.00"] and _history("C2") == ["1.50"] and _history("C3") == ["2.00"]
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('nqs.pending.')).length") == 0
