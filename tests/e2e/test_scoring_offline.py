"""Nothing typed is lost: scores typed offline survive a reload and are saved once when the network returns."""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from evaluation import services
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


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/login/?next=/evaluation/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/evaluation/$"))


def _go_offline(page):
    """Offline, and sure of it: Chromium may apply the emulation to its network layer a moment
    after the call returns, and a save sent in that moment would reach the server."""
    page.context.set_offline(True)
    page.wait_for_function("() => fetch('/static/img/favicon.svg?probe', {cache: 'no-store'}).then(() => false, () => true)")


def _go_online(page):
    page.context.set_offline(False)
    page.wait_for_function("() => fetch('/static/img/favicon.svg?probe', {cache: 'no-store'}).then(() => true, () => false)")


def _history(card, code):
    return list(
        Score.history.filter(scorecard_id=card.pk, element__code=code).order_by("history_date").values_list("points", flat=True)
    )


def test_scores_typed_offline_survive_a_reload_and_are_saved_once(world, live_server, page):
    card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    c3 = Element.objects.get(version=world.version, code="C3")
    _login(page, live_server, "alice")
    url = f"{live_server.url}/evaluation/scorecards/{card.pk}/"
    page.goto(url)
    total = page.locator("#totals [data-total=total]")

    # C3 saved online first: the offline edit of it will be based on version 1.
    page.locator("#points_C3").fill("1")
    page.keyboard.press("Tab")
    expect(page.locator("#state_C3")).to_have_text("已保存")
    expect(total).to_have_text("1.00")

    _go_offline(page)
    page.locator("#points_C1").fill("1")
    page.keyboard.press("Tab")
    page.locator("#points_C2").fill("0.5")
    page.keyboard.press("Tab")
    page.locator("#points_C3").fill("0.5")
    page.keyboard.press("Tab")
    expect(page.locator("#state_C1")).to_have_text("未保存（待重试）")
    expect(page.locator("#state_C2")).to_have_text("未保存（待重试）")
    expect(page.locator("#pending-count")).to_have_text("3")
    expect(page.locator("#pending")).to_be_visible()
    expect(page.get_by_role("button", name="重试")).to_be_visible()
    # Only acknowledged values count: the total is still the server's.
    expect(total).to_have_text("1.00")
    assert "网络错误" in page.locator("#err_C1").inner_text()

    # Meanwhile C3 is changed elsewhere (another device of the same inspector): version 2.
    services.score_save(scorecard=card, element=c3, points="0", note="", version=1, by=world.alice)

    # Leaving warns; the reload while offline fails, but the values stay in the browser.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    with pytest.raises(PlaywrightError):
        page.reload()
    assert dialogs == ["beforeunload"]
    assert Score.objects.filter(scorecard=card, element__code__in=["C1", "C2"]).count() == 0

    # Online again, the page opens, restores the typed values and sends them.
    page.context.set_offline(False)
    for attempt in range(10):  # the error page cannot probe the network: retry the navigation itself
        try:
            page.goto(url)
            break
        except PlaywrightError:
            page.wait_for_timeout(500)
    expect(page.locator("#state_C1")).to_have_text("已保存")
    expect(page.locator("#state_C2")).to_have_text("已保存")
    expect(page.locator("#points_C1")).to_have_value("1")
    expect(page.locator("#points_C2")).to_have_value("0.5")
    # The replayed C3 was based on a stale version: the normal conflict message, with both values.
    expect(page.locator("#state_C3")).to_have_text("冲突")
    expect(page.locator("#err_C3")).to_contain_text("修改为 0 分")
    expect(page.locator("#err_C3")).to_contain_text("您输入的值：0.5")
    expect(page.locator("#save-alert")).to_contain_text("C3")
    expect(total).to_have_text("1.50")
    expect(page.locator("#pending-count")).to_have_text("1")  # C3 waits for the inspector's decision

    # The "online" event retries by itself, without a reload.
    _go_offline(page)
    page.locator("#points_C4").fill("1")
    page.keyboard.press("Tab")
    expect(page.locator("#state_C4")).to_have_text("未保存（待重试）")
    _go_online(page)
    expect(page.locator("#state_C4")).to_have_text("已保存")

    # The inspector resolves the conflict by saving C3 again: it now replaces the 0 knowingly.
    page.locator("#points_C3").press("Enter")
    expect(page.locator("#state_C3")).to_have_text("已保存")
    expect(page.locator("#pending")).to_be_hidden()
    expect(total).to_have_text("3.00")

    scores = {s.element.code: (s.points, s.version) for s in Score.objects.filter(scorecard=card).select_related("element")}
    assert {k: (str(p), v) for k, (p, v) in scores.items()} == {
        "C1": ("1.00", 1), "C2": ("0.50", 1), "C3": ("0.50", 3), "C4": ("1.00", 1),
    }
    # Saved exactly once each: one history row per acknowledged value.
    assert [str(p) for p in _history(card, "C1")] == ["1.00"]
    assert [str(p) for p in _history(card, "C2")] == ["0.50"]
    assert [str(p) for p in _history(card, "C3")] == ["1.00", "0.00", "0.50"]
    assert [str(p) for p in _history(card, "C4")] == ["1.00"]
    # Nothing left in the browser once everything is acknowledged: leaving does not warn.
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('nqs.pending.')).length") == 0


