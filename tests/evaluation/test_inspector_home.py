"""Inspector home: my schools in open rounds with progress and running total."""

from django.urls import reverse

from evaluation import services
from rubric.selectors import rubric_tree
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
    # Session, user, roles, the page's count, scorecards, their scores, the rubric tree (3) and the
    # session's touch: totals by the one summation (evaluation.totals), not a second one in SQL.
    with django_assert_max_num_queries(12):
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


# --- the home asks the one totals rule and the one "editable" rule ------------------------


def _assignments(world, n):
    """alice on n more panels of the open round, each with a few scores of its own."""
    from tests import factories as f

    cards = []
    for i in range(n):
        school = f.school(world.district, name=f"雁塔区第{i + 3}小学")
        evaluation = f.evaluation(world.round, school, inspectors=[world.alice])
        cards.append(evaluation.scorecards.get(inspector=world.alice))
    for k, card in enumerate(cards):
        for e in elements(world.version)[: k + 2]:
            services.score_save(scorecard=card, element=e, points=str(min(e.points, e.step * (k + 1))), note="",
                                version=0, by=world.alice)
    return cards


def test_each_total_is_the_scorecard_pages_total_in_constant_queries(world, login, alice_card,
                                                                    django_assert_max_num_queries, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from evaluation import selectors

    c = login(world.alice)
    with CaptureQueriesContext(connection) as one:
        c.get(reverse(URL))
    cards = [alice_card, *_assignments(world, 5)]
    summed = []
    real = selectors.totals_for
    monkeypatch.setattr(selectors, "totals_for", lambda **kw: summed.append(1) or real(**kw))
    with django_assert_max_num_queries(len(one.captured_queries)):  # six schools: no query per row
        response = c.get(reverse(URL))
    assert response.status_code == 200
    assert len(summed) == len(cards)  # every row's figure comes from the one summation
    rows = {card.pk: card for card in response.context["cards"]}
    for card in cards:
        expected = real(tree=rubric_tree(version=world.version), points_by_element=dict(
            card.scores.filter(points__isnull=False).values_list("element_id", "points")))
        assert expected == selectors.scorecard_totals(scorecard=card)  # what the scorecard page shows
        assert (rows[card.pk].total, rows[card.pk].scored) == (expected["total"], expected["scored"])
        assert rows[card.pk].element_count == 84
    assert [rows[card.pk].scored for card in cards] == [0, 2, 3, 4, 5, 6]


def test_view_or_score_follows_the_models_editable_rule(world, login, alice_card, monkeypatch):
    from evaluation.models import Scorecard

    link = f'href="{reverse("evaluation:scorecard", args=[alice_card.pk])}" aria-label="'
    html = login(world.alice).get(reverse(URL)).content.decode()
    assert link + "评分 雁塔区第一小学" in html
    monkeypatch.setattr(Scorecard, "is_editable_by", lambda self, user: False)
    html = login(world.alice).get(reverse(URL)).content.decode()
    assert link + "查看 雁塔区第一小学" in html  # draft, open round: only the model's rule says 查看
