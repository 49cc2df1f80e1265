"""评价意见: inspectors' observations per A, the lead's panel opinion, the finalize rule, reopening."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from evaluation import services
from evaluation.models import Evaluation, InspectorObservation, PanelOpinion, Round, Scorecard
from tests import factories as f
from tests.evaluation.conftest import fill
from tests.hostile import strings

OPINION = {"overall": "总体良好", "strengths": "特色鲜明", "problems": "评价机制待完善", "suggestions": "完善校本评价"}


@pytest.fixture
def strict(world):
    """world whose round requires the opinion before finalizing (the product default)."""
    Round.objects.filter(pk=world.round.pk).update(require_opinion=True)
    world.round.refresh_from_db()
    world.evaluation.refresh_from_db()
    return world


def submit_all(world):
    for card in Scorecard.objects.filter(evaluation=world.evaluation):
        fill(card)
        services.scorecard_submit(scorecard=card, by=card.inspector)


def save_opinion(world, *, version=0, by=None, **texts):
    return services.opinion_save(evaluation=world.evaluation, version=version, by=by or world.lead,
                                 **{**OPINION, **texts})


def opinion_state():
    return list(PanelOpinion.objects.values_list("overall", "strengths", "problems", "suggestions",
                                                 "dimension_notes", "version"))


# ---------------------------------------------------------------- inspectors' observations


def test_an_inspector_saves_observations_per_dimension_with_versions(world, alice_card):
    result = services.observations_save(scorecard=alice_card, values={"A2": {"text": "课程丰富", "version": 0}},
                                        by=world.alice)
    assert not result.errors and result.saved["A2"].version == 1
    result = services.observations_save(scorecard=alice_card, values={"A2": {"text": "课程丰富，特色明显", "version": 1}},
                                        by=world.alice)
    row = InspectorObservation.objects.get(scorecard=alice_card, dimension__code="A2")
    assert row.text == "课程丰富，特色明显" and row.version == 2
    assert row.history.count() == 2 and row.history.first().history_user == world.alice
    assert AuditEvent.objects.filter(event="observation.change", user=world.alice).count() == 2


def test_a_stale_observation_is_a_conflict_and_keeps_the_stored_text(world, alice_card):
    services.observations_save(scorecard=alice_card, values={"A1": {"text": "第一次", "version": 0}}, by=world.alice)
    services.observations_save(scorecard=alice_card, values={"A1": {"text": "第二次", "version": 1}}, by=world.alice)
    result = services.observations_save(scorecard=alice_card, values={"A1": {"text": "旧页面", "version": 1}},
                                        by=world.alice)
    assert result.conflicts["A1"].text == "第二次"
    assert InspectorObservation.objects.get(scorecard=alice_card).text == "第二次"


def test_observations_are_read_only_once_the_scorecard_is_submitted(world, alice_card):
    fill(alice_card)
    services.scorecard_submit(scorecard=alice_card, by=world.alice)
    with pytest.raises(ValidationError, match="已提交"):
        services.observations_save(scorecard=alice_card, values={"A1": {"text": "x", "version": 0}}, by=world.alice)
    with pytest.raises(PermissionDenied):
        services.observations_save(scorecard=alice_card, values={"A1": {"text": "x", "version": 0}}, by=world.lead)
    assert not InspectorObservation.objects.exists()


def test_observation_unknown_dimension_and_too_long_text_change_nothing(world, alice_card):
    result = services.observations_save(
        scorecard=alice_card, values={"A9": {"text": "x", "version": 0}, "A1": {"text": "长" * 5001, "version": 0}},
        by=world.alice)
    assert "A9" in result.errors and "5000" in result.errors["A1"]
    assert not InspectorObservation.objects.exists()


def test_observations_page_for_the_owner_the_lead_and_outsiders(world, login, alice_card):
    url = reverse("evaluation:observations", args=[alice_card.pk])
    c = login(world.alice)
    response = c.get(url)
    assert response.status_code == 200 and 'name="obs_A1"' in response.content.decode()
    response = c.post(url, {"obs_A3": "管理规范", "over_A3": "0"})
    assert response.status_code == 302
    assert InspectorObservation.objects.get(scorecard=alice_card, dimension__code="A3").text == "管理规范"
    lead_page = login(world.lead).get(url)
    assert lead_page.status_code == 200 and "管理规范" in lead_page.content.decode()
    assert 'name="obs_A1"' not in lead_page.content.decode()  # read-only to the lead
    assert login(world.lead).post(url, {"obs_A3": "改写", "over_A3": "1"}).status_code == 403
    assert login(world.bob).get(url).status_code == 404
    assert login(world.other_official).get(url).status_code == 404
    assert login(world.official).get(url).status_code == 200
    assert login(world.official).post(url, {"obs_A3": "x"}).status_code == 403
    assert login(world.alice).put(url).status_code == 405
    assert InspectorObservation.objects.get(scorecard=alice_card, dimension__code="A3").text == "管理规范"


def test_observations_page_shows_a_conflict_with_the_stored_text(world, login, alice_card):
    services.observations_save(scorecard=alice_card, values={"A1": {"text": "他处保存", "version": 0}}, by=world.alice)
    response = login(world.alice).post(reverse("evaluation:observations", args=[alice_card.pk]),
                                       {"obs_A1": "本页输入", "over_A1": "0"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "他处保存" in page and "本页输入" in page and "未保存" in page
    assert InspectorObservation.objects.get(scorecard=alice_card).text == "他处保存"


def test_observations_page_refuses_an_overlong_text_at_the_field(world, login, alice_card):
    response = login(world.alice).post(reverse("evaluation:observations", args=[alice_card.pk]),
                                       {"obs_A1": "x" * 1_000_000, "over_A1": "0"})
    assert response.status_code == 400
    assert "不能超过 5000 字" in response.content.decode()
    assert not InspectorObservation.objects.exists()


@pytest.mark.parametrize("text", [s for s in strings() if "\x00" not in s])
def test_hostile_observations_are_stored_inert_and_shown_escaped(world, login, alice_card, text):
    c = login(world.alice)
    url = reverse("evaluation:observations", args=[alice_card.pk])
    response = c.post(url, {"obs_A1": text, "over_A1": "0"})
    assert response.status_code in (302, 400)
    page = login(world.lead).get(url).content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<svg onload" not in page


# ---------------------------------------------------------------- the panel's opinion


def test_the_lead_saves_the_opinion_with_versions_history_and_audit(world):
    opinion = save_opinion(world, dimension_notes={"A2": "课程建设突出", "A5": "  "})
    assert opinion.version == 1 and opinion.dimension_notes == {"A2": "课程建设突出"}  # blank entries dropped
    assert opinion.is_complete
    again = save_opinion(world, version=1, dimension_notes={"A2": "课程建设突出"})
    assert again.version == 1  # unchanged: no new version
    changed = save_opinion(world, version=1, overall="总体优秀")
    assert changed.version == 2 and changed.dimension_notes == {}
    assert PanelOpinion.history.count() == 2
    assert AuditEvent.objects.filter(event="opinion.change", user=world.lead).count() == 2


def test_a_stale_opinion_save_is_a_conflict_and_changes_nothing(world):
    save_opinion(world)
    save_opinion(world, version=1, overall="第二版")
    before = opinion_state()
    with pytest.raises(services.OpinionConflict) as exc:
        save_opinion(world, version=1, overall="旧页面")
    assert exc.value.current.overall == "第二版"
    assert opinion_state() == before


@pytest.mark.parametrize("who", ["alice", "bob", "admin", "official"])
def test_only_the_lead_may_write_the_opinion(world, who):
    with pytest.raises(PermissionDenied):
        save_opinion(world, by=getattr(world, who))
    assert not PanelOpinion.objects.exists()


def test_a_lead_without_the_inspector_role_may_not_write_it(world):
    world.lead.groups.clear()
    lead = type(world.lead).objects.get(pk=world.lead.pk)
    with pytest.raises(PermissionDenied):
        save_opinion(world, by=lead)


@pytest.mark.parametrize("bad", [
    {"overall": "长" * 5001},
    {"dimension_notes": {"A9": "不存在的一级指标"}},
    {"dimension_notes": {"A1": "长" * 5001}},
])
def test_bad_opinion_input_is_refused_with_a_message_and_changes_nothing(world, bad):
    save_opinion(world)
    before = opinion_state()
    with pytest.raises(ValidationError) as exc:
        save_opinion(world, version=1, **bad)
    assert any(("5000" in m) or ("A9" in m) for m in exc.value.messages)
    assert opinion_state() == before


def test_the_opinion_keeps_text_but_drops_controls_and_noncharacters(world):
    opinion = save_opinion(world, overall="第一行\n第二行\x07\ufffe完")
    assert opinion.overall == "第一行\n第二行完"


# ---------------------------------------------------------------- finalize and reopen


def test_finalize_requires_a_complete_opinion_when_the_round_asks(strict):
    submit_all(strict)
    with pytest.raises(ValidationError, match="总体评价、主要优势与特色、存在问题、改进建议"):
        services.evaluation_finalize(evaluation=strict.evaluation, by=strict.lead)
    save_opinion(strict, strengths="  ", suggestions="")
    with pytest.raises(ValidationError) as exc:
        services.evaluation_finalize(evaluation=strict.evaluation, by=strict.lead)
    assert exc.value.messages == ["定稿前须完成评价意见，尚未填写：主要优势与特色、改进建议"]
    assert Evaluation.objects.get(pk=strict.evaluation.pk).status == Evaluation.Status.IN_PROGRESS
    save_opinion(strict, version=1)
    services.evaluation_finalize(evaluation=strict.evaluation, by=strict.lead)
    assert Evaluation.objects.get(pk=strict.evaluation.pk).is_finalized


def test_a_round_that_does_not_ask_finalizes_without_an_opinion(world):
    assert world.round.require_opinion is False
    submit_all(world)
    services.evaluation_finalize(evaluation=world.evaluation, by=world.lead)
    assert Evaluation.objects.get(pk=world.evaluation.pk).is_finalized


def test_the_opinion_is_locked_by_finalizing_and_open_again_after_reopening(strict, login):
    submit_all(strict)
    save_opinion(strict)
    services.evaluation_finalize(evaluation=strict.evaluation, by=strict.lead)
    before = opinion_state()
    with pytest.raises(ValidationError, match="已定稿"):
        save_opinion(strict, version=1, overall="定稿后修改")
    response = login(strict.lead).post(reverse("evaluation:opinion", args=[strict.evaluation.pk]),
                                       {**OPINION, "overall": "定稿后修改", "version": "1"}, follow=True)
    assert "已定稿" in response.content.decode()
    assert opinion_state() == before
    response = login(strict.admin).post(reverse("evaluation:evaluation_reopen", args=[strict.evaluation.pk]),
                                        {"reason": "更正"}, follow=True)
    assert "最终得分和评价意见保留" in response.content.decode()
    assert save_opinion(strict, version=1, overall="重新开启后修改").version == 2


def test_the_opinion_is_locked_when_the_round_is_closed(world):
    Round.objects.filter(pk=world.round.pk).update(status=Round.Status.CLOSED)
    world.evaluation.refresh_from_db()
    with pytest.raises(ValidationError, match="已结束"):
        save_opinion(world)
    assert not world.evaluation.opinion_editable_by(world.lead)


def test_finalize_view_names_the_missing_parts(strict, login):
    submit_all(strict)
    response = login(strict.lead).post(reverse("evaluation:evaluation_finalize", args=[strict.evaluation.pk]),
                                       follow=True)
    assert "定稿前须完成评价意见，尚未填写：总体评价" in response.content.decode()


# ---------------------------------------------------------------- pages


def test_opinion_page_access(world, login):
    url = reverse("evaluation:opinion", args=[world.evaluation.pk])
    expected = {"lead": 200, "admin": 200, "official": 200, "city_official": 200, "alice": 403, "bob": 404,
                "other_official": 404, "nobody": 404, "security_admin": 404, "auditor": 404}
    for who, status in expected.items():
        assert login(getattr(world, who)).get(url).status_code == status, who
    for who, status in {"admin": 403, "official": 403, "alice": 403, "bob": 404}.items():
        assert login(getattr(world, who)).post(url, OPINION).status_code == status, who
    assert login(world.lead).delete(url).status_code == 405
    assert not PanelOpinion.objects.exists()


def test_the_lead_writes_the_opinion_on_its_page_with_the_observations_at_hand(world, login, alice_card):
    services.observations_save(scorecard=alice_card, values={"A4": {"text": "教师队伍稳定", "version": 0}},
                               by=world.alice)
    fill(alice_card)
    from evaluation.models import Score

    Score.objects.filter(scorecard=alice_card, element__code="C20").update(note="C20 的评分备注")
    c = login(world.lead)
    url = reverse("evaluation:opinion", args=[world.evaluation.pk])
    page = c.get(url).content.decode()
    assert "教师队伍稳定" in page and "C20 的评分备注" in page and "张专家" in page
    response = c.post(url, {**OPINION, "dim_A4": "师资建设有力", "version": "0"})
    assert response.status_code == 302
    opinion = PanelOpinion.objects.get()
    assert opinion.overall == "总体良好" and opinion.dimension_notes == {"A4": "师资建设有力"}
    page = c.get(reverse("evaluation:evaluation_detail", args=[world.evaluation.pk])).content.decode()
    assert "师资建设有力" in page and "评价机制待完善" in page


def test_a_partial_opinion_saves_and_says_what_is_missing(world, login):
    response = login(world.lead).post(reverse("evaluation:opinion", args=[world.evaluation.pk]),
                                      {"overall": "总体良好", "version": "0"}, follow=True)
    assert "定稿前还须填写：主要优势与特色、存在问题、改进建议" in response.content.decode()
    assert PanelOpinion.objects.get().overall == "总体良好"


def test_opinion_page_conflict_keeps_the_leads_text_and_shows_the_stored_one(world, login):
    save_opinion(world)
    save_opinion(world, version=1, overall="他处保存的总体评价")
    response = login(world.lead).post(reverse("evaluation:opinion", args=[world.evaluation.pk]),
                                      {**OPINION, "overall": "本页的总体评价", "version": "1"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "他处保存的总体评价" in page and "本页的总体评价" in page
    assert 'name="version" value="2"' in page  # saving again overwrites, knowingly
    assert PanelOpinion.objects.get().overall == "他处保存的总体评价"


def test_opinion_page_refuses_an_overlong_part_at_the_field(world, login):
    save_opinion(world)
    before = opinion_state()
    response = login(world.lead).post(reverse("evaluation:opinion", args=[world.evaluation.pk]),
                                      {**OPINION, "problems": "问" * 1_000_000, "version": "1"})
    assert response.status_code == 400
    assert "不能超过 5000 字" in response.content.decode()
    assert opinion_state() == before


@pytest.mark.parametrize("text", [s for s in strings() if "\x00" not in s])
def test_hostile_opinion_text_is_inert_on_every_page(world, login, text):
    save_opinion(world, overall=text, dimension_notes={"A1": text})
    for user, name, args in ((world.lead, "evaluation:opinion", [world.evaluation.pk]),
                             (world.lead, "evaluation:evaluation_detail", [world.evaluation.pk]),
                             (world.official, "reports:school_report", [world.evaluation.pk])):
        page = login(user).get(reverse(name, args=args)).content.decode()
        assert "<script>alert(1)" not in page and "<img src=x" not in page and "<svg onload" not in page


def test_a_nul_in_the_opinion_is_refused_at_the_door(world, login):
    response = login(world.lead).post(reverse("evaluation:opinion", args=[world.evaluation.pk]),
                                      {**OPINION, "overall": "nul\x00byte", "version": "0"})
    assert response.status_code == 400
    assert not PanelOpinion.objects.exists()


def test_the_school_report_shows_the_opinion(world, login):
    f.opinion(world.evaluation, overall="办学理念清晰", dimension_notes={"A3": "管理规范有序"})
    page = login(world.official).get(reverse("reports:school_report", args=[world.evaluation.pk])).content.decode()
    assert "专家组评价意见" in page and "办学理念清晰" in page and "管理规范有序" in page


def test_the_school_report_says_when_there_is_no_opinion(world, login):
    page = login(world.official).get(reverse("reports:school_report", args=[world.evaluation.pk])).content.decode()
    assert "专家组尚未撰写评价意见" in page
