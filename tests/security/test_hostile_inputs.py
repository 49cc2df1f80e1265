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
