"""The lead's consolidation page (合议定分): notes on any row, notes required before
finalizing, inspectors' notes and evidence, 退回, read-only after finalizing, history."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from audit.models import AuditEvent
from evaluation import services
from evaluation.models import Evidence, FinalScore, Score, Scorecard, Transition
from tests.evaluation.conftest import elements, fill

D = Decimal
HOSTILE = json.loads(Path("/work/shared/testdata/hostile-inputs.json").read_text(encoding="utf-8")) if Path(
    "/work/shared/testdata/hostile-inputs.json"
).exists() else {"markup": ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>']}


def submit_all(world):
    for card in Scorecard.objects.filter(evaluation=world.evaluation):
        services.scorecard_submit(scorecard=card, by=card.inspector)


def detail_url(world):
    return reverse("evaluation:evaluation_detail", args=[world.evaluation.pk])


def save_url(world):
    return reverse("evaluation:final_scores_save", args=[world.evaluation.pk])


def row(code, final, default, version="0", note=""):
    return {f"final_{code}": final, f"fdefault_{code}": default, f"fversion_{code}": version, f"fnote_{code}": note}


def final(world, code):
    return FinalScore.objects.filter(evaluation=world.evaluation, element__code=code).first()


@pytest.fixture
def split(world, alice_card, lead_card):
    """alice gives full marks, the lead half marks (0.5 on 1-point elements): C2's mean is 0.75, off step 0.5."""
    fill(alice_card)
    fill(lead_card, "0.5")
    submit_all(world)
    return world


# ---------------------------------------------------------------- a note on any row

def test_a_note_is_saved_on_an_off_step_default_without_changing_it(split, login):
    response = login(split.lead).post(save_url(split), row("C2", "0.75", "0.75", note="现场核实，维持合议值"), follow=True)
    html = response.content.decode()
    assert "不符合评分步长" not in html
    f = final(split, "C2")
    assert (f.points, f.note, f.follows_default) == (D("0.75"), "现场核实，维持合议值", True)


def test_a_note_on_an_emptied_final_keeps_the_consolidated_value(split):
    c2 = elements(split.version)[1]
    services.final_score_set(evaluation=split.evaluation, element=c2, points="", note="维持", version=0, by=split.lead)
    assert (final(split, "C2").points, final(split, "C2").follows_default) == (D("0.75"), True)


def test_another_off_step_value_is_still_refused(split, login):
    login(split.lead).post(save_url(split), row("C2", "0.25", "0.75", note="想改"))
    assert final(split, "C2") is None


def test_a_set_final_score_does_not_follow_the_consolidated_value(split, login):
    login(split.lead).post(save_url(split), row("C2", "1", "0.75", note="以现场为准"))
    f = final(split, "C2")
    assert (f.points, f.follows_default) == (D("1.00"), False)


def test_a_note_with_nul_is_refused_with_a_message(split, login):
    # Refused at the door (config.middleware.RejectNulMiddleware) before the form sees it.
    response = login(split.lead).post(save_url(split), row("C2", "0.75", "0.75", note="a\x00b"))
    assert response.status_code == 400
    assert "空字符" in response.content.decode() and final(split, "C2") is None


def test_a_following_final_tracks_the_consolidated_value_after_a_return(split, login, alice_card):
    c2 = elements(split.version)[1]
    services.final_score_set(evaluation=split.evaluation, element=c2, points="0.75", note="维持", version=0, by=split.lead)
    services.scorecard_return(scorecard=alice_card, by=split.lead, reason="C2 请复核")
    services.score_save(scorecard=alice_card, element=c2, points="0", note="", version=1, by=split.alice)
    services.scorecard_submit(scorecard=alice_card, by=split.alice)
    f = final(split, "C2")
    assert (f.points, f.note, f.follows_default) == (D("0.25"), "维持", True)  # mean of 0 and 0.5


# ---------------------------------------------------------------- notes required before finalizing

