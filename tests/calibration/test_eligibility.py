"""A round's calibration requirement: panel assignment refuses, and the page says who and why."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from calibration import services as calibration_services
from evaluation import services
from evaluation.models import Scorecard
from tests import factories as f
from tests.calibration.helpers import card_of, make_case, score


@pytest.fixture
def w(world):
    case = make_case(world, inspectors=[world.alice, world.bob, world.lead])
    calibration_services.reference_save(case=case, values={"C1": "1", "C2": "0.5", "C3": "0"}, by=world.admin)
    score(card_of(case, world.alice), {"C1": "0.5", "C2": "1", "C3": "0"}, rest="0", submit=True)  # MAD 0.33
    score(card_of(case, world.bob), {"C1": "1", "C2": "1", "C3": "1"}, rest="0", submit=True)  # MAD 0.50
    score(card_of(case, world.lead), {"C1": "1", "C2": "0.5", "C3": "0"}, rest="0")  # perfect, but a draft
    world.new_round = f.round_(world.version, name="2027年度评估", year=2027, calibration_max_mad=Decimal("0.40"), panel_min=1)
    world.s = f.school(world.other_district, name="碑林区第九小学")
    return world


def _assign(w, inspectors, lead):
    return services.panel_assign(round=w.new_round, schools=[w.s], inspectors=inspectors, lead=lead, by=w.admin)


def test_refuses_the_uncalibrated_and_the_too_far_with_reasons(w):
    with pytest.raises(ValidationError) as exc:
        _assign(w, [w.bob], w.lead)
    messages = exc.value.message_dict["inspectors"]
    assert "赵专家 不符合本批次的校准要求：校准平均绝对偏差 0.50 > 0.40" in messages
    assert "李组长 不符合本批次的校准要求：未完成校准评估" in messages  # a draft calibration does not count
    assert not Scorecard.objects.filter(evaluation__round=w.new_round).exists()


def test_assigns_the_calibrated(w):
    _assign(w, [], w.alice)
    assert Scorecard.objects.filter(evaluation__round=w.new_round, inspector=w.alice, is_lead=True).exists()


def test_at_the_threshold_is_enough_and_no_threshold_no_requirement(w):
    w.new_round.calibration_max_mad = Decimal("0.50")
    w.new_round.save()
    _assign(w, [w.bob], w.alice)
    w.new_round.calibration_max_mad = None
    w.new_round.save()
    _assign(w, [w.lead], w.alice)
    assert Scorecard.objects.filter(evaluation__round=w.new_round).count() == 3


def test_the_page_shows_who_is_not_eligible_and_why(w, login):
    html = login(w.admin).get(reverse("evaluation:panel_assign", args=[w.new_round.pk])).content.decode()
    assert "不符合校准要求：校准平均绝对偏差 0.50 &gt; 0.40" in html
    assert "不符合校准要求：未完成校准评估" in html
    assert f'<option value="{w.bob.pk}" disabled>' in html
    assert f'<option value="{w.alice.pk}">' in html


def test_the_round_form_sets_the_threshold(w, login):
    client = login(w.admin)
    html = client.get(reverse("evaluation:round_edit", args=[w.new_round.pk])).content.decode()
    assert 'name="calibration_max_mad"' in html
