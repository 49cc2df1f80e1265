"""Submit, reconcile, final scores, finalize, reopen: services and their views."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from evaluation import services
from evaluation.models import Evaluation, FinalScore, Score, Scorecard, Transition
from tests.evaluation.conftest import elements, fill


def submit_all(world):
    for card in Scorecard.objects.filter(evaluation=world.evaluation):
        services.scorecard_submit(scorecard=card, by=card.inspector)


# ---------------------------------------------------------------- submit

def test_submit_requires_every_element_scored(world, alice_card):
    services.score_save(scorecard=alice_card, element=elements(world.version)[0], points="1", note="", version=0, by=world.alice)
    with pytest.raises(ValidationError, match="还有 83 项"):
        services.scorecard_submit(scorecard=alice_card, by=world.alice)


def test_submit_locks_the_scorecard_and_records_the_transition(world, alice_card):
    fill(alice_card)
    services.scorecard_submit(scorecard=alice_card, by=world.alice)
    alice_card.refresh_from_db()
    assert alice_card.is_submitted and alice_card.submitted_at
    assert Transition.objects.filter(scorecard=alice_card, action="submit", by=world.alice).exists()
    assert AuditEvent.objects.filter(event="scorecard.submit", user=world.alice).exists()
    with pytest.raises(ValidationError):
        services.scorecard_submit(scorecard=alice_card, by=world.alice)


def test_submit_view_redirects_home_and_incomplete_stays(world, login, alice_card):
    c = login(world.alice)
    url = reverse("evaluation:scorecard_submit", args=[alice_card.pk])
    response = c.post(url, follow=True)
    assert "还有 84 项评估要素未评分" in response.content.decode()
    fill(alice_card)
    response = c.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("evaluation:inspector_home")
    assert c.post(url).status_code == 403  # read-only to them now


def test_submit_view_permissions(world, login, alice_card):
    url = reverse("evaluation:scorecard_submit", args=[alice_card.pk])
    assert login(world.bob).post(url).status_code == 404
    assert login(world.lead).post(url).status_code == 403
    assert login(world.official).post(url).status_code == 403
    assert login(world.alice).get(url).status_code == 405


# ---------------------------------------------------------------- reconcile page

def test_lead_sees_scores_side_by_side_with_disagreements_flagged(world, login, alice_card, lead_card):
    fill(alice_card)  # full points everywhere
    fill(lead_card, "0")
    submit_all(world)
    response = login(world.lead).get(reverse("evaluation:evaluation_detail", args=[world.evaluation.pk]))
    assert response.status_code == 200
    rc = response.context["rc"]
    row = next(iter(rc.rows.values()))
    assert row.scores == [Decimal("0.00"), row.element.points]  # lead first
    assert row.flagged and row.default == (row.element.points / 2).quantize(Decimal("0.01"))
    assert "分歧" in response.content.decode()


def test_small_spread_is_not_flagged(world, alice_card, lead_card):
    from evaluation.selectors import evaluation_reconcile

    fill(alice_card, "1")
    fill(lead_card, "1")
    submit_all(world)
    Score.objects.filter(scorecard=alice_card, element__points=2).update(points=Decimal("1.5"))
    rc = evaluation_reconcile(evaluation=world.evaluation)
    two = next(r for r in rc.rows.values() if r.element.points == 2)
    assert two.spread == Decimal("0.5") and not two.flagged  # 0.5 < half of 2
    assert two.default == Decimal("1.25")


def test_median_rounds_use_the_median(world, alice_card, lead_card):
    from evaluation.selectors import evaluation_reconcile

    world.round.consolidation = "median"
    world.round.save()
    fill(alice_card, "1")
    fill(lead_card, "0")
    submit_all(world)
    rc = evaluation_reconcile(evaluation=Evaluation.objects.select_related("round__rubric_version").get(pk=world.evaluation.pk))
    assert next(iter(rc.rows.values())).default == Decimal("0.50")


def test_reconcile_page_permissions(world, login):
    url = reverse("evaluation:evaluation_detail", args=[world.evaluation.pk])
    assert login(world.bob).get(url).status_code == 404
    assert login(world.other_official).get(url).status_code == 404
    assert login(world.alice).get(url).status_code == 403  # on the panel, not the lead
    for who in (world.official, world.city_official, world.admin):
        response = login(who).get(url)
        assert response.status_code == 200 and "保存最终得分" not in response.content.decode()
    assert login(world.lead).post(url).status_code == 405


def test_reconcile_page_query_count_is_constant(world, login, alice_card, lead_card, django_assert_max_num_queries):
    fill(alice_card)
    fill(lead_card)
    c = login(world.lead)
    # 16 with the inspectors' evidence in one query, 17 with the lookup of the school's self-assessment
    # (its scores and files add two more when there is one: tests/selfassessment/test_panel_side.py),
    # 18 with the panel's opinion (评价意见, one query), 20 with the previous round's final scores
    # (evaluation.selectors.previous_scores: the previous evaluation, then its final scores), 21 with the
    # school's 满意度问卷 campaign in the round (evaluation.hooks.element_survey_notes, one query when none).
    with django_assert_max_num_queries(21):
        assert c.get(reverse("evaluation:evaluation_detail", args=[world.evaluation.pk])).status_code == 200


# ---------------------------------------------------------------- final scores

def test_final_score_set_validates_and_versions(world, lead_card):
    c1 = elements(world.version)[0]
    final = services.final_score_set(evaluation=world.evaluation, element=c1, points="0.5", note="合议", version=0, by=world.lead)
    assert final.version == 1
    with pytest.raises(ValidationError):
        services.final_score_set(evaluation=world.evaluation, element=c1, points="3", note="", version=1, by=world.lead)
    with pytest.raises(services.ScoreConflict):
        services.final_score_set(evaluation=world.evaluation, element=c1, points="1", note="", version=0, by=world.lead)
    with pytest.raises(PermissionDenied):
        services.final_score_set(evaluation=world.evaluation, element=c1, points="1", note="", version=1, by=world.alice)


def test_final_scores_view_saves_for_the_lead_only(world, login):
    url = reverse("evaluation:final_scores_save", args=[world.evaluation.pk])
    data = {"final_C1": "0.5", "fnote_C1": "依据材料", "fversion_C1": "0", "final_C2": "", "fversion_C2": "0"}
    assert login(world.bob).post(url, data).status_code == 404
    assert login(world.alice).post(url, data).status_code == 403
    assert login(world.official).post(url, data).status_code == 403
    assert login(world.admin).post(url, data).status_code == 403
    assert login(world.lead).get(url).status_code == 405
    response = login(world.lead).post(url, data)
    assert response.status_code == 302
    assert FinalScore.objects.get(evaluation=world.evaluation, element__code="C1").note == "依据材料"


# ---------------------------------------------------------------- finalize and reopen

def test_finalize_needs_every_scorecard_submitted(world, alice_card):
    fill(alice_card)
    services.scorecard_submit(scorecard=alice_card, by=world.alice)
    with pytest.raises(ValidationError, match="李组长"):
        services.evaluation_finalize(evaluation=world.evaluation, by=world.lead)


def test_only_the_lead_finalizes(world):
    with pytest.raises(PermissionDenied):
        services.evaluation_finalize(evaluation=world.evaluation, by=world.alice)


def test_finalize_fills_missing_final_scores_with_the_consolidated_value(world, alice_card, lead_card):
    # Every element is flagged here; this round relaxes the note rule (tested in test_consolidation.py).
    world.round.require_consolidation_notes = False
    world.round.save()
    fill(alice_card, "1")
    fill(lead_card, "0.5")
    submit_all(world)
    c1 = elements(world.version)[0]
    services.final_score_set(evaluation=world.evaluation, element=c1, points="1", note="组长裁定", version=0, by=world.lead)
    services.evaluation_finalize(evaluation=world.evaluation, by=world.lead)
    world.evaluation.refresh_from_db()
    assert world.evaluation.is_finalized and world.evaluation.finalized_by == world.lead
    finals = {f.element.code: f.points for f in FinalScore.objects.filter(evaluation=world.evaluation).select_related("element")}
    assert len(finals) == 84 and finals["C1"] == Decimal("1.00")
    assert finals["C2"] == Decimal("0.75")  # mean of 1 and 0.5
    assert Transition.objects.filter(evaluation=world.evaluation, action="finalize").exists()
    assert AuditEvent.objects.filter(event="evaluation.finalize").exists()
    with pytest.raises(ValidationError, match="已定稿"):
        services.final_score_set(evaluation=world.evaluation, element=c1, points="0", note="", version=1, by=world.lead)


def test_a_finalized_evaluation_locks_scorecards(world, login, alice_card, lead_card):
    fill(alice_card)
    fill(lead_card)
    submit_all(world)
    services.evaluation_finalize(evaluation=world.evaluation, by=world.lead)
    Scorecard.objects.filter(pk=alice_card.pk).update(status="draft")  # even a draft card is locked now
    response = login(world.alice).post(
        reverse("evaluation:scorecard_save", args=[alice_card.pk]), {"points_C1": "0", "version_C1": "1"}
    )
    assert response.status_code == 403


def test_finalize_and_reopen_views(world, login, alice_card, lead_card):
    fill(alice_card)
    fill(lead_card)
    submit_all(world)
    finalize = reverse("evaluation:evaluation_finalize", args=[world.evaluation.pk])
    reopen = reverse("evaluation:evaluation_reopen", args=[world.evaluation.pk])
    assert login(world.bob).post(finalize).status_code == 404
    assert login(world.alice).post(finalize).status_code == 403
    assert login(world.official).post(finalize).status_code == 403
    assert login(world.lead).get(finalize).status_code == 405
    assert login(world.lead).post(finalize).status_code == 302
    world.evaluation.refresh_from_db()
    assert world.evaluation.is_finalized

    assert login(world.lead).post(reopen, {"reason": "x"}).status_code == 403
    assert login(world.official).post(reopen, {"reason": "x"}).status_code == 403
    assert login(world.bob).post(reopen, {"reason": "x"}).status_code == 404
    assert login(world.admin).get(reopen).status_code == 405
    response = login(world.admin).post(reopen, {"reason": ""}, follow=True)
    assert "请填写重新开启的原因" in response.content.decode()
    world.evaluation.refresh_from_db()
    assert world.evaluation.is_finalized
    login(world.admin).post(reopen, {"reason": "C3 得分录入错误"})
    world.evaluation.refresh_from_db()
    assert not world.evaluation.is_finalized
    t = Transition.objects.get(evaluation=world.evaluation, action="reopen")
    assert t.by == world.admin and t.reason == "C3 得分录入错误"
    assert AuditEvent.objects.filter(event="evaluation.reopen", detail__reason="C3 得分录入错误").exists()


def test_only_admins_reopen(world):
    world.evaluation.status = "finalized"
    world.evaluation.save()
    with pytest.raises(PermissionDenied):
        services.evaluation_reopen(evaluation=world.evaluation, by=world.lead, reason="x")


def test_untouched_defaults_on_the_reconcile_form_stay_defaults(world, login, alice_card, lead_card):
    fill(alice_card, "1")
    fill(lead_card, "0")
    submit_all(world)
    url = reverse("evaluation:final_scores_save", args=[world.evaluation.pk])
    data = {"final_C1": "0.5", "fdefault_C1": "0.5", "fversion_C1": "0", "fnote_C1": "",
            "final_C2": "1", "fdefault_C2": "0.5", "fversion_C2": "0", "fnote_C2": "现场核实",
            "final_C3": "0.5", "fdefault_C3": "0.5", "fversion_C3": "0", "fnote_C3": "维持"}
    login(world.lead).post(url, data)
    finals = dict(FinalScore.objects.filter(evaluation=world.evaluation).values_list("element__code", "points"))
    assert finals == {"C2": Decimal("1.00"), "C3": Decimal("0.50")}


def test_reconcile_form_carries_defaults_and_versions(world, login, alice_card, lead_card):
    fill(alice_card, "1")
    fill(lead_card, "0")
    submit_all(world)
    html = login(world.lead).get(reverse("evaluation:evaluation_detail", args=[world.evaluation.pk])).content.decode()
    assert 'name="fdefault_C1" value="0.5"' in html and 'name="fversion_C1" value="0"' in html
