"""拟认定: building and refreshing the list from finalized evaluations, decisions, their pages."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from audit.models import AuditEvent
from evaluation.models import Evaluation, FinalScore, Round
from recognition import services
from recognition.models import RecognitionEntry, RecognitionList, RecognitionTransition
from reports.selectors import round_totals
from tests.hostile import strings
from tests.recognition.helpers import entry_of, state

P, R, D = (RecognitionEntry.Decision.PROPOSED, RecognitionEntry.Decision.REJECTED, RecognitionEntry.Decision.DEFERRED)


def build(w, by=None):
    return services.recognition_list_build(round=w.round, by=by or w.admin)


def decide(entry, decision, reason="", by=None, version=None):
    entry.refresh_from_db()
    return services.recognition_entry_decide(entry=entry, decision=decision, reason=reason,
                                             version=entry.version if version is None else version, by=by)


# ---------------------------------------------------------------- the pass-mark rule


@given(total=st.decimals(min_value=0, max_value=100, places=2), mark=st.decimals(min_value=0, max_value=100, places=2))
def test_the_default_decision_follows_the_pass_mark_exactly(total, mark):
    expected = P if total >= mark else R
    assert RecognitionEntry.default_for(total, mark) == expected


def test_the_pass_mark_itself_is_enough_and_one_cent_below_is_not():
    assert RecognitionEntry.default_for(Decimal("80.00"), Decimal("80")) == P
    assert RecognitionEntry.default_for(Decimal("79.99"), Decimal("80")) == R


# ---------------------------------------------------------------- build and refresh


def test_building_lists_every_finalized_school_with_its_total_and_default(rec):
    result = build(rec)
    assert result.created and sorted(result.added) == sorted([rec.school.code, rec.other_school.code])
    totals = {r.evaluation_id: r.total for r in round_totals(round=rec.round)}
    entries = {e.evaluation_id: e for e in RecognitionEntry.objects.all()}
    assert set(entries) == {rec.evaluation.pk, rec.other_evaluation.pk}  # not the school in progress
    for ev_id, entry in entries.items():
        assert entry.total == totals[ev_id]
    assert entries[rec.evaluation.pk].total == Decimal("99.50") and entries[rec.evaluation.pk].decision == P
    assert entries[rec.other_evaluation.pk].total == Decimal("50.00") and entries[rec.other_evaluation.pk].decision == R
    rlist = RecognitionList.objects.get()
    assert rlist.is_draft and rlist.created_by == rec.admin
    assert RecognitionTransition.objects.filter(list=rlist, action="build", by=rec.admin).exists()
    assert AuditEvent.objects.filter(event="recognition.build", user=rec.admin).exists()


@pytest.mark.parametrize("who", ["official", "city_official", "lead", "security_admin", "auditor", "nobody"])
def test_only_an_admin_builds_the_list(rec, who):
    with pytest.raises(PermissionDenied):
        build(rec, by=getattr(rec, who))
    assert not RecognitionList.objects.exists()


def test_building_needs_a_pass_mark_and_a_finalized_school(rec, world):
    Round.objects.filter(pk=rec.round.pk).update(pass_mark=None)
    rec.round.refresh_from_db()
    with pytest.raises(ValidationError, match="认定分数线"):
        build(rec)
    Round.objects.filter(pk=rec.round.pk).update(pass_mark="80")
    Evaluation.objects.update(status=Evaluation.Status.IN_PROGRESS)
    with pytest.raises(ValidationError, match="没有已定稿的学校"):
        build(rec)
    assert not RecognitionList.objects.exists()


def test_refreshing_adds_newly_finalized_drops_reopened_and_takes_new_totals(rec):
    build(rec)
    # The pending school finalizes; the 碑林 school is reopened; the 雁塔 school's total changes.
    FinalScore.objects.bulk_create(
        FinalScore(evaluation=rec.pending, element=s.element, points=s.points)
        for s in rec.pending.scorecards.get(is_lead=True).scores.all())
    Evaluation.objects.filter(pk=rec.pending.pk).update(status=Evaluation.Status.FINALIZED)
    Evaluation.objects.filter(pk=rec.other_evaluation.pk).update(status=Evaluation.Status.IN_PROGRESS)
    FinalScore.objects.filter(evaluation=rec.evaluation, element__code="C2").update(points=0)
    result = build(rec)
    assert not result.created
    assert result.added == [rec.pending_school.code] and result.removed == [rec.other_school.code]
    assert result.changed == [rec.school.code]
    c2 = FinalScore.objects.get(evaluation=rec.evaluation, element__code="C2").element.points
    assert entry_of(rec.evaluation).total == Decimal("99.50") - c2
    assert entry_of(rec.evaluation).total == next(r.total for r in round_totals(round=rec.round)
                                                  if r.evaluation_id == rec.evaluation.pk)
    assert not RecognitionEntry.objects.filter(evaluation=rec.other_evaluation).exists()
    assert RecognitionTransition.objects.filter(action="refresh").exists()


def test_refreshing_keeps_an_admins_decision_and_follows_a_new_pass_mark_otherwise(rec):
    build(rec)
    decide(entry_of(rec.evaluation), D, "材料待补充", by=rec.admin)
    Round.objects.filter(pk=rec.round.pk).update(pass_mark="40")
    build(rec)
    assert entry_of(rec.evaluation).decision == D and entry_of(rec.evaluation).reason == "材料待补充"
    other = entry_of(rec.other_evaluation)
    assert other.default_decision == P and other.decision == P  # followed the pass mark: follows it still


# ---------------------------------------------------------------- decisions


def test_a_decision_that_departs_from_the_pass_mark_needs_a_reason(rec):
    build(rec)
    entry = entry_of(rec.evaluation)
    before = state()
    with pytest.raises(ValidationError) as exc:
        decide(entry, D, "   ", by=rec.admin)
    assert "须填写理由" in str(exc.value.message_dict["reason"])
    assert state() == before
    decide(entry, D, "办学条件存在安全隐患，暂缓认定", by=rec.admin)
    entry.refresh_from_db()
    assert entry.decision == D and entry.departs and entry.version == 2
    t = RecognitionTransition.objects.get(action="decide")
    assert t.reason == "办学条件存在安全隐患，暂缓认定" and t.detail["school"] == rec.school.code
    audit = AuditEvent.objects.get(event="recognition.decide")
    assert audit.detail["decision_before"] == "拟认定" and audit.detail["decision_after"] == "暂缓"
    decide(entry, P, "", by=rec.admin)  # back to the pass mark's decision: no reason needed
    assert entry_of(rec.evaluation).decision == P


def test_a_stale_decision_is_a_conflict_and_changes_nothing(rec):
    build(rec)
    entry = entry_of(rec.evaluation)
    decide(entry, D, "第一次", by=rec.admin)
    before = state()
    with pytest.raises(services.EntryConflict):
        decide(entry, R, "旧页面", by=rec.admin, version=1)
    assert state() == before


def test_no_decision_on_a_school_whose_evaluation_was_reopened(rec):
    build(rec)
    Evaluation.objects.filter(pk=rec.evaluation.pk).update(status=Evaluation.Status.IN_PROGRESS)
    before = state()
    with pytest.raises(ValidationError, match="尚未定稿"):
        decide(entry_of(rec.evaluation), D, "理由", by=rec.admin)
    assert state() == before


@pytest.mark.parametrize("decision,reason,message", [
    ("approved", "x", "请选择拟认定意见"),
    (D, "理" * 1001, "1000"),
])
def test_bad_decisions_are_refused_and_change_nothing(rec, decision, reason, message):
    build(rec)
    before = state()
    with pytest.raises(ValidationError, match=message):
        decide(entry_of(rec.evaluation), decision, reason, by=rec.admin)
    assert state() == before


def test_only_an_admin_decides(rec):
    build(rec)
    with pytest.raises(PermissionDenied):
        decide(entry_of(rec.evaluation), D, "理由", by=rec.official)


# ---------------------------------------------------------------- pages


def test_list_pages_by_role(rec, login):
    build(rec)
    index, detail = reverse("recognition:index"), reverse("recognition:list_detail", args=[rec.round.pk])
    for who, status in {"admin": 200, "official": 200, "city_official": 200, "other_official": 200, "lead": 403,
                        "alice": 403, "nobody": 403, "security_admin": 403, "auditor": 403,
                        "unscoped_official": 403}.items():
        assert login(getattr(rec, who)).get(index).status_code == status, who
        assert login(getattr(rec, who)).get(detail).status_code == status, who
    page = login(rec.official).get(detail).content.decode()
    assert rec.school.name in page and rec.other_school.name not in page  # only the official's district
    assert "decide-form" not in page and 'id="build-list"' not in page  # read-only for officials
    admin_page = login(rec.admin).get(detail).content.decode()
    assert rec.other_school.name in admin_page and 'id="build-list"' in admin_page and "decide-form" in admin_page
    assert login(rec.admin).get(reverse("recognition:list_detail", args=[9999])).status_code == 404


def test_build_and_decide_through_the_pages(rec, login):
    c = login(rec.admin)
    response = c.post(reverse("recognition:list_build", args=[rec.round.pk]), follow=True)
    assert "已拟定名单：2 所已定稿学校" in response.content.decode()
    entry = entry_of(rec.evaluation)
    url = reverse("recognition:entry_decide", args=[entry.pk])
    response = c.post(url, {f"e{entry.pk}-decision": D, f"e{entry.pk}-reason": "", f"e{entry.pk}-version": "1"})
    assert response.status_code == 400
    assert "须填写理由" in response.content.decode()
    from tests.a11y import field_errors

    assert "须填写理由" in " ".join(field_errors(response.content.decode()).values())
    assert entry_of(rec.evaluation).decision == P
    response = c.post(url, {f"e{entry.pk}-decision": D, f"e{entry.pk}-reason": "待复核", f"e{entry.pk}-version": "1"})
    assert response.status_code == 302 and response["Location"].endswith(f"#entry-{entry.pk}")
    assert entry_of(rec.evaluation).decision == D
    response = c.post(url, {f"e{entry.pk}-decision": R, f"e{entry.pk}-reason": "旧页面", f"e{entry.pk}-version": "1"})
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()
    assert entry_of(rec.evaluation).decision == D


def test_write_pages_refuse_officials_outsiders_and_wrong_methods(rec, login):
    build(rec)
    entry = entry_of(rec.evaluation)
    decide_url = reverse("recognition:entry_decide", args=[entry.pk])
    build_url = reverse("recognition:list_build", args=[rec.round.pk])
    data = {f"e{entry.pk}-decision": D, f"e{entry.pk}-reason": "x", f"e{entry.pk}-version": "1"}
    before = state()
    assert login(rec.official).post(decide_url, data).status_code == 403
    assert login(rec.other_official).post(decide_url, data).status_code == 404  # not their district's school
    assert login(rec.lead).post(decide_url, data).status_code == 403
    assert login(rec.official).post(build_url).status_code == 403
    assert login(rec.admin).get(decide_url).status_code == 405
    assert login(rec.admin).get(build_url).status_code == 405
    assert state() == before


@pytest.mark.parametrize("text", [s for s in strings() if "\x00" not in s])
def test_hostile_reasons_are_stored_inert_and_shown_escaped(rec, login, text):
    build(rec)
    entry = entry_of(rec.evaluation)
    c = login(rec.admin)
    c.post(reverse("recognition:entry_decide", args=[entry.pk]),
           {f"e{entry.pk}-decision": D, f"e{entry.pk}-reason": text, f"e{entry.pk}-version": "1"})
    page = c.get(reverse("recognition:list_detail", args=[rec.round.pk])).content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<svg onload" not in page


def test_an_overlong_reason_is_refused_at_the_field(rec, login):
    build(rec)
    entry = entry_of(rec.evaluation)
    before = state()
    response = login(rec.admin).post(reverse("recognition:entry_decide", args=[entry.pk]), {
        f"e{entry.pk}-decision": D, f"e{entry.pk}-reason": "x" * 1_000_000, f"e{entry.pk}-version": "1"})
    assert response.status_code == 400 and "理由不能超过 1000 字" in response.content.decode()
    assert state() == before


def test_the_list_page_says_what_needs_a_refresh(rec, login):
    build(rec)
    Evaluation.objects.filter(pk=rec.pending.pk).update(status=Evaluation.Status.FINALIZED)
    page = login(rec.admin).get(reverse("recognition:list_detail", args=[rec.round.pk])).content.decode()
    assert "已定稿但不在名单中" in page and rec.pending_school.name in page
