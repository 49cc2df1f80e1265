"""Inspector home: my schools in open rounds with progress and running total."""

from django.urls import reverse

from evaluation import services
from tests.evaluation.conftest import elements

URL = "evaluation:inspector_home"


def test_it_lists_my_assignments_with_progress_and_total(world, login, alice_card):
    for e in elements(world.version)[:3]:
        services.score_save(scorecard=alice_card, element=e, points="0.5", note="", version=0, by=world.alice)
    response = login(world.alice).get(reverse(URL))
    assert response.status_code == 200
    html = response.content.decode()
    assert "雁塔区第一小学" in html and "3 / 84" in html and "1.5" in html and "碑林" not in html
    assert reverse("evaluation:scorecard", args=[alice_card.pk]) in html


def test_the_lead_gets_a_reconcile_link(world, login):
    html = login(world.lead).get(reverse(URL)).content.decode()
    assert reverse("evaluation:evaluation_detail", args=[world.evaluation.pk]) in html


def test_closed_rounds_are_not_listed(world, login):
    world.round.status = "closed"
    world.round.save()
    assert "雁塔区第一小学" not in login(world.alice).get(reverse(URL)).content.decode()


def test_query_count_is_constant(world, login, django_assert_max_num_queries):
    c = login(world.alice)
    with django_assert_max_num_queries(8):
        assert c.get(reverse(URL)).status_code == 200


def test_requires_login_and_get(world, client, login):
    assert client.get(reverse(URL)).status_code == 302
    assert login(world.alice).post(reverse(URL)).status_code == 405
