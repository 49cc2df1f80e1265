"""The one visibility selector (accounts.scopes) and the rules built on it."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles, scopes
from evaluation.models import Score


def _drop_all_roles(user):
    user.groups.clear()
    user.__dict__.pop("_role_names", None)  # the per-request cache of role names


def test_an_inspector_without_roles_can_neither_open_nor_save_their_scorecard(world, client):
    card = world.evaluation.scorecards.get(inspector=world.alice)
    _drop_all_roles(world.alice)
    client.force_login(world.alice)
    assert client.get(reverse("evaluation:scorecard", args=[card.pk])).status_code == 404
    response = client.post(reverse("evaluation:scorecard_save", args=[card.pk]),
                           {"points_C1": "1", "version_C1": "0"})
    assert response.status_code == 404
    assert not Score.objects.filter(scorecard=card).exists()


def test_a_lead_who_lost_the_inspector_role_no_longer_sees_the_evaluation(world, client):
    world.lead.groups.remove(Group.objects.get(name=roles.INSPECTOR))
    client.force_login(world.lead)
    assert client.get(reverse("evaluation:evaluation_detail", args=[world.evaluation.pk])).status_code == 404


def test_the_model_rule_says_who_may_edit(world):
    card = world.evaluation.scorecards.get(inspector=world.alice)
    assert card.is_editable_by(world.alice)
    assert not card.is_editable_by(world.lead)
    assert not card.is_editable_by(world.admin)
    card.status = card.Status.SUBMITTED
    assert not card.is_editable_by(world.alice)
    assert card.lock_reason() == "评分表已提交，不能再修改。"


def test_the_rounds_list_shows_a_district_official_their_districts_counts_only(world, client):
    client.force_login(world.official)
    page = client.get(reverse("evaluation:round_list")).content.decode()
    assert "1（0）" in page and "2（0）" not in page
    client.force_login(world.city_official)
    assert "2（0）" in client.get(reverse("evaluation:round_list")).content.decode()


def test_scopes_answer_the_same_for_every_kind_of_user(world):
    assert scopes.results_scope(world.admin).city_wide
    assert scopes.results_scope(world.city_official).city_wide
    assert scopes.results_scope(world.official).district_ids == {world.district.pk}
    assert scopes.results_scope(world.alice).is_empty
    assert set(scopes.evaluations_visible_to(world.official)) == {world.evaluation}
    assert set(scopes.evaluations_visible_to(world.bob)) == {world.other_evaluation}
    assert set(scopes.evaluations_visible_to(world.nobody)) == set()
