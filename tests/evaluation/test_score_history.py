"""Per-element score history page (django-simple-history rows)."""

from decimal import Decimal

from django.urls import reverse

from evaluation import services
from tests.evaluation.conftest import elements


def test_it_shows_who_when_old_and_new(world, login, alice_card):
    c1 = elements(world.version)[0]
    services.score_save(scorecard=alice_card, element=c1, points="0.5", note="初评", version=0, by=world.alice)
    services.score_save(scorecard=alice_card, element=c1, points="1", note="补充材料后复核", version=1, by=world.alice)
    response = login(world.alice).get(reverse("evaluation:score_history", args=[alice_card.pk, "C1"]))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r["old"], r["record"].points) for r in rows] == [(Decimal("0.50"), Decimal("1.00")), (None, Decimal("0.50"))]
    assert rows[0]["record"].history_user == world.alice
    html = response.content.decode()
    assert "补充材料后复核" in html and "张专家" in html


def test_history_permissions(world, login, alice_card):
    url = reverse("evaluation:score_history", args=[alice_card.pk, "C1"])
    assert login(world.bob).get(url).status_code == 404
    assert login(world.lead).get(url).status_code == 200
    assert login(world.official).get(url).status_code == 200
    assert login(world.alice).post(url).status_code == 405
    assert login(world.alice).get(reverse("evaluation:score_history", args=[alice_card.pk, "C999"])).status_code == 404
