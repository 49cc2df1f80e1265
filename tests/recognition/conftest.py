"""A round on its way to recognition: pass mark 80; the 雁塔 school finalized at 99.50, the 碑林
school at 50.00, a third school (雁塔) still in progress. Scores are written straight to the models
(tests/reports/conftest.give_scores); the process under test starts after finalization."""

from datetime import date

import pytest

from evaluation.models import Round
from tests import factories as f
from tests.reports.conftest import give_scores, half

TODAY = date(2026, 11, 2)


def _fn(el, k):
    return el.points / 2 if el.code == "C1" else el.points


@pytest.fixture
def rec(world):
    Round.objects.filter(pk=world.round.pk).update(pass_mark="80")
    world.round.refresh_from_db()
    give_scores(world.evaluation, _fn, by=world.lead)
    give_scores(world.other_evaluation, half, by=world.bob)
    world.pending_school = f.school(world.district, name="雁塔区第三小学")
    world.pending = f.evaluation(world.round, world.pending_school, lead=world.lead, inspectors=[world.alice])
    give_scores(world.pending, half, finalize=False)
    world.today = TODAY
    return world


@pytest.fixture(autouse=True)
def page_today(monkeypatch):
    """The day the recognition pages act on (recognition.views._today): TODAY unless a test moves it."""
    from types import SimpleNamespace

    day = SimpleNamespace(value=TODAY)
    monkeypatch.setattr("recognition.views._today", lambda: day.value)
    return day


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
