"""The scoring workspace page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluation import services
from tests.evaluation.conftest import elements, fill


def url(card):
    return reverse("evaluation:scorecard", args=[card.pk])


def test_owner_sees_all_84_elements_with_inputs_and_totals(world, login, alice_card):
    response = login(world.alice).get(url(alice_card))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('inputmode="decimal"') == 84
    assert 'id="points_C84"' in html and 'name="version_C1" id="version_C1" value="0"' in html
    assert 'data-total="total"' in html and 'data-total="A1"' in html and 'data-total="B1"' in html
    assert html.count("unscored") >= 84
    assert "evaluation/scorecard.js" in html and "<script>" not in html
    assert 'id="score-labels"' in html and "未评分" in html


def test_saved_scores_show_with_their_version_and_state(world, login, alice_card):
    services.score_save(scorecard=alice_card, element=elements(world.version)[0], points="0.5", note="好", version=0, by=world.alice)
    html = login(world.alice).get(url(alice_card)).content.decode()
    assert 'value="0.5"' in html and 'name="version_C1" id="version_C1" value="1"' in html
    assert "0.50" in html  # running total


def test_the_page_runs_a_constant_number_of_queries(world, login, alice_card, django_assert_max_num_queries):
    c = login(world.alice)
    # 15, + 2 for the previous round's final scores (evaluation.selectors.previous_scores)
    with django_assert_max_num_queries(17):
        assert c.get(url(alice_card)).status_code == 200
    fill(alice_card)
    for e in elements(world.version)[:10]:
        for n in range(3):
            services.evidence_add(
                scorecard=alice_card, element=e, by=world.alice,
                upload=SimpleUploadedFile(f"{n}.pdf", b"%PDF-1.4\n%test\n%%EOF\n", content_type="application/pdf"),
            )
    with django_assert_max_num_queries(17):
        response = c.get(url(alice_card))
    assert response.status_code == 200 and response.content.decode().count("bi-paperclip") == 30


def test_requires_login(world, client, alice_card):
    assert client.get(url(alice_card)).status_code == 302


def test_outsider_inspector_gets_404(world, login, alice_card):
    assert login(world.bob).get(url(alice_card)).status_code == 404


def test_other_district_official_gets_404(world, login, alice_card):
    assert login(world.other_official).get(url(alice_card)).status_code == 404


@pytest.mark.parametrize("who", ["lead", "official", "city_official", "admin"])
def test_readers_see_it_read_only(world, login, alice_card, who):
    response = login(getattr(world, who)).get(url(alice_card))
    assert response.status_code == 200
    html = response.content.decode()
    assert "readonly" in html and 'id="save-all"' not in html


def test_post_is_405(world, login, alice_card):
    assert login(world.alice).post(url(alice_card)).status_code == 405


def test_submitted_scorecard_is_shown_read_only_to_its_owner(world, login, alice_card):
    alice_card.status = alice_card.Status.SUBMITTED
    alice_card.save()
    html = login(world.alice).get(url(alice_card)).content.decode()
    assert 'id="save-all"' not in html and "已提交" in html