def test_typing_back_the_saved_value_clears_unsaved(world, live_server, page):
    card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    c1 = Element.objects.get(version=world.version, code="C1")
    services.score_save(scorecard=card, element=c1, points="1", note="", version=0, by=world.alice)
    _login(page, live_server, "alice")
    page.goto(f"{live_server.url}/evaluation/scorecards/{card.pk}/")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.locator("#points_C1").fill("0.5")
    expect(page.locator("#state_C1")).to_have_text("未保存")
    page.locator("#points_C1").fill("1.0")  # the saved value, written differently
    # At once, not after a round trip: nothing is sent for a value the server already has.
    assert page.locator("#state_C1").inner_text() == "已保存"
    expect(page.locator("#pending")).to_be_hidden()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.goto(f"{live_server.url}/evaluation/")
    assert dialogs == []
    assert posts == []
    assert Score.objects.get(scorecard=card, element=c1).version == 1


def test_a_refused_value_is_announced_with_its_reason(world, live_server, page):
    card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    _login(page, live_server, "alice")
    page.goto(f"{live_server.url}/evaluation/scorecards/{card.pk}/")
    # The totals bar is not a live region; per-element states are not either (no per-keystroke chatter).
    assert page.locator("#totals").get_attribute("aria-live") is None
    assert page.locator(".save-state[role=status]").count() == 0
    # The maximum is part of the score field's description.
    described = page.locator("#points_C1").get_attribute("aria-describedby").split()
    assert "标准分" in page.locator(f"#{described[0]}").inner_text()
    page.locator("#points_C3").fill("5")
    page.keyboard.press("Tab")
    alert = page.get_by_role("alert").filter(has_text="超出标准分")
    expect(alert).to_contain_text("C3", timeout=15000)  # a loaded test machine answers slowly
    expect(page.locator("#global-state")).to_have_text("")  # nothing saved, nothing to announce as saved
    # Repeated controls carry their element's code in their names.
    expect(page.get_by_role("button", name="上传 C3 佐证材料", exact=True)).to_have_count(1)
    expect(page.get_by_role("link", name="C3 修改记录", exact=True)).to_have_count(1)


def test_the_retry_button_sends_what_is_kept_once_the_network_is_back(world, live_server, page):
    """Back online but the server still unreachable (the school's Wi-Fi without its uplink): the
    automatic retry fails, and the 重试 button sends the kept values when the inspector asks."""
    card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    # The page's timers stand still, so no scheduled retry (5 s, 15 s, …) can save in the button's place.
    page.clock.install()
    _login(page, live_server, "alice")
    page.goto(f"{live_server.url}/evaluation/scorecards/{card.pk}/")
    total = page.locator("#totals [data-total=total]")

    _go_offline(page)
    page.locator("#points_C1").fill("1")
    page.keyboard.press("Tab")
    page.locator("#points_C2").fill("0.5")
    page.keyboard.press("Tab")
    expect(page.locator("#state_C1")).to_have_text("未保存（待重试）")
    expect(page.locator("#state_C2")).to_have_text("未保存（待重试）")
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 0.5)  # seconds in this API; never in the past

    saves = []
    page.on("request", lambda r: saves.append(r.url) if r.method == "POST" and r.url.endswith("/save/") else None)
    unreachable = "**/evaluation/scorecards/*/save/"
    page.route(unreachable, lambda route: route.abort("connectionrefused"))
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/save/")):
        _go_online(page)  # the "online" event retries at once; the server cannot be reached yet
    expect(page.locator("#state_C1")).to_have_text("未保存（待重试）")
    expect(page.locator("#state_C2")).to_have_text("未保存（待重试）")
    expect(page.locator("#pending-count")).to_have_text("2")
    assert not Score.objects.filter(scorecard=card).exists()

    page.unroute(unreachable)
    tried = len(saves)
    page.wait_for_timeout(1500)  # reachable again, but nothing is sent until the inspector asks
    assert len(saves) == tried and not Score.objects.filter(scorecard=card).exists()
    page.get_by_role("button", name="重试").click()
    expect(page.locator("#state_C1")).to_have_text("已保存")
    expect(page.locator("#state_C2")).to_have_text("已保存")
    expect(page.locator("#pending")).to_be_hidden()
    expect(total).to_have_text("1.50")
    assert len(saves) > tried  # sent by the button
    scores = {s.element.code: (str(s.points), s.version) for s in Score.objects.filter(scorecard=card).select_related("element")}
    assert scores == {"C1": ("1.00", 1), "C2": ("0.50", 1)}
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('nqs.pending.')).length") == 0


def test_a_save_is_announced_once_not_per_keystroke(world, live_server, page):
    """Typing a score character by character announces nothing; the save that follows is announced
    once, by its outcome (issue 18 §3)."""
    card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    _login(page, live_server, "alice")
    page.goto(f"{live_server.url}/evaluation/scorecards/{card.pk}/")
    page.evaluate("""() => {
      window.announced = [];
      const region = document.getElementById('global-state');
      new MutationObserver(() => { if (region.textContent) { window.announced.push(region.textContent); } })
        .observe(region, {childList: true, characterData: true, subtree: true});
    }""")
    page.locator("#points_C1").press_sequentially("0.5", delay=80)
    assert page.evaluate("window.announced") == []  # within the autosave's pause: nothing said yet
    expect(page.locator("#state_C1")).to_have_text("已保存")
    page.wait_for_timeout(300)
    assert page.evaluate("window.announced") == ["已保存 1 项。"]
    assert str(Score.objects.get(scorecard=card, element__code="C1").points) == "0.50"