def test_finalize_is_refused_until_every_flagged_row_has_a_note(split, login):
    # full marks against 0.5: the spread reaches half the points of every element worth 1 or more
    flagged = [e.code for e in elements(split.version) if e.points >= 1]
    response = login(split.lead).post(reverse("evaluation:evaluation_finalize", args=[split.evaluation.pk]), follow=True)
    html = response.content.decode()
    assert "须先填写合议说明才能定稿" in html and "、".join(flagged[:3]) in html
    assert f'href="#rc-{flagged[0]}"' in html  # the rows are linked from the page's list
    split.evaluation.refresh_from_db()
    assert not split.evaluation.is_finalized
    data = {}
    for code in flagged:
        data.update(row(code, "", "", note="两位专家理解不同，取平均"))
    # the inputs carry the default; an emptied input with a note keeps it too
    login(split.lead).post(save_url(split), data)
    assert login(split.lead).post(reverse("evaluation:evaluation_finalize", args=[split.evaluation.pk])).status_code == 302
    split.evaluation.refresh_from_db()
    assert split.evaluation.is_finalized


def test_a_final_other_than_the_consolidated_value_needs_a_note(world, alice_card, lead_card):
    fill(alice_card)
    fill(lead_card)
    submit_all(world)
    c3 = elements(world.version)[2]
    services.final_score_set(evaluation=world.evaluation, element=c3, points="0.5", note="", version=0, by=world.lead)
    with pytest.raises(ValidationError) as exc:
        services.evaluation_finalize(evaluation=world.evaluation, by=world.lead)
    assert exc.value.params["codes"] == ["C3"]
    services.final_score_set(evaluation=world.evaluation, element=c3, points="0.5", note="材料不全", version=1, by=world.lead)
    services.evaluation_finalize(evaluation=world.evaluation, by=world.lead)


def test_the_round_can_relax_the_note_rule(split):
    split.round.require_consolidation_notes = False
    split.round.save()
    services.evaluation_finalize(evaluation=split.evaluation, by=split.lead)
    assert final(split, "C2").points == D("0.75")


def test_the_page_marks_the_rows_that_still_need_a_note(split, login):
    html = login(split.lead).get(detail_url(split)).content.decode()
    assert 'id="missing-notes"' in html and "定稿前须填写合议说明。" in html


# ---------------------------------------------------------------- what the lead sees

def test_the_page_shows_each_inspectors_note_evidence_and_the_full_text(split, login, alice_card):
    c84 = elements(split.version)[-1]
    Score.objects.filter(scorecard=alice_card, element=c84).update(note="课堂观察：三节课均达到要求")
    evidence = Evidence(scorecard=alice_card, element=c84, original_name="听课记录.pdf", content_type="application/pdf",
                        size=4, sha256="0" * 64, uploaded_by=split.alice)
    evidence.file.save("x.pdf", ContentFile(b"%PDF"), save=False)
    evidence.save()
    long = max(elements(split.version), key=lambda e: len(e.text))
    assert len(long.text) > 60
    html = login(split.lead).get(detail_url(split)).content.decode()
    assert "课堂观察：三节课均达到要求" in html
    assert "听课记录.pdf" in html and f"/evaluation/evidence/{evidence.pk}/" in html
    assert long.text in html  # whole, not cut with "…"
    assert "<details" in html


@pytest.mark.parametrize("text", HOSTILE["markup"])
def test_hostile_notes_and_reasons_come_out_escaped(split, login, alice_card, text):
    c1 = elements(split.version)[0]
    Score.objects.filter(scorecard=alice_card, element=c1).update(note=text)
    services.final_score_set(evaluation=split.evaluation, element=c1, points="1", note=text, version=0, by=split.lead)
    services.scorecard_return(scorecard=alice_card, by=split.lead, reason=text)
    pages = [
        login(split.lead).get(detail_url(split)).content.decode(),
        login(split.lead).get(reverse("evaluation:final_score_history", args=[split.evaluation.pk])).content.decode(),
        login(split.alice).get(reverse("evaluation:scorecard", args=[alice_card.pk])).content.decode(),
    ]
    for html in pages:
        if "<" in text:
            assert text not in html
    assert "<script>alert(1)</script>" not in "".join(pages)


