"""Hostile input at the door (issue 12's probe): NUL bytes anywhere in a request are a clear 400.

PostgreSQL cannot hold U+0000, so each of these was an HTTP 500 on the production stack.
"""

import pytest
from django.urls import reverse

from evaluation.models import Score, Scorecard

NUL_MESSAGE = "请求中含有不允许的空字符（NUL）"


def _assert_refused(response):
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


@pytest.fixture
def alice_card(world):
    return Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)


def test_a_nul_in_a_scorecard_note_is_refused_and_nothing_saved(world, login, alice_card):
    client = login(world.alice)
    url = reverse("evaluation:scorecard_save", args=[alice_card.pk])
    _assert_refused(client.post(url, {"points_C1": "1", "note_C1": "nul\x00byte", "version_C1": "0"}))
    _assert_refused(client.post(url, {"points_C1": "1", "note_C1": "ok", "version_C1": "0\x00"}, HTTP_ACCEPT="application/json"))
    assert not Score.objects.exists()


def test_a_nul_in_a_final_score_note_is_refused(world, login):
    url = reverse("evaluation:final_scores_save", args=[world.evaluation.pk])
    _assert_refused(login(world.lead).post(url, {"fpoints_C1": "1", "fnote_C1": "\x00", "fversion_C1": "0"}))


def test_a_nul_in_a_path_segment_is_refused(world, login, alice_card):
    _assert_refused(login(world.alice).get(f"/evaluation/scorecards/{alice_card.pk}/history/C1%00/"))


@pytest.mark.parametrize("name", ["reports:ranking", "reports:dashboard", "reports:ranking_xlsx", "reports:district_xlsx"])
def test_a_nul_in_a_query_parameter_is_refused(world, login, name):
    _assert_refused(login(world.official).get(reverse(name) + "?round=%00"))


def test_a_nul_in_the_export_start_form_is_refused(world, login):
    _assert_refused(login(world.official).post(reverse("reports:export_start"), {"round": "1\x00"}))


def test_an_anonymous_request_with_a_nul_is_refused_too(client):
    _assert_refused(client.get("/accounts/login/?next=%00"))


def test_hostile_notes_are_inert_in_the_scorecard_and_the_leads_page(world, login, alice_card):
    from django.utils.html import escape

    from evaluation import services
    from rubric.models import Element
    from tests.hostile import strings

    elements = list(Element.objects.filter(version=world.version).order_by("order"))
    hostile = [s for s in strings("markup", "control_and_noncharacters", "spreadsheet_formulas") if "\0" not in s]
    for element, text in zip(elements, hostile):
        services.score_save(scorecard=alice_card, element=element, points="0", note=text, version=0, by=world.alice)
    for user, url in ((world.alice, reverse("evaluation:scorecard", args=[alice_card.pk])),
                      (world.lead, reverse("evaluation:evaluation_detail", args=[world.evaluation.pk]))):
        body = login(user).get(url).content.decode()
        assert "<script>alert(1)</script>" not in body and "<svg onload" not in body and "<img src=x" not in body
        assert "\ufffe" not in body and "\uffff" not in body
        if user == world.alice:
            assert escape("<script>alert(1)</script>") in body
