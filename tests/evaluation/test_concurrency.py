"""No lost updates under real concurrency: threads with their own connections on PostgreSQL."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from evaluation import services
from evaluation.models import Score, Scorecard
from tests.evaluation.conftest import elements

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 8


def race(card_pk, element, version, by):
    """THREADS threads save different values with the same version at the same moment."""
    barrier = threading.Barrier(THREADS)
    outcomes = []
    lock = threading.Lock()

    def worker(n):
        try:
            card = Scorecard.objects.select_related("evaluation__round").get(pk=card_pk)
            value = str(element.step * (n % int(element.points / element.step + 1)))
            barrier.wait()
            try:
                services.score_save(scorecard=card, element=element, points=value, note=f"线程{n}", version=version, by=by)
                result = ("saved", n)
            except services.ScoreConflict as exc:
                result = ("conflict", exc.current.version)
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_concurrent_first_saves_of_one_element_let_exactly_one_win(world):
    card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    element = elements(world.version)[0]
    outcomes = race(card.pk, element, 0, world.alice)
    assert len(outcomes) == THREADS
    winners = [n for kind, n in outcomes if kind == "saved"]
    assert len(winners) == 1
    score = Score.objects.get(scorecard=card, element=element)
    assert score.version == 1 and score.note == f"线程{winners[0]}"
    assert Score.history.filter(id=score.pk).count() == 1


def test_concurrent_updates_with_the_same_version_never_lose_an_update(world):
    card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    element = elements(world.version)[0]
    services.score_save(scorecard=card, element=element, points="0", note="起始", version=0, by=world.alice)
    for round_no in range(1, 4):
        outcomes = race(card.pk, element, round_no, world.alice)
        winners = [n for kind, n in outcomes if kind == "saved"]
        conflicts = [v for kind, v in outcomes if kind == "conflict"]
        score = Score.objects.get(scorecard=card, element=element)
        # Exactly one writer per version; every loser was told the version that beat it.
        # (A thread whose value equals the stored one is a no-op "save" and counts as a winner.)
        assert score.version == round_no + 1 or (score.version == round_no and len(winners) >= 1)
        assert len(winners) + len(conflicts) == THREADS
        assert all(v == score.version for v in conflicts)
        real_writes = Score.history.filter(id=score.pk).count()
        assert real_writes == score.version
    assert score.points in {Decimal(x) for x in ("0", "0.5", "1")}
