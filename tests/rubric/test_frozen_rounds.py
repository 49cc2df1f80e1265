"""Rounds are frozen to their version: a new version with other weights changes nothing old.

The integrator will extend this with the official totals, rankings and exports once the
reports app lands; here the sums are computed from the rows themselves.
"""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.db.models.deletion import ProtectedError

from evaluation.models import FinalScore, Score
from rubric.models import Element, RubricVersion
from rubric.selectors import rubric_as_dict, rubric_tree, versions_for_new_round
from rubric.services import element_update, rubric_clone, rubric_publish, rubric_retire
from tests import factories as f


def _score_everything(world, fraction=Decimal("0.5")):
    """Every panel member and the lead's final score: half the standard points of each element."""
    elements = list(world.version.elements.all())
    for card in world.evaluation.scorecards.all():
        Score.objects.bulk_create(Score(scorecard=card, element=e, points=e.points * fraction) for e in elements)
    FinalScore.objects.bulk_create(
        FinalScore(evaluation=world.evaluation, element=e, points=e.points * fraction) for e in elements
    )


def _snapshot(world):
    final = FinalScore.objects.filter(evaluation=world.evaluation)
    return {
        "rubric": rubric_as_dict(version=world.round.rubric_version),
        "final_total": final.aggregate(s=Sum("points"))["s"],
        "max_total": Element.objects.filter(final_scores__evaluation=world.evaluation).aggregate(s=Sum("points"))["s"],
        "by_element": dict(final.values_list("element__code", "points")),
        "score_elements": set(Score.objects.filter(scorecard__evaluation=world.evaluation).values_list("element__version__code", flat=True)),
    }


@pytest.fixture
def new_weights(world):
    """xian-2027: C19 1 → 2 and C9 2 → 1, published."""
    new = rubric_clone(version=world.version, code="xian-2027", name="2027 版", by=world.admin)
    element_update(element=new.elements.get(code="C19"), points=Decimal("2"), by=world.admin)
    element_update(element=new.elements.get(code="C9"), points=Decimal("1"), by=world.admin)
    return rubric_publish(version=new, by=world.admin)


def test_old_round_reads_exactly_as_before_after_a_new_version(world):
    _score_everything(world)
    before = _snapshot(world)
    assert before["final_total"] == Decimal("50") and before["max_total"] == Decimal("100")

    new = rubric_clone(version=world.version, code="xian-2027", by=world.admin)
    element_update(element=new.elements.get(code="C19"), points=Decimal("2"), by=world.admin)
    element_update(element=new.elements.get(code="C9"), points=Decimal("1"), by=world.admin)
    rubric_publish(version=new, by=world.admin)
    rubric_retire(version=world.version, by=world.admin)

    world.round.refresh_from_db()
    assert world.round.rubric_version.code == "xian-2020"
    assert _snapshot(world) == before
    old_tree = rubric_tree(version=world.version)
    assert [e.points for e in old_tree.elements if e.code in ("C9", "C19")] == [Decimal("2"), Decimal("1")]


def test_the_new_version_has_the_new_weights_and_its_own_elements(world, new_weights):
    old_ids = set(world.version.elements.values_list("id", flat=True))
    new_ids = set(new_weights.elements.values_list("id", flat=True))
    assert old_ids.isdisjoint(new_ids)
    assert new_weights.elements.get(code="C19").points == Decimal("2")
    assert rubric_tree(version=new_weights).points == Decimal("100")


def test_a_new_round_can_be_created_on_the_new_version_with_the_new_weights(world, new_weights):
    assert new_weights in versions_for_new_round()
    new_round = f.round_(new_weights, name="2027年度新优质学校评估", year=2027)
    new_round.full_clean()
    evaluation = f.evaluation(new_round, world.school, lead=world.lead)
    c19 = new_round.rubric_version.elements.get(code="C19")
    FinalScore.objects.create(evaluation=evaluation, element=c19, points=c19.points)
    assert FinalScore.objects.get(evaluation=evaluation).points == Decimal("2")
    # the old round's C19 is still worth 1
    assert world.round.rubric_version.elements.get(code="C19").points == Decimal("1")


def test_a_version_in_use_cannot_be_deleted(world, new_weights):
    _score_everything(world)
    with pytest.raises(ProtectedError):
        RubricVersion.objects.filter(pk=world.version.pk).delete()
    # and its scored elements cannot be removed from under the scores either
    with pytest.raises(ProtectedError):
        Element.objects.filter(version=world.version).delete()
    assert world.version.elements.count() == 84


def test_editing_a_draft_clone_never_touches_the_source(world):
    before = rubric_as_dict(version=world.version)
    draft = rubric_clone(version=world.version, code="xian-draft", by=world.admin)
    for element in draft.elements.all()[:10]:
        element_update(element=element, points=Decimal("3"), text="改过的内容", by=world.admin)
    assert rubric_as_dict(version=world.version) == before
