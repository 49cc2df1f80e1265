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


def test_schools_are_grouped_under_their_round_newest_first(world, login):
    from tests import factories as f

    later = f.round_(world.version, name="2027年度新优质学校评估", year=2027)
    f.evaluation(later, world.other_school, inspectors=[world.alice])
    f.evaluation(later, f.school(world.district, name="雁塔区第三小学"), inspectors=[world.alice])
    html = login(world.alice).get(reverse(URL)).content.decode()
    assert html.count("<section") == 2
    # each round's name once, as the heading of its own table, the newer year first
    assert html.count("2027年度新优质学校评估") == 1 and html.count(world.round.name) == 1
    newer, older = html.index("2027年度新优质学校评估"), html.index(world.round.name)
    assert newer < html.index("碑林区第一小学") < html.index("雁塔区第三小学") < older < html.index("雁塔区第一小学")
    assert "2 所学校" in html and "1 所学校" in html
