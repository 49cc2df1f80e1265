"""The analytics page in headless Chromium: every chart is drawn (ECharts from the json_script data,
no inline script under the CSP) with no script error, and the element filter narrows the tables."""

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluation.models import Scorecard
from tests.reports.conftest import give_scores

from .test_axe import _session_cookie

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_sees_every_chart_drawn_and_filters_the_elements(world, live_server, page):
    w = world
    give_scores(w.evaluation, lambda el, k: el.points if k == 0 else el.points - el.step, by=w.lead)
    give_scores(w.other_evaluation, lambda el, k: el.points / 2, by=w.bob)
    Scorecard.objects.update(status=Scorecard.Status.SUBMITTED, submitted_at=timezone.now())
    page.context.add_cookies([_session_cookie(live_server, w.admin)])
    page.goto(live_server.url + reverse("analytics:page") + f"?round={w.round.pk}")
    page.wait_for_load_state("networkidle")
    for chart in ("agreement", "leniency", "cv", "weakest", "strongest"):
        assert page.locator(f'.report-chart[data-chart="{chart}"] canvas').count() >= 1, chart
    assert "李组长" in page.locator("#leniency-table").inner_text()
    page.select_option("#f-district", "碑林区")
    page.click("#element-filter button[type=submit]")
    page.wait_for_url("**district=**")
    assert "0.5000" in page.locator("#weakest-table").inner_text()
    page.click("#all-elements summary")
    assert page.locator("#elements-table tbody tr").count() == 84
    assert page.console_errors == [] and page.bad_responses == []
