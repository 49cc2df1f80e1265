"""Running totals: exact Decimal sums per B, per A and overall (property-based)."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.selectors import scorecard_totals, totals_for, totals_json
from evaluation.models import Score
from rubric.selectors import rubric_tree
from tests.evaluation.conftest import elements


@pytest.fixture
def tree(world):
    return rubric_tree(version=world.version)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.data())
def test_totals_add_up_exactly_at_every_level(tree, data):
    els = tree.elements
    chosen = data.draw(st.lists(st.sampled_from(els), unique_by=lambda e: e.pk, max_size=len(els)))
    points = {}
    for e in chosen:
        steps = int(e.points / e.step)
        points[e.pk] = e.step * data.draw(st.integers(min_value=0, max_value=steps))
    totals = totals_for(tree=tree, points_by_element=points)
    assert totals["total"] == sum(points.values(), Decimal("0"))
    assert totals["total"] == sum(totals["A"].values(), Decimal("0")) == sum(totals["B"].values(), Decimal("0"))
    assert totals["scored"] == len(points)
    for dim in tree.dimensions:
        assert totals["A"][dim.code] == sum((totals["B"][i.code] for i in dim.indicators), Decimal("0"))
        assert Decimal("0") <= totals["A"][dim.code] <= dim.points
    as_json = totals_json(totals)
    assert Decimal(as_json["total"]) == totals["total"] and as_json["scored"] == len(points)


def test_full_points_everywhere_make_the_rubric_total(world, tree, alice_card):
    Score.objects.bulk_create(
        [Score(scorecard=alice_card, element=e, points=e.points, version=1) for e in elements(world.version)]
    )
    totals = scorecard_totals(scorecard=alice_card)
    assert totals["total"] == tree.points == Decimal("100") and totals["scored"] == 84
    assert totals_json(totals)["A1"] == f"{tree.dimensions[0].points:.2f}"
