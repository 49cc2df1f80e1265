"""回避 and panel size in panel assignment: each rule on the service and through the assign page.

Every refusal leaves the database as it was (no evaluation, scorecard, transition or audit event).
"""

import pytest
from django.contrib.auth.models import Group
from django.utils.html import escape
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import roles
from audit.models import AuditEvent
from evaluation import services
from evaluation.models import Evaluation, Round, Scorecard, Transition
from tests import factories as f


def _state():
    return (
        sorted(Evaluation.objects.values_list("round_id", "school_id")),
        sorted(Scorecard.objects.values_list("evaluation_id", "inspector_id", "is_lead")),
        Transition.objects.count(),
        AuditEvent.objects.filter(event="panel.assign").count(),
    )


@pytest.fixture
def fresh(world):
    """A new round, two 雁塔 schools and one 碑林 school, and inspectors with units."""
    world.new_round = f.round_(world.version, name="2027年度评估", year=2027)
    world.s1 = f.school(world.district, name="雁塔区第二小学")
    world.s2 = f.school(world.district, name="雁塔区第三小学")
    world.s3 = f.school(world.other_district, name="碑林区第二小学")
    # carol works at 雁塔区第二小学 (so her unit's district is 雁塔区); dave's unit is in 碑林区.
    world.carol = f.user("carol", roles.INSPECTOR, name="王专家", organization="雁塔区第二小学", district_obj=world.district)
    world.dave = f.user("dave", roles.INSPECTOR, name="钱专家", organization="碑林区教育局", district_obj=world.other_district)
    return world


def _assign(w, schools, inspectors, lead, **kw):
    return services.panel_assign(round=w.new_round, schools=schools, inspectors=inspectors, lead=lead, by=w.admin, **kw)


# ---------------------------------------------------------------- own unit


def test_an_inspector_is_never_assigned_to_their_own_unit(fresh):
    w = fresh
    w.new_round.same_district = Round.SameDistrict.WARN
    w.new_round.save()
    before = _state()
    with pytest.raises(ValidationError) as exc:
        _assign(w, [w.s1], [w.carol], w.lead, confirm_warnings=True)
    assert "王专家：工作单位即雁塔区第二小学，须回避" in str(exc.value)
    assert _state() == before


def test_the_unit_matches_the_school_name_ignoring_white_space(fresh):
    w = fresh
    w.carol.organization = " 雁塔区第二　小学 "
    w.carol.district = None  # only the unit rule applies
    w.carol.save()
    with pytest.raises(ValidationError, match="须回避"):
        _assign(w, [w.s1], [w.carol], w.lead)
    # Another school of the same (unknown) district is fine.
    assert len(_assign(w, [w.s2], [w.carol], w.lead)) == 1


def test_the_lead_is_checked_as_well(fresh):
    w = fresh
    with pytest.raises(ValidationError, match="工作单位即雁塔区第二小学"):
        _assign(w, [w.s1], [w.alice], w.carol)


# ---------------------------------------------------------------- same district


def test_same_district_is_refused_when_the_round_says_so(fresh):
    w = fresh
    assert w.new_round.same_district == Round.SameDistrict.REFUSE  # the default
    before = _state()
    with pytest.raises(ValidationError) as exc:
        _assign(w, [w.s2, w.s3], [w.carol], w.lead, confirm_warnings=True)
    assert "王专家：工作单位在雁塔区，与雁塔区第三小学同区县，须回避" in str(exc.value)
    assert _state() == before
    # The same inspector in another district's school is fine.
    _assign(w, [w.s3], [w.carol], w.lead)
    assert Scorecard.objects.filter(evaluation__school=w.s3, inspector=w.carol).exists()


def test_same_district_only_warns_and_needs_confirmation_when_the_round_says_so(fresh):
    w = fresh
    w.new_round.same_district = Round.SameDistrict.WARN
    w.new_round.save()
    before = _state()
    with pytest.raises(services.RecusalWarning) as exc:
        _assign(w, [w.s2], [w.carol], w.lead)
    assert [c.inspector.username for c in exc.value.conflicts] == ["carol"]
    assert _state() == before
    _assign(w, [w.s2], [w.carol], w.lead, confirm_warnings=True)
    assert Scorecard.objects.filter(evaluation__school=w.s2, inspector=w.carol).exists()
    event = AuditEvent.objects.get(event="panel.assign")
    assert "同区县" in str(event.detail["recusal_confirmed"])
    assert "已确认同区县提示" in Transition.objects.get(evaluation__school=w.s2).reason


