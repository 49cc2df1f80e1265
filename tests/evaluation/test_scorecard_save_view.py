"""The save endpoint: JSON contract for autosave, plain form POST, permissions."""

from decimal import Decimal

import pytest
from django.urls import reverse

from evaluation.models import Score
from tests.evaluation.conftest import elements, save_json


def test_it_saves_and_answers_the_json_contract(world, login, alice_card):
    c = login(world.alice)
    response = save_json(c, alice_card, {"points_C1": "0.5", "note_C1": "查阅了计划", "version_C1": "0"})
    assert response.status_code == 200
    data = response.json()
    assert data["saved"]["C1"] == {"points": "0.50", "note": "查阅了计划", "version": 1}
    assert data["errors"] == {} and data["conflicts"] == {}
    assert data["totals"]["total"] == "0.50" and data["totals"]["scored"] == 1
    c1 = elements(world.version)[0]
    assert data["totals"][c1.indicator.code] == "0.50"
    assert data["totals"][c1.indicator.dimension.code] == "0.50"


def test_htmx_requests_get_json_too(world, login, alice_card):
    c = login(world.alice)
    response = c.post(
        reverse("evaluation:scorecard_save", args=[alice_card.pk]),
        {"points_C1": "1", "version_C1": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and response.json()["saved"]["C1"]["version"] == 1


def test_many_elements_in_one_post(world, login, alice_card, django_assert_max_num_queries):
    c = login(world.alice)
    data = {}
    for e in elements(world.version):
        data[f"points_{e.code}"] = str(e.points)
        data[f"version_{e.code}"] = "0"
    with django_assert_max_num_queries(20):
        response = save_json(c, alice_card, data)
    assert response.status_code == 200
    assert len(response.json()["saved"]) == 84
    assert response.json()["totals"]["total"] == "100.00"


def test_an_invalid_value_is_400_with_a_chinese_message_and_keeps_the_saved_one(world, login, alice_card):
    c = login(world.alice)
    save_json(c, alice_card, {"points_C1": "0.5", "version_C1": "0"})
    # An empty value is not among them: it clears the score (tests/evaluation/test_workspace.py).
    for bad in ["1e309", "NaN", "Infinity", "-0", "很好", "-1", "1.5", "0.3"]:
        response = save_json(c, alice_card, {"points_C1": bad, "version_C1": "1"})
        assert response.status_code == 400, bad
        assert response.json()["errors"]["C1"], bad
        assert "C1" not in response.json()["saved"]
    assert Score.objects.get(scorecard=alice_card, element__code="C1").points == Decimal("0.50")


def test_a_stale_version_is_409_with_the_current_value_and_who(world, login, alice_card):
    c = login(world.alice)
    save_json(c, alice_card, {"points_C1": "0.5", "version_C1": "0"})
    save_json(c, alice_card, {"points_C1": "1", "version_C1": "1"})
    response = save_json(c, alice_card, {"points_C1": "0", "version_C1": "1", "points_C2": "1", "version_C2": "0"})
    assert response.status_code == 409
    conflict = response.json()["conflicts"]["C1"]
    assert conflict["points"] == "1.00" and conflict["version"] == 2 and conflict["by"] == "张专家"
    assert "1" in conflict["message"] and "未保存" in conflict["message"]
    assert "C2" in response.json()["saved"]  # the fresh element of the same post is saved
    assert Score.objects.get(scorecard=alice_card, element__code="C1").points == Decimal("1.00")


def test_a_plain_form_post_redirects_back_with_messages(world, login, alice_card):
    c = login(world.alice)
    url = reverse("evaluation:scorecard_save", args=[alice_card.pk])
    data = {"points_C1": "1", "version_C1": "0", "points_C2": "9", "version_C2": "0", "points_C3": "", "version_C3": "0"}
    response = c.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("evaluation:scorecard", args=[alice_card.pk])
    text = response.content.decode()
    assert "已保存 1 项得分" in text and "C2：9 超出标准分" in text
    assert Score.objects.filter(scorecard=alice_card).count() == 1


def test_save_requires_login(world, client, alice_card):
    response = client.post(reverse("evaluation:scorecard_save", args=[alice_card.pk]), {"points_C1": "1"})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_outsider_inspector_gets_404(world, login, alice_card):
    assert save_json(login(world.bob), alice_card, {"points_C1": "1", "version_C1": "0"}).status_code == 404


@pytest.mark.parametrize("who", ["lead", "official", "city_official", "admin"])
def test_read_only_roles_get_403(world, login, alice_card, who):
    response = save_json(login(getattr(world, who)), alice_card, {"points_C1": "1", "version_C1": "0"})
    assert response.status_code == 403
    assert not Score.objects.exists()


def test_other_district_official_gets_404(world, login, alice_card):
    assert save_json(login(world.other_official), alice_card, {"points_C1": "1"}).status_code == 404


def test_get_is_405(world, login, alice_card):
    assert login(world.alice).get(reverse("evaluation:scorecard_save", args=[alice_card.pk])).status_code == 405


def test_a_submitted_scorecard_is_read_only_403(world, login, alice_card):
    alice_card.status = alice_card.Status.SUBMITTED
    alice_card.save()
    assert save_json(login(world.alice), alice_card, {"points_C1": "1", "version_C1": "0"}).status_code == 403


def test_posting_nothing_is_400(world, login, alice_card):
    assert save_json(login(world.alice), alice_card, {}).status_code == 400


def test_a_closed_round_is_read_only_403(world, login, alice_card):
    world.round.status = "closed"
    world.round.save()
    assert save_json(login(world.alice), alice_card, {"points_C1": "1", "version_C1": "0"}).status_code == 403
    assert not Score.objects.exists()


def test_a_note_alone_keeps_the_points_and_bumps_the_version(world, login, alice_card):
    c = login(world.alice)
    save_json(c, alice_card, {"points_C1": "1", "version_C1": "0"})
    response = save_json(c, alice_card, {"points_C1": "1", "note_C1": "补充：查看了会议记录", "version_C1": "1"})
    assert response.status_code == 200 and response.json()["saved"]["C1"]["version"] == 2
    assert Score.objects.get(scorecard=alice_card).note == "补充：查看了会议记录"


# --- the POST is parsed by a form (evaluation.forms.ScoresForm), element by element -------


def test_a_malformed_version_is_refused_at_its_element_and_changes_nothing(world, login, alice_card):
    c = login(world.alice)
    save_json(c, alice_card, {"points_C1": "0.5", "version_C1": "0"})
    for bad in ["abc", "-1", "1.5", "１x"]:
        response = save_json(c, alice_card, {"points_C1": "1", "version_C1": bad,
                                             "points_C2": "1", "version_C2": "0"})
        # Not a conflict with itself (409 and "changed by 张专家"): a bad request at that element.
        assert response.status_code == 400, bad
        data = response.json()
        assert set(data) == {"saved", "errors", "conflicts", "totals"}  # the shape scorecard.js reads
        assert data["errors"] == {"C1": "版本号无效，请刷新页面后重试。"}, bad
        assert data["conflicts"] == {} and "C2" in data["saved"]
        assert data["totals"]["scored"] == 2
    row = Score.objects.get(scorecard=alice_card, element__code="C1")
    assert (row.points, row.version) == (Decimal("0.50"), 1)
    assert Score.history.filter(scorecard_id=alice_card.pk, element__code="C1").count() == 1


def test_a_note_over_2000_characters_is_refused_by_the_form_in_chinese(world, login, alice_card):
    response = save_json(login(world.alice), alice_card, {"points_C1": "1", "note_C1": "注" * 2001, "version_C1": "0"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"C1": "备注不能超过 2000 字。"}
    assert not Score.objects.filter(scorecard=alice_card).exists()


def test_the_scores_form_reads_each_posted_element():
    from evaluation.forms import ScoresForm

    form = ScoresForm({"points_C1": "1", "note_C1": "好", "version_C1": "2", "points_C2": "", "version_C2": "0",
                       "points_C3": "0.5", "points_C4": "", "note_C4": "先记下", "version_C5": "x",
                       "csrfmiddlewaretoken": "t"})
    form.is_valid()
    assert form.values == {
        "C1": {"points": "1", "note": "好", "version": 2},
        "C3": {"points": "0.5", "note": None, "version": 0},  # no note field: the stored note stays
        "C4": {"points": "", "note": "先记下", "version": 0},
    }
    assert form.element_errors == {}  # version_C5 without points_C5 is not an element of this POST
    bad = ScoresForm({"points_C9": "1", "version_C9": "-3"})
    bad.is_valid()
    assert bad.values == {} and bad.element_errors == {"C9": "版本号无效，请刷新页面后重试。"}
