"""Helpers for reports tests: scores written straight to the models (the scoring services
belong to another app), so totals can be checked against hand-computed numbers."""

from decimal import Decimal

import pytest
from django.utils import timezone

from evaluation.models import Evaluation, FinalScore, Score, Scorecard
from rubric.selectors import rubric_tree


def give_scores(evaluation, fn, *, finalize=True, by=None):
    """Every inspector scores every element with fn(element, scorecard_index); the final
    score is fn(element, 0). Returns the expected total."""
    tree = rubric_tree(version=evaluation.round.rubric_version)
    cards = list(Scorecard.objects.filter(evaluation=evaluation).order_by("-is_lead", "id"))
    Score.objects.bulk_create(
        Score(scorecard=card, element=el, points=fn(el, k), note="") for k, card in enumerate(cards) for el in tree.elements
    )
    total = Decimal("0")
    if finalize:
        FinalScore.objects.bulk_create(FinalScore(evaluation=evaluation, element=el, points=fn(el, 0)) for el in tree.elements)
        total = sum((fn(el, 0) for el in tree.elements), Decimal("0"))
        Evaluation.objects.filter(pk=evaluation.pk).update(
            status=Evaluation.Status.FINALIZED, finalized_at=timezone.now(), finalized_by=by or cards[0].inspector
        )
        evaluation.refresh_from_db()
    return total


def full(el, k=0):
    return el.points


def half(el, k=0):
    return el.points / 2


@pytest.fixture
def scored(world):
    """world with the 雁塔 school finalized at full points minus C1 (total = 100 − 1 + 0.5)
    and the 碑林 school finalized at half points."""

    def fn(el, k):
        return el.points / 2 if el.code == "C1" else el.points

    give_scores(world.evaluation, fn, by=world.lead)
    give_scores(world.other_evaluation, half, by=world.bob)
    return world


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # The shared `world` creates eight users; PBKDF2 would dominate these tests' runtime.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