# ---------------------------------------------------------------- self


def test_the_assigning_admin_cannot_put_themselves_on_a_panel(fresh, settings):
    w = fresh
    # 三权分立 forbids an admin who inspects unless a county allows the pair (ROLE_ALLOWED_PAIRS).
    settings.ROLE_ALLOWED_PAIRS = ["管理员+督导专家"]
    w.admin.groups.add(Group.objects.get_or_create(name=roles.INSPECTOR)[0])
    before = _state()
    with pytest.raises(ValidationError, match="不能把自己分配到专家组"):
        _assign(w, [w.s3], [w.alice], w.admin)
    assert _state() == before


def test_an_inspector_cannot_assign_at_all(fresh):
    w = fresh
    before = _state()
    with pytest.raises(PermissionDenied):
        services.panel_assign(round=w.new_round, schools=[w.s3], inspectors=[w.alice], lead=w.lead, by=w.lead)
    assert _state() == before


# ---------------------------------------------------------------- panel size and lead


def test_a_lead_is_required(fresh):
    w = fresh
    with pytest.raises(ValidationError, match="请选择组长"):
        _assign(w, [w.s3], [w.alice, w.bob], None)


def test_a_panel_below_the_minimum_is_refused_with_the_reason(fresh):
    w = fresh
    before = _state()
    with pytest.raises(ValidationError) as exc:
        _assign(w, [w.s3], [], w.lead)
    assert "本批次专家组须为 2–3 人（含组长），以下学校将有 1 人：碑林区第二小学" in str(exc.value)
    assert _state() == before


def test_a_panel_above_the_maximum_counts_the_members_already_there(fresh):
    w = fresh
    _assign(w, [w.s3], [w.alice, w.bob], w.lead)
    before = _state()
    with pytest.raises(ValidationError, match="将有 4 人：碑林区第二小学"):
        _assign(w, [w.s3], [w.carol], w.lead)
    assert _state() == before


def test_the_round_declares_its_own_panel_size(fresh):
    w = fresh
    w.new_round.panel_min, w.new_round.panel_max = 3, 5
    w.new_round.save()
    with pytest.raises(ValidationError, match="3–5 人"):
        _assign(w, [w.s3], [w.alice], w.lead)
    erin = f.user("erin", roles.INSPECTOR, name="孙专家")
    assert len(_assign(w, [w.s3], [w.alice, w.bob, erin, w.carol], w.lead)) == 1


def test_a_round_with_maximum_below_minimum_is_invalid(fresh):
    w = fresh
    w.new_round.panel_min, w.new_round.panel_max = 3, 2
    with pytest.raises(ValidationError, match="最多人数不能少于最少人数"):
        w.new_round.full_clean()


# ---------------------------------------------------------------- through the assign page


def _url(w):
    return reverse("evaluation:panel_assign", args=[w.new_round.pk])


def test_the_page_refuses_an_own_unit_assignment_and_says_why(fresh, login):
    w = fresh
    before = _state()
    response = login(w.admin).post(_url(w), {"schools": [w.s1.pk], "inspectors": [w.carol.pk, w.alice.pk], "lead": w.lead.pk})
    assert response.status_code == 400
    assert "回避：王专家：工作单位即雁塔区第二小学，须回避" in response.content.decode()
    assert _state() == before


def _checkbox(html, user):
    """The <input> tag of one inspector's checkbox."""
    start = html.index(f'name="inspectors" value="{user.pk}"')
    return html[html.rindex("<input", 0, start):html.index(">", start)]


