"""score_save / scores_save_many: validation, optimistic versions, history, audit, query budget."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from evaluation import services
from evaluation.models import Score
from tests.evaluation.conftest import elements


@pytest.fixture
def c1(world):
    return elements(world.version)[0]


def test_it_creates_a_score_with_version_one(world, alice_card, c1):
    score = services.score_save(scorecard=alice_card, element=c1, points="0.5", note="材料齐全", version=0, by=world.alice)
    assert score.points == Decimal("0.50") and score.version == 1 and score.note == "材料齐全"
    assert score.updated_by == world.alice


def test_it_bumps_the_version_on_change(world, alice_card, c1):
    services.score_save(scorecard=alice_card, element=c1, points="0.5", note="", version=0, by=world.alice)
    score = services.score_save(scorecard=alice_card, element=c1, points="1", note="", version=1, by=world.alice)
    assert score.version == 2 and Score.objects.get(pk=score.pk).points == Decimal("1.00")


def test_saving_the_same_value_again_does_not_create_a_version(world, alice_card, c1):
    services.score_save(scorecard=alice_card, element=c1, points="0.5", note="", version=0, by=world.alice)
    score = services.score_save(scorecard=alice_card, element=c1, points="0.50", note="", version=1, by=world.alice)
    assert score.version == 1
    assert Score.history.filter(id=score.pk).count() == 1


def test_a_stale_version_is_a_conflict_and_changes_nothing(world, alice_card, c1):
    services.score_save(scorecard=alice_card, element=c1, points="0.5", note="", version=0, by=world.alice)
    services.score_save(scorecard=alice_card, element=c1, points="1", note="", version=1, by=world.alice)
    with pytest.raises(services.ScoreConflict) as exc:
        services.score_save(scorecard=alice_card, element=c1, points="0", note="", version=1, by=world.alice)
    assert exc.value.current.points == Decimal("1.00") and exc.value.current.version == 2
    assert Score.objects.get(scorecard=alice_card, element=c1).points == Decimal("1.00")


def test_a_second_create_with_version_zero_is_a_conflict(world, alice_card, c1):
    services.score_save(scorecard=alice_card, element=c1, points="0.5", note="", version=0, by=world.alice)
    with pytest.raises(services.ScoreConflict):
        services.score_save(scorecard=alice_card, element=c1, points="1", note="", version=0, by=world.alice)


def test_it_rejects_points_above_standard_and_keeps_the_saved_value(world, alice_card, c1):
    services.score_save(scorecard=alice_card, element=c1, points="0.5", note="", version=0, by=world.alice)
    with pytest.raises(ValidationError) as exc:
        services.score_save(scorecard=alice_card, element=c1, points="1.5", note="", version=1, by=world.alice)
    assert "超出标准分" in str(exc.value)
    assert Score.objects.get(scorecard=alice_card, element=c1).points == Decimal("0.50")


def test_only_the_owner_may_save(world, alice_card, c1):
    with pytest.raises(PermissionDenied):
        services.score_save(scorecard=alice_card, element=c1, points="1", note="", version=0, by=world.lead)


def test_a_submitted_scorecard_cannot_be_changed(world, alice_card, c1):
    alice_card.status = alice_card.Status.SUBMITTED
    alice_card.save()
    with pytest.raises(ValidationError, match="已提交"):
        services.score_save(scorecard=alice_card, element=c1, points="1", note="", version=0, by=world.alice)


def test_every_change_is_kept_in_history_with_who_and_old_value(world, alice_card, c1):
    services.score_save(scorecard=alice_card, element=c1, points="0.5", note="初评", version=0, by=world.alice)
    services.score_save(scorecard=alice_card, element=c1, points="1", note="复核", version=1, by=world.alice)
    history = list(Score.history.filter(scorecard_id=alice_card.pk, element_id=c1.pk).order_by("history_id"))
    assert [h.points for h in history] == [Decimal("0.50"), Decimal("1.00")]
    assert [h.note for h in history] == ["初评", "复核"]
    assert all(h.history_user == world.alice for h in history)


def test_score_changes_are_audited_with_old_and_new(world, alice_card, c1):
    services.score_save(scorecard=alice_card, element=c1, points="0.5", note="", version=0, by=world.alice)
    services.score_save(scorecard=alice_card, element=c1, points="1", note="", version=1, by=world.alice)
    event = AuditEvent.objects.filter(event="score.change").order_by("-id").first()
    assert event.user == world.alice
    assert event.detail["changes"] == [{"element": c1.code, "old": "0.5", "new": "1", "version": 2}]


def test_saving_all_84_elements_takes_at_most_20_queries(world, alice_card, django_assert_max_num_queries):
    values = {e.code: {"points": str(e.points), "note": "", "version": 0} for e in elements(world.version)}
    with django_assert_max_num_queries(20):
        result = services.scores_save_many(scorecard=alice_card, values=values, by=world.alice)
    assert len(result.saved) == 84 and not result.errors
    values = {e.code: {"points": "0", "note": "改", "version": 1} for e in elements(world.version)}
    with django_assert_max_num_queries(20):
        result = services.scores_save_many(scorecard=alice_card, values=values, by=world.alice)
    assert len(result.saved) == 84
    assert Score.objects.filter(scorecard=alice_card, version=2, points=0).count() == 84
    assert Score.history.filter(scorecard_id=alice_card.pk).count() == 168


def test_in_a_batch_valid_values_save_and_invalid_ones_are_reported(world, alice_card):
    e1, e2 = elements(world.version)[:2]
    result = services.scores_save_many(
        scorecard=alice_card,
        values={e1.code: {"points": "1", "version": 0}, e2.code: {"points": "abc", "version": 0}},
        by=world.alice,
    )
    assert set(result.saved) == {e1.code} and set(result.errors) == {e2.code}
    assert not Score.objects.filter(scorecard=alice_card, element=e2).exists()


def test_an_unknown_element_code_is_an_error(world, alice_card):
    result = services.scores_save_many(scorecard=alice_card, values={"C999": {"points": "1", "version": 0}}, by=world.alice)
    assert "C999" in result.errors
