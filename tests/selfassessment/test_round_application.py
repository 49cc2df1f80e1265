"""Rounds with a 申报 phase: dates in order, who may apply (stages, list, nominations), and the
districts' nominations."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from evaluation.models import Round
from schools.models import School
from selfassessment import selectors, services
from selfassessment.models import SchoolNomination, SelfAssessment
from tests import factories as f

from .conftest import open_round, small_version

TODAY = date(2027, 3, 15)


def _round(w, **fields):
    return open_round(small_version(), name=f"批次{Round.objects.count()}", apply_opens_on=date(2027, 3, 1),
                      apply_closes_on=date(2027, 3, 31), district_review_closes_on=date(2027, 4, 15),
                      visit_starts_on=date(2027, 5, 1), visit_ends_on=date(2027, 6, 30), **fields)


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("fields,field,message", [
    ({"apply_closes_on": date(2027, 2, 1)}, "apply_closes_on", "申报截止不能早于申报开始"),
    ({"district_review_closes_on": date(2027, 3, 30)}, "district_review_closes_on", "区县初评截止不能早于申报截止"),
    ({"visit_starts_on": date(2027, 2, 27)}, "visit_starts_on", "现场评估不能早于申报开始"),
    ({"visit_ends_on": date(2027, 4, 30)}, "visit_ends_on", "现场评估结束不能早于开始"),
    ({"apply_opens_on": None}, "apply_opens_on", "须填写申报开始和截止日期"),
    ({"applicant_stages": "primary,college"}, "applicant_stages", "学段无效"),
])
def test_the_dates_are_checked_in_order_at_their_field(world, fields, field, message):
    r = _round(world)
    for k, v in fields.items():
        setattr(r, k, v)
    with pytest.raises(ValidationError) as exc:
        r.full_clean()
    assert message in " ".join(exc.value.message_dict[field])


def _post_round(client, w, **changes):
    data = {"name": "2027年度申报批次", "year": "2027", "rubric_version": w.version.pk, "status": "open",
            "consolidation": "mean", "require_consolidation_notes": "on", "panel_min": "2", "panel_max": "3",
            "same_district": "refuse", "self_assessment": "on", "apply_opens_on": "2027-03-01",
            "apply_closes_on": "2027-03-31", "district_review_closes_on": "2027-04-15",
            "visit_starts_on": "2027-05-01", "visit_ends_on": "2027-06-30", "applicants": "stages",
            "applicant_stages": ["primary"]}
    data.update(changes)
    return client.post(reverse("evaluation:round_create"), data)


def test_the_admin_opens_a_round_for_applications_with_a_list_of_schools(login, world):
    client = login(world.admin)
    response = _post_round(client, world, applicants="list", applicant_codes=f"{world.school.code}\n{world.other_school.code}")
    assert response.status_code == 302
    r = Round.objects.get(name="2027年度申报批次")
    assert r.self_assessment and r.applicants == "list"
    assert set(r.applicant_schools.all()) == {world.school, world.other_school}
    page = client.get(reverse("evaluation:round_edit", args=[r.pk])).content.decode()
    assert world.school.code in page and "学校自评申报" in page
    # A submission without the list field (an older script) keeps the list.
    data = {"name": r.name, "year": "2027", "rubric_version": world.version.pk, "status": "open",
            "consolidation": "mean", "self_assessment": "on", "apply_opens_on": "2027-03-01",
            "apply_closes_on": "2027-03-31", "applicants": "list"}
    assert client.post(reverse("evaluation:round_edit", args=[r.pk]), data).status_code == 302
    assert set(r.applicant_schools.all()) == {world.school, world.other_school}


@pytest.mark.parametrize("changes,message", [
    ({"applicants": "list", "applicant_codes": ""}, "请至少填写一所学校的代码"),
    ({"applicants": "list", "applicant_codes": "NOPE1, =HYPERLINK(1)"}, "找不到以下学校代码：NOPE1、=HYPERLINK(1)"),
    ({"apply_closes_on": "2027-02-01"}, "申报截止不能早于申报开始"),
    ({"applicant_stages": ["college"]}, "college"),
])
def test_a_bad_round_form_is_refused_at_the_field_and_nothing_is_saved(login, world, changes, message):
    before = Round.objects.count()
    response = _post_round(login(world.admin), world, **changes)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Round.objects.count() == before


# ---------------------------------------------------------------- who may apply


def test_the_stage_rule(world):
    r = _round(world, applicant_stages="junior")
    junior = f.school(world.district, name="雁塔区第一中学", stage=School.Stage.JUNIOR)
    assert selectors.application_refusal(round=r, school=junior, today=TODAY) is None
    assert "只接受初中学校申报" in selectors.application_refusal(round=r, school=world.school, today=TODAY)
    assert list(selectors.eligible_schools(round=r)) == [junior]
    r.applicant_stages = ""
    assert selectors.is_eligible(round=r, school=world.school)


def test_the_list_rule(world):
    r = _round(world, applicants=Round.Applicants.LIST)
    r.applicant_schools.set([world.other_school])
    assert selectors.application_refusal(round=r, school=world.other_school, today=TODAY) is None
    assert selectors.application_refusal(round=r, school=world.school, today=TODAY) == "本校不在本批次的申报学校名单中。"


def test_the_nomination_rule(world):
    r = _round(world, applicants=Round.Applicants.NOMINATED)
    assert "尚未被区县推荐" in selectors.application_refusal(round=r, school=world.school, today=TODAY)
    services.nominations_set(round=r, district_ids=[world.district.pk], schools=[world.school], by=world.official,
                             today=TODAY)
    assert selectors.application_refusal(round=r, school=world.school, today=TODAY) is None


@pytest.mark.parametrize("today,message", [
    (date(2027, 2, 28), "申报将于 2027-03-01 开始。"),
    (date(2027, 3, 1), None),
    (date(2027, 3, 31), None),
    (date(2027, 4, 1), "申报已于 2027-03-31 截止。"),
])
def test_the_application_window(world, today, message):
    assert selectors.application_refusal(round=_round(world), school=world.school, today=today) == message


def test_a_round_without_applications_or_closed_refuses(world):
    r = _round(world)
    r.self_assessment = False
    assert selectors.application_refusal(round=r, school=world.school, today=TODAY) == "本批次未开放学校自评申报。"
    r.self_assessment, r.status = True, Round.Status.CLOSED
    assert selectors.application_refusal(round=r, school=world.school, today=TODAY) == "该评估批次已结束。"


# ---------------------------------------------------------------- nominations


@pytest.fixture
def nominated(world):
    world.nr = _round(world, applicants=Round.Applicants.NOMINATED)
    world.s2 = f.school(world.district, name="雁塔区第二小学")
    return world


def _state():
    return sorted(SchoolNomination.objects.values_list("round_id", "school_id"))


def test_a_district_official_nominates_own_schools_on_the_page(login, nominated, monkeypatch):
    w = nominated
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: TODAY)
    client = login(w.official)
    url = reverse("selfassessment:nominations", args=[w.nr.pk])
    page = client.get(url).content.decode()
    assert w.school.name in page and w.other_school.name not in page
    response = client.post(url, {"schools": [w.school.pk, w.s2.pk]})
    assert response.status_code == 302
    assert _state() == sorted([(w.nr.pk, w.school.pk), (w.nr.pk, w.s2.pk)])
    event = AuditEvent.objects.get(event="self_assessment.nominate")
    assert sorted(event.detail["added"]) == sorted([w.school.code, w.s2.code])
    client.post(url, {"schools": [w.school.pk]})
    assert _state() == [(w.nr.pk, w.school.pk)]


def test_another_districts_school_cannot_be_nominated(login, nominated, monkeypatch):
    w = nominated
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: TODAY)
    response = login(w.official).post(reverse("selfassessment:nominations", args=[w.nr.pk]),
                                      {"schools": [w.other_school.pk]})
    assert response.status_code == 400 and _state() == []
    with pytest.raises(PermissionDenied):
        services.nominations_set(round=w.nr, district_ids=[w.other_district.pk], schools=[w.other_school],
                                 by=w.official, today=TODAY)
    with pytest.raises(PermissionDenied):
        services.nominations_set(round=w.nr, district_ids=[w.district.pk], schools=[w.other_school],
                                 by=w.official, today=TODAY)
    assert _state() == []


@pytest.mark.parametrize("who", ["city_official", "admin"])
def test_the_city_reads_nominations_but_does_not_make_them(login, nominated, who):
    w = nominated
    client = login(getattr(w, who))
    url = reverse("selfassessment:nominations", args=[w.nr.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="schools"' not in page.content.decode()
    assert client.post(url, {"schools": [w.school.pk]}).status_code == 403
    assert _state() == []


@pytest.mark.parametrize("who,status", [("school_user", 403), ("alice", 403), ("security_admin", 403),
                                         ("unscoped_official", 403)])
def test_others_may_not_see_nominations(login, nominated, who, status):
    url = reverse("selfassessment:nominations", args=[nominated.nr.pk])
    assert login(getattr(nominated, who)).get(url).status_code == status


def test_nominations_page_needs_login_a_nominating_round_and_the_right_method(client, login, nominated, world):
    url = reverse("selfassessment:nominations", args=[nominated.nr.pk])
    assert client.get(url).status_code == 302
    assert login(world.official).get(reverse("selfassessment:nominations", args=[world.round.pk])).status_code == 404
    assert login(world.official).put(url).status_code == 405


def test_nominations_close_with_the_application_and_a_started_school_keeps_its_nomination(nominated):
    w = nominated
    services.nominations_set(round=w.nr, district_ids=[w.district.pk], schools=[w.school], by=w.official, today=TODAY)
    SelfAssessment.objects.create(round=w.nr, school=w.school)
    with pytest.raises(ValidationError, match="已开始填报，不能取消提名"):
        services.nominations_set(round=w.nr, district_ids=[w.district.pk], schools=[], by=w.official, today=TODAY)
    with pytest.raises(ValidationError, match="申报已于 2027-03-31 截止"):
        services.nominations_set(round=w.nr, district_ids=[w.district.pk], schools=[w.school, w.s2], by=w.official,
                                 today=TODAY + timedelta(days=30))
    assert _state() == [(w.nr.pk, w.school.pk)]


def test_a_round_on_another_rule_takes_no_nominations(world):
    r = _round(world)
    with pytest.raises(ValidationError, match="不采用区县推荐"):
        services.nominations_set(round=r, district_ids=[world.district.pk], schools=[world.school], by=world.official,
                                 today=TODAY)


# ---------------------------------------------------------------- the rubric version, once the schools filed


def _self_score(w):
    sa_row = selectors.self_assessment_of(round=w.sa_round, school=w.school)
    services.self_scores_save_many(self_assessment=sa_row, values={"C1": {"points": "1", "version": 0}},
                                   by=w.school_user)


def _self_file(w):
    from .conftest import pdf

    sa_row = selectors.self_assessment_of(round=w.sa_round, school=w.school)
    services.self_evidence_add(self_assessment=sa_row, upload=pdf(), by=w.school_user)  # a 自评报告 attachment


@pytest.mark.parametrize("filed", [_self_score, _self_file])
def test_the_rubric_version_cannot_change_once_schools_filed_self_assessments(sa, filed):
    from evaluation.services import round_save

    filed(sa)
    before = sa.sa_round.rubric_version_id
    sa.sa_round.rubric_version = sa.version
    with pytest.raises(ValidationError) as caught:
        round_save(round=sa.sa_round, by=sa.admin)
    assert "学校已填报自评" in caught.value.message_dict["rubric_version"][0]
    assert Round.objects.get(pk=sa.sa_round.pk).rubric_version_id == before


def test_the_round_form_shows_the_refusal_at_the_rubric_version(sa, login):
    _self_score(sa)
    r = sa.sa_round
    data = {"name": r.name, "year": "2027", "rubric_version": sa.version.pk, "status": "open",
            "consolidation": "mean", "self_assessment": "on", "apply_opens_on": r.apply_opens_on.isoformat(),
            "apply_closes_on": r.apply_closes_on.isoformat(), "applicants": "stages"}
    response = login(sa.admin).post(reverse("evaluation:round_edit", args=[r.pk]), data)
    assert response.status_code == 400
    assert "学校已填报自评" in " ".join(response.context["form"].errors["rubric_version"])
    r.refresh_from_db()
    assert r.rubric_version == sa.small


def test_the_rubric_version_may_change_before_any_school_filed(sa):
    from evaluation.services import round_save

    selectors.self_assessment_of(round=sa.sa_round, school=sa.school)  # nothing stored
    sa.sa_round.rubric_version = sa.version
    round_save(round=sa.sa_round, by=sa.admin)
    assert Round.objects.get(pk=sa.sa_round.pk).rubric_version == sa.version


# ---------------------------------------------------------------- the nomination window (one rule)


def test_the_nomination_window_is_one_rule_for_the_page_and_the_service(login, nominated, monkeypatch):
    w = nominated
    assert selectors.nomination_refusal(round=w.nr, today=TODAY) is None
    assert selectors.nomination_refusal(round=w.nr, today=date(2027, 3, 31)) is None
    assert "2027-03-31 截止" in selectors.nomination_refusal(round=w.nr, today=date(2027, 4, 1))
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: date(2027, 4, 1))
    client = login(w.official)
    url = reverse("selfassessment:nominations", args=[w.nr.pk])
    page = client.get(url).content.decode()
    assert 'name="schools"' not in page and "申报已于 2027-03-31 截止，不能再调整提名。" in page
    assert client.post(url, {"schools": [w.school.pk]}).status_code == 400 and _state() == []


def test_a_closed_round_takes_no_more_nominations(login, nominated, monkeypatch):
    w = nominated
    Round.objects.filter(pk=w.nr.pk).update(status=Round.Status.CLOSED)
    w.nr.refresh_from_db()
    with pytest.raises(ValidationError, match="该评估批次已结束"):
        services.nominations_set(round=w.nr, district_ids=[w.district.pk], schools=[w.school], by=w.official,
                                 today=TODAY)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: TODAY)
    page = login(w.official).get(reverse("selfassessment:nominations", args=[w.nr.pk])).content.decode()
    assert 'name="schools"' not in page and "该评估批次已结束" in page
    assert _state() == []