# ---------------------------------------------------------------- 退回

def return_url(world, card):
    return reverse("evaluation:scorecard_return", args=[world.evaluation.pk, card.pk])


def test_the_lead_returns_a_submitted_scorecard_with_a_reason(split, login, alice_card):
    response = login(split.lead).post(return_url(split, alice_card), {"reason": "C12 未上传佐证材料"}, follow=True)
    assert "已退回 张专家 的评分表" in response.content.decode()
    alice_card.refresh_from_db()
    assert not alice_card.is_submitted and alice_card.submitted_at is None
    t = Transition.objects.get(scorecard=alice_card, action=Transition.Action.RETURN)
    assert (t.by, t.reason) == (split.lead, "C12 未上传佐证材料")
    assert AuditEvent.objects.filter(event="scorecard.return", user=split.lead).exists()
    # the inspector sees why, and can edit again
    page = login(split.alice).get(reverse("evaluation:scorecard", args=[alice_card.pk])).content.decode()
    assert "退回了此评分表" in page and "C12 未上传佐证材料" in page
    saved = login(split.alice).post(reverse("evaluation:scorecard_save", args=[alice_card.pk]),
                                    {"points_C12": "0", "version_C12": "1"}, HTTP_ACCEPT="application/json")
    assert saved.status_code == 200
    # once submitted again, the notice is gone
    services.scorecard_submit(scorecard=alice_card, by=split.alice)
    page = login(split.alice).get(reverse("evaluation:scorecard", args=[alice_card.pk])).content.decode()
    assert "退回了此评分表" not in page


def test_a_return_needs_a_reason(split, login, alice_card):
    response = login(split.lead).post(return_url(split, alice_card), {"reason": "  "}, follow=True)
    assert "请填写退回原因" in response.content.decode()
    alice_card.refresh_from_db()
    assert alice_card.is_submitted


def test_a_draft_scorecard_cannot_be_returned(world, alice_card):
    with pytest.raises(ValidationError, match="尚未提交"):
        services.scorecard_return(scorecard=alice_card, by=world.lead, reason="x")


def test_only_the_lead_returns_and_not_after_finalizing(split, login, alice_card, lead_card):
    with pytest.raises(PermissionDenied):
        services.scorecard_return(scorecard=lead_card, by=split.alice, reason="x")
    url = return_url(split, alice_card)
    assert login(split.alice).post(url, {"reason": "x"}).status_code == 403
    assert login(split.bob).post(url, {"reason": "x"}).status_code == 404
    assert login(split.official).post(url, {"reason": "x"}).status_code == 403
    assert login(split.admin).post(url, {"reason": "x"}).status_code == 403
    assert login(split.lead).get(url).status_code == 405
    other_card = split.other_evaluation.scorecards.get()
    assert login(split.lead).post(return_url(split, other_card), {"reason": "x"}).status_code == 404
    split.round.require_consolidation_notes = False
    split.round.save()
    services.evaluation_finalize(evaluation=split.evaluation, by=split.lead)
    with pytest.raises(ValidationError, match="已定稿"):
        services.scorecard_return(scorecard=alice_card, by=split.lead, reason="x")


def test_the_return_forms_are_offered_for_submitted_cards_only(world, login, alice_card, lead_card):
    fill(alice_card)
    services.scorecard_submit(scorecard=alice_card, by=world.alice)
    html = login(world.lead).get(detail_url(world)).content.decode()
    assert return_url(world, alice_card) in html and return_url(world, lead_card) not in html


# ---------------------------------------------------------------- finalized, reopened

def test_after_finalizing_the_page_is_visibly_read_only(split, login):
    split.round.require_consolidation_notes = False
    split.round.save()
    services.evaluation_finalize(evaluation=split.evaluation, by=split.lead)
    html = login(split.lead).get(detail_url(split)).content.decode()
    assert "已定稿，本页只读。" in html
    assert 'name="final_C1"' not in html and 'name="fnote_C1"' not in html and "退回" not in html.split("流程记录")[0]


