"""回避 by the school an inspector works at: the account's school (User.school) decides, the free-text
工作单位 is the tolerant fallback."""

import pytest
from django.core.exceptions import ValidationError

from accounts import roles
from evaluation import recusal, services
from evaluation.models import Evaluation, Scorecard
from tests import factories as f


@pytest.fixture
def units(world):
    world.new_round = f.round_(world.version, name="2027年度评估", year=2027)
    world.s1 = f.school(world.other_district, name="碑林区第二小学")
    world.s2 = f.school(world.other_district, name="碑林区第三小学")
    return world


def _inspector(username, **fields):
    return f.user(username, roles.INSPECTOR, name=username, **fields)


def test_the_accounts_school_is_never_on_its_panel_whatever_the_unit_text_says(units):
    w = units
    carol = _inspector("carol", school=w.s1, organization="某某教研室")
    before = (Evaluation.objects.count(), Scorecard.objects.count())
    with pytest.raises(ValidationError, match="须回避"):
        services.panel_assign(round=w.new_round, schools=[w.s1], inspectors=[carol], lead=w.lead, by=w.admin)
    assert (Evaluation.objects.count(), Scorecard.objects.count()) == before
    services.panel_assign(round=w.new_round, schools=[w.s2], inspectors=[carol], lead=w.lead, by=w.admin)


def test_the_school_field_wins_over_a_matching_unit_text(units):
    w = units
    # The account says the person works at s2; an old unit text naming s1 no longer decides.
    dave = _inspector("dave", school=w.s2, organization="碑林区第二小学")
    assert not recusal.is_own_unit(dave, w.s1)
    assert recusal.is_own_unit(dave, w.s2)


@pytest.mark.parametrize("unit", [
    "碑林区第二小学", "西安市碑林区第二小学", "陕西省西安市碑林区第二小学", " 碑林区 第二小学 ",
    "碑林区第二小学（本部）", "ＸＩ碑林区第二小学".replace("ＸＩ", ""), "碑林区第二小学\u3000",
])
def test_the_unit_text_is_compared_tolerantly(units, unit):
    assert recusal.is_own_unit(_inspector("erin", organization=unit), units.s1)


@pytest.mark.parametrize("unit", ["碑林区", "西安市", "碑林区第三小学", "", "小学", "碑林区第二中学"])
def test_other_units_are_not_the_school(units, unit):
    assert not recusal.is_own_unit(_inspector("frank", organization=unit), units.s1)


def test_full_width_letters_and_digits_in_a_unit_match_the_half_width_name(world):
    school = f.school(world.district, name="西安市第83中学")
    assert recusal.is_own_unit(_inspector("gina", organization="西安市第８３中学"), school)


def test_the_assign_page_names_the_school_reason(units, login):
    from django.urls import reverse

    w = units
    _inspector("carol", school=w.s1)
    page = login(w.admin).get(reverse("evaluation:panel_assign", args=[w.new_round.pk])
                             + f"?district={w.other_district.pk}").content.decode()
    assert "本单位须回避：碑林区第二小学" in page