def test_the_page_shows_why_an_inspector_is_not_selectable(fresh, login):
    w = fresh
    html = login(w.admin).get(_url(w), {"q": "雁塔区第二小学"}).content.decode()
    # carol's unit is the only school on screen: her checkbox and lead option are disabled, with the reason.
    assert "disabled" in _checkbox(html, w.carol)
    assert "不可选择：本单位须回避：雁塔区第二小学" in html
    assert f'<option value="{w.carol.pk}" disabled>' in html
    # dave (碑林区) is selectable for a 雁塔 school.
    assert "disabled" not in _checkbox(html, w.dave)
    html = login(w.admin).get(_url(w), {"district": w.district.pk}).content.decode()
    assert "disabled" in _checkbox(html, w.carol)  # every listed school is in her district
    assert "同区县（雁塔区）须回避：2 所" in html


def test_the_page_notes_partial_conflicts_but_keeps_the_inspector_selectable(fresh, login):
    w = fresh
    html = login(w.admin).get(_url(w)).content.decode()  # every district: 碑林 schools are fine for carol
    assert "disabled" not in _checkbox(html, w.carol)
    assert "本单位须回避：雁塔区第二小学；同区县（雁塔区）须回避：2 所" in html


def test_the_page_asks_for_confirmation_of_same_district_warnings(fresh, login):
    w = fresh
    w.new_round.same_district = Round.SameDistrict.WARN
    w.new_round.save()
    c = login(w.admin)
    data = {"schools": [w.s2.pk], "inspectors": [w.carol.pk], "lead": w.lead.pk}
    before = _state()
    response = c.post(_url(w), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "王专家：工作单位在雁塔区，与雁塔区第三小学同区县" in html and "已知悉上述同区县情况，仍然分配" in html
    assert f'value="{w.s2.pk}" id="school-{w.s2.pk}" checked' in html  # the ticked school stays ticked
    assert _state() == before
    assert c.post(_url(w), {**data, "confirm_warnings": "on"}).status_code == 302
    assert Scorecard.objects.filter(evaluation__school=w.s2, inspector=w.carol).exists()


def test_the_page_refuses_a_panel_of_the_wrong_size(fresh, login):
    w = fresh
    before = _state()
    response = login(w.admin).post(_url(w), {"schools": [w.s3.pk], "inspectors": [w.lead.pk], "lead": w.lead.pk})
    assert response.status_code == 400 and "以下学校将有 1 人：碑林区第二小学" in response.content.decode()
    assert _state() == before


def test_an_inspector_posting_to_the_assign_page_to_put_themselves_on_a_panel_is_refused(fresh, login):
    w = fresh
    before = _state()
    response = login(w.bob).post(_url(w), {"schools": [w.s3.pk], "inspectors": [w.bob.pk, w.alice.pk], "lead": w.bob.pk})
    assert response.status_code == 403
    assert _state() == before


def test_the_round_form_saves_the_panel_rules(fresh, login):
    w = fresh
    url = reverse("evaluation:round_edit", args=[w.new_round.pk])
    data = {"name": w.new_round.name, "year": 2027, "rubric_version": w.version.pk, "status": "open",
            "consolidation": "mean", "panel_min": 3, "panel_max": 2, "same_district": "warn"}
    response = login(w.admin).post(url, data)
    assert response.status_code == 400 and "专家组最多人数不能少于最少人数" in response.content.decode()
    assert login(w.admin).post(url, {**data, "panel_max": 4}).status_code == 302
    w.new_round.refresh_from_db()
    assert (w.new_round.panel_min, w.new_round.panel_max, w.new_round.same_district) == (3, 4, "warn")


# From /work/shared/testdata/hostile-inputs.json ("markup").
MARKUP = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)',
          '<svg onload=alert(1)>', '{{ 7*7 }}']


@pytest.mark.parametrize("name", MARKUP)
def test_hostile_unit_and_school_names_come_out_escaped_in_the_reasons(fresh, login, name):
    w = fresh
    school = f.school(w.other_district, name=name)
    w.dave.organization = name
    w.dave.district = None
    w.dave.save()
    html = login(w.admin).get(_url(w), {"q": name}).content.decode()
    assert name not in html or name == escape(name)
    assert f"本单位须回避：{escape(name)}" in html
    response = login(w.admin).post(_url(w), {"schools": [school.pk], "inspectors": [w.dave.pk], "lead": w.lead.pk})
    assert response.status_code == 400 and f"工作单位即{escape(name)}，须回避" in response.content.decode()