def test_reopening_states_what_it_does_to_the_scorecards(split, login):
    split.round.require_consolidation_notes = False
    split.round.save()
    services.evaluation_finalize(evaluation=split.evaluation, by=split.lead)
    html = login(split.admin).get(detail_url(split)).content.decode()
    assert "各专家的评分表仍为已提交" in html
    response = login(split.admin).post(reverse("evaluation:evaluation_reopen", args=[split.evaluation.pk]),
                                       {"reason": "C3 录入错误"}, follow=True)
    assert "各专家的评分表仍为已提交" in response.content.decode()
    assert all(c.is_submitted for c in split.evaluation.scorecards.all())


# ---------------------------------------------------------------- a closed round

CLOSED = "该评估批次已结束，不能再修改。"


def _close(world):
    world.round.status = "closed"
    world.round.save()
    world.evaluation.refresh_from_db()


def test_a_closed_round_refuses_the_leads_final_scores_like_the_scorecards(split, login, alice_card):
    c1 = elements(split.version)[0]
    _close(split)
    assert Scorecard(evaluation=split.evaluation).lock_reason() == CLOSED  # a draft scorecard's wording
    with pytest.raises(ValidationError) as refused:
        services.final_score_set(evaluation=split.evaluation, element=c1, points="1", note="", version=0, by=split.lead)
    assert refused.value.messages == [CLOSED]
    with pytest.raises(ValidationError, match=CLOSED):
        services.evaluation_finalize(evaluation=split.evaluation, by=split.lead)
    with pytest.raises(ValidationError, match=CLOSED):
        services.scorecard_return(scorecard=alice_card, by=split.lead, reason="x")
    response = login(split.lead).post(save_url(split), row("C1", "1", "0.75", note="组长改分"), follow=True)
    assert CLOSED in response.content.decode()
    assert not FinalScore.objects.filter(evaluation=split.evaluation).exists()
    assert not split.evaluation.__class__.objects.get(pk=split.evaluation.pk).is_finalized
    assert all(c.is_submitted for c in split.evaluation.scorecards.all())


def test_in_a_closed_round_the_consolidation_page_is_read_only(split, login, alice_card):
    _close(split)
    html = login(split.lead).get(detail_url(split)).content.decode()
    assert CLOSED in html and "本页只读" in html
    assert 'name="final_C1"' not in html and 'name="fnote_C1"' not in html
    assert reverse("evaluation:evaluation_finalize", args=[split.evaluation.pk]) not in html
    assert return_url(split, alice_card) not in html


# ---------------------------------------------------------------- final-score history in the product

def test_the_history_page_shows_every_change_with_old_and_new(split, login):
    c1 = elements(split.version)[0]
    services.final_score_set(evaluation=split.evaluation, element=c1, points="1", note="初定", version=0, by=split.lead)
    services.final_score_set(evaluation=split.evaluation, element=c1, points="0.5", note="复核后下调", version=1, by=split.lead)
    url = reverse("evaluation:final_score_history", args=[split.evaluation.pk])
    html = login(split.lead).get(url + "?code=C1").content.decode()
    assert "初定" in html and "复核后下调" in html and "李组长" in html
    assert html.index("复核后下调") < html.index("初定")  # newest first
    assert login(split.lead).get(url + "?code=C999").status_code == 404
    assert "C1" in login(split.city_official).get(url).content.decode()
    page = login(split.lead).get(detail_url(split)).content.decode()
    assert f"{url}?code=C1" in page


def test_history_page_access(split, login):
    url = reverse("evaluation:final_score_history", args=[split.evaluation.pk])
    assert login(split.lead).get(url).status_code == 200
    assert login(split.admin).get(url).status_code == 200
    assert login(split.official).get(url).status_code == 200
    assert login(split.alice).get(url).status_code == 403
    assert login(split.bob).get(url).status_code == 404
    assert login(split.other_official).get(url).status_code == 404
    assert login(split.lead).post(url).status_code == 405
