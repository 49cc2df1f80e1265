"""Totals and ranks: one selector, exact Decimal arithmetic, any rubric shape."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.models import Evaluation, FinalScore, Round, Score, Scorecard
from reports.selectors import competition_ranks, evaluation_totals, round_totals, sum_tree
from rubric.models import Dimension, Element, Indicator, RubricVersion
from rubric.selectors import rubric_tree
from tests import factories as f
from tests.reports.conftest import give_scores, half

D = Decimal


def test_finalized_totals_come_from_final_scores(scored):
    t = evaluation_totals(evaluation=scored.evaluation)
    assert t.total == D("99.50")
    assert t.dimensions["A1"] == D("2.50")
    assert t.indicators["B1"] == D("2.50")
    assert not t.provisional
    assert sum(t.dimensions.values()) == t.total
    assert sum(t.indicators.values()) == t.total


def test_each_inspector_has_own_totals(scored):
    t = evaluation_totals(evaluation=scored.evaluation)
    assert [i.name for i in t.inspectors] == ["李组长", "张专家"]
    assert all(i.sums.total == D("99.50") for i in t.inspectors)
    assert t.inspectors[0].is_lead


def test_in_progress_totals_are_consolidated_and_provisional(world):
    # lead gives full points, alice gives half: the mean per element is ¾ of the points.
    give_scores(world.evaluation, lambda el, k: el.points if k == 0 else el.points / 2, finalize=False)
    t = evaluation_totals(evaluation=world.evaluation)
    assert t.provisional
    assert t.total == D("75.00")
    assert [i.sums.total for i in t.inspectors] == [D("100.00"), D("50.00")]


def test_in_progress_median_rule_is_used(world):
    Round.objects.filter(pk=world.round.pk).update(consolidation="median")
    give_scores(world.evaluation, lambda el, k: el.points if k == 0 else D("0"), finalize=False)
    t = evaluation_totals(evaluation=world.evaluation)
    assert t.total == D("50.00")  # median of two values is their mean


def test_round_totals_agree_with_evaluation_totals(scored):
    rows = round_totals(round=scored.round)
    by_id = {r.evaluation_id: r for r in rows}
    for ev in (scored.evaluation, scored.other_evaluation):
        t = evaluation_totals(evaluation=ev)
        assert by_id[ev.pk].total == t.total
        assert by_id[ev.pk].dimensions == t.dimensions


def test_round_totals_skip_in_progress_unless_asked(world):
    give_scores(world.evaluation, half)
    give_scores(world.other_evaluation, lambda el, k: el.points, finalize=False)
    assert [r.school.code for r in round_totals(round=world.round)] == [world.school.code]
    rows = round_totals(round=world.round, include_in_progress=True)
    assert [(r.school.code, r.provisional, r.rank) for r in rows] == [
        (world.other_school.code, True, 1), (world.school.code, False, 2)]


def test_round_totals_with_elements_matches_grouped_sums(scored):
    plain = {r.evaluation_id: r.total for r in round_totals(round=scored.round)}
    detailed = {r.evaluation_id: r.total for r in round_totals(round=scored.round, with_elements=True)}
    assert plain == detailed


def test_pass_mark_marks_schools_at_or_above(scored):
    Round.objects.filter(pk=scored.round.pk).update(pass_mark=D("50.00"))
    scored.round.refresh_from_db()
    rows = {r.school.code: r.passed for r in round_totals(round=scored.round)}
    assert rows == {scored.school.code: True, scored.other_school.code: True}
    Round.objects.filter(pk=scored.round.pk).update(pass_mark=D("50.01"))
    scored.round.refresh_from_db()
    rows = {r.school.code: r.passed for r in round_totals(round=scored.round)}
    assert rows[scored.other_school.code] is False


def test_round_totals_query_count_does_not_grow_with_schools(world, django_assert_max_num_queries):
    for n in range(12):
        ev = f.evaluation(world.round, f.school(world.district), lead=world.lead)
        give_scores(ev, half)
    # Rubric tree 3, evaluations, finalized sums, in-progress scores and their final scores.
    with django_assert_max_num_queries(7):
        rows = round_totals(round=world.round, include_in_progress=True)
    assert len(rows) == 12  # the world's two schools have nothing scored: not ranked


def test_ranks_are_standard_competition_ranks():
    assert competition_ranks([D("90"), D("80"), D("80"), D("70")]) == [1, 2, 2, 4]
    assert competition_ranks([D("70"), D("80"), D("90"), D("80")]) == [4, 2, 1, 2]
    assert competition_ranks([]) == []


@given(st.lists(st.decimals(min_value=0, max_value=100, places=2), max_size=40))
def test_ranks_property(totals):
    ranks = competition_ranks(totals)
    for i, a in enumerate(totals):
        # rank = 1 + number of strictly better totals; equal totals share a rank
        assert ranks[i] == 1 + sum(1 for b in totals if b > a)


# ------------------------------------------------------------------ any rubric shape, property-based


def _small_rubric(shape: list[list[list[Decimal]]]) -> RubricVersion:
    """A rubric with the given points: dimensions → indicators → elements."""
    total = sum((p for dim in shape for ind in dim for p in ind), D("0"))
    version = RubricVersion.objects.create(code=f"t-{RubricVersion.objects.count()}", name="测试细则", total=total,
                                           status="published")
    e = i = 0
    for a, dim in enumerate(shape, start=1):
        dobj = Dimension.objects.create(version=version, code=f"A{a}", name=f"维度{a}", order=a)
        for ind in dim:
            i += 1
            iobj = Indicator.objects.create(version=version, dimension=dobj, code=f"B{i}", text=f"指标{i}", order=i)
            for points in ind:
                e += 1
                Element.objects.create(version=version, indicator=iobj, code=f"C{e}", text=f"要素{e}",
                                       points=points, step=D("0.5"), order=e)
    return version


points_st = st.sampled_from([D("0.5"), D("1"), D("1.5"), D("2"), D("3")])
shape_st = st.lists(st.lists(st.lists(points_st, min_size=1, max_size=3), min_size=1, max_size=3),
                    min_size=1, max_size=4)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=shape_st, data=st.data())
def test_total_equals_sum_of_a_b_c_for_random_rubrics_and_scores(shape, data, world):
    version = _small_rubric(shape)
    rnd = Round.objects.create(name=f"r{version.pk}", year=2026, rubric_version=version)
    ev = Evaluation.objects.create(round=rnd, school=world.school, status="finalized")
    tree = rubric_tree(version=version)
    chosen = {}
    for el in tree.elements:
        steps = int(el.points / el.step)
        chosen[el.id] = el.step * data.draw(st.integers(min_value=0, max_value=steps))
    FinalScore.objects.bulk_create(FinalScore(evaluation=ev, element_id=k, points=v) for k, v in chosen.items())
    t = evaluation_totals(evaluation=ev)
    c_sum = sum(chosen.values(), D("0"))
    assert t.total == c_sum
    assert sum(t.dimensions.values(), D("0")) == t.total
    assert sum(t.indicators.values(), D("0")) == t.total
    assert D("0") <= t.total <= tree.points
    assert [r.total for r in round_totals(round=rnd)] == [t.total]


@settings(max_examples=200)
@given(st.lists(st.sampled_from([None, D("0"), D("0.5"), D("1"), D("0.33"), D("0.67")]), min_size=1, max_size=3))
def test_consolidated_in_progress_equals_mean_rounded_per_element(values):
    from evaluation.consolidation import consolidate

    result = consolidate(values, "mean")
    present = [v for v in values if v is not None]
    if not present:
        assert result is None
    else:
        assert min(present) <= result <= max(present)
        assert result == result.quantize(D("0.01"))


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from([D("0"), D("0.5"), D("1")]), min_size=2, max_size=2), min_size=1, max_size=4))
def test_provisional_round_totals_agree_with_evaluation_totals(world, inspector_scores):
    """Several inspectors' random scores: the batched selector and the single one agree."""
    tree = rubric_tree(version=world.round.rubric_version)
    Score.objects.filter(scorecard__evaluation=world.evaluation).delete()
    cards = list(Scorecard.objects.filter(evaluation=world.evaluation).order_by("-is_lead"))
    rows = []
    for k, card in enumerate(cards):
        for j, el in enumerate(tree.elements):
            pattern = inspector_scores[j % len(inspector_scores)]
            rows.append(Score(scorecard=card, element=el, points=min(pattern[k], el.points)))
    Score.objects.bulk_create(rows)
    t = evaluation_totals(evaluation=world.evaluation)
    batched = {r.evaluation_id: r for r in round_totals(round=world.round, include_in_progress=True)}
    assert batched[world.evaluation.pk].total == t.total
    assert batched[world.evaluation.pk].dimensions == t.dimensions
    assert D("0") <= t.total <= tree.points


def test_sum_tree_counts_missing_scores_as_zero(world):
    tree = rubric_tree(version=world.version)
    sums = sum_tree(tree, {})
    assert sums.total == D("0.00")
    assert set(sums.dimensions) == {d.code for d in tree.dimensions}


def test_district_ranks_are_competition_ranks_within_each_district(scored):
    third = f.school(scored.district, name="雁塔区第二小学")
    ev = f.evaluation(scored.round, third, lead=scored.bob)
    give_scores(ev, half, by=scored.bob)
    rows = {r.school.name: (r.rank, r.district_rank) for r in round_totals(round=scored.round)}
    assert rows == {
        "雁塔区第一小学": (1, 1),
        "碑林区第一小学": (2, 1),  # 50.00, alone in 碑林区
        "雁塔区第二小学": (2, 2),  # 50.00 ties city-wide, second in 雁塔区
    }
