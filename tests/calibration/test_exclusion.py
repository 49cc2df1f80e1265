"""A calibration case never reaches any result: ranking, dashboard, analytics, scopes, CLI round lookup.

The one rule: `Round.objects` returns assessment rounds only (evaluation.models.AssessmentRoundManager);
the per-round selectors also refuse a calibration round passed to them directly, and cross-round
evaluation queries use `Evaluation.objects.assessed()`.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import scopes
from analytics.selectors import round_submitted_scores
from evaluation.models import Evaluation, FinalScore, Round
from evaluation.selectors import RoundNotFound, round_resolve
from reports.selectors import round_progress, round_totals
from rubric.models import Element
from tests.calibration.helpers import card_of, make_case, score

TITLE = "校准案例ZQX"


@pytest.fixture
def case(world):
    case = make_case(world, title=TITLE, inspectors=[world.alice, world.bob])
    score(card_of(case, world.alice), {}, rest="1", submit=True)
    score(card_of(case, world.bob), {}, rest="0.5", submit=True)
    # The worst case, as fixture data: the case's evaluation finalized with final scores.
    FinalScore.objects.bulk_create([
        FinalScore(evaluation=case.evaluation, element=e, points=Decimal("1"))
        for e in Element.objects.filter(version=world.version)
    ])
    Evaluation.objects.filter(pk=case.evaluation_id).update(
        status=Evaluation.Status.FINALIZED, finalized_at=timezone.now(), finalized_by=world.admin)
    return case


def test_round_manager_and_resolve_skip_calibration(case):
    assert case.round.kind == Round.Kind.CALIBRATION and case.evaluation.is_calibration
    assert not Round.objects.filter(pk=case.round_id).exists()
    assert Round.all_objects.filter(pk=case.round_id).exists()
    for value in (str(case.round_id), TITLE):
        with pytest.raises(RoundNotFound):
            round_resolve(value)
    assert round_resolve(None, results=True).kind == Round.Kind.ASSESSMENT


def test_selectors_count_nothing_of_a_calibration_round(case):
    assert round_totals(round=case.round, include_in_progress=True) == []
    assert round_submitted_scores(round=case.round) == []
    progress = round_progress(round=case.round)
    assert progress.total == 0 and progress.passed == 0


def test_scopes_hide_the_case_from_results(world, case):
    for user in (world.admin, world.city_official, world.official):
        assert not scopes.evaluations_visible_to(user).filter(pk=case.evaluation_id).exists()
    assert scopes.evaluations_visible_to(world.alice).filter(pk=case.evaluation_id).exists()  # its inspector


@pytest.mark.parametrize("name", ["reports:ranking", "reports:dashboard", "reports:overview", "analytics:page",
                                  "recognition:index", "evaluation:round_list"])
def test_result_pages_never_show_the_case(world, case, login, name):
    for user in (world.admin, world.city_official):
        response = login(user).get(reverse(name), {"round": case.round_id})
        assert response.status_code == 200
        assert TITLE not in response.content.decode()


def test_result_pages_of_the_case_evaluation_404(world, case, login):
    client = login(world.admin)
    assert client.get(reverse("reports:school_report", args=[case.evaluation_id])).status_code == 404
    assert client.get(reverse("evaluation:round_detail", args=[case.round_id])).status_code == 404
    assert client.get(reverse("evaluation:panel_assign", args=[case.round_id])).status_code == 404
    assert client.get(reverse("evaluation:round_edit", args=[case.round_id])).status_code == 404
    assert client.get(reverse("recognition:list_detail", args=[case.round_id])).status_code == 404


def test_workspace_and_home_mark_the_case(world, case, login):
    client = login(world.alice)
    home = client.get(reverse("evaluation:inspector_home")).content.decode()
    assert "校准" in home and TITLE in home
    page = client.get(reverse("evaluation:scorecard", args=[card_of(case, world.alice).pk])).content.decode()
    assert 'id="calibration-notice"' in page and TITLE in page
    assert world.school.name not in page  # the case shows its title, never the school's name


def test_the_offline_workbook_of_a_case_names_the_case_not_the_school(world, case, login):
    import io

    import openpyxl

    response = login(world.alice).get(reverse("evaluation:scorecard_download", args=[card_of(case, world.alice).pk]))
    assert world.school.code not in response["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    text = " ".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    assert TITLE in text and world.school.name not in text


def test_the_normal_workspace_saves_and_submits_a_case(world, login):
    case = make_case(world, title="案例戊", inspectors=[world.alice])
    card = card_of(case, world.alice)
    score(card, {}, rest="0")
    client = login(world.alice)
    response = client.post(reverse("evaluation:scorecard_save", args=[card.pk]),
                           {"points_C1": "1", "version_C1": "1"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    assert client.post(reverse("evaluation:scorecard_submit", args=[card.pk])).status_code == 302
    card.refresh_from_db()
    assert card.is_submitted
    # officials never read a calibration scorecard; admins do
    assert login(world.official).get(reverse("evaluation:scorecard", args=[card.pk])).status_code == 404
    assert login(world.admin).get(reverse("evaluation:scorecard", args=[card.pk])).status_code == 200
