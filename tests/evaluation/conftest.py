"""Helpers for the evaluation tests (the people come from tests/conftest.py's `world`)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from evaluation.models import Score, Scorecard
from rubric.models import Element


@pytest.fixture
def alice_card(world):
    return Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)


@pytest.fixture
def lead_card(world):
    return Scorecard.objects.get(evaluation=world.evaluation, inspector=world.lead)


def elements(version):
    return list(Element.objects.filter(version=version).order_by("order"))


def fill(card, value=None, *, by=None):
    """Give every element of the card a score directly (fixture data, not the code under test)."""
    rows = []
    for e in elements(card.evaluation.round.rubric_version):
        points = e.points if value is None else min(Decimal(value), e.points)
        rows.append(Score(scorecard=card, element=e, points=points, version=1, updated_by=by or card.inspector))
    Score.objects.bulk_create(rows)


def save_json(client, card, data):
    return client.post(
        reverse("evaluation:scorecard_save", args=[card.pk]), data, HTTP_ACCEPT="application/json"
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # `world` creates eight users; the production PBKDF2 cost made each test take ~8 s.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
