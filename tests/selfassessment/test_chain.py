"""Every step of the chain through the services, and every step out of order refused with nothing changed:
提交 → 退回 (district) → 提交 → 推荐 (district) → 退回区县 / 受理 / 不予受理 (city)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from evaluation.models import Evaluation, Scorecard
from evaluation.services import panel_assign
from selfassessment import services
from selfassessment.models import SelfAssessment, Transition

from .conftest import fill, recommended, submitted


def _snapshot():
    return (sorted(SelfAssessment.objects.values_list("school_id", "status", "district_opinion", "decision_reason",
                                                      "evaluation_id")),
            Transition.objects.count(), Evaluation.objects.count())


def test_the_whole_chain_with_a_return_and_each_step_recorded(sa):
    w = sa
    first = submitted(w)
    services.self_assessment_return(self_assessment=first, by=w.official, reason="请补充近三年材料",
                                    element_reasons={"C3": "年度计划缺 2025 年", "C1": ""})
    row = SelfAssessment.objects.get()
    assert row.status == "returned"
    back = Transition.objects.get(action="return")
    assert back.element_reasons == {"C3": "年度计划缺 2025 年"} and back.reason == "请补充近三年材料"
    services.self_scores_save_many(self_assessment=row, values={"C3": {"points": "2", "note": "已补充", "version": 1}},
                                   by=w.school_user)
    services.self_assessment_submit(self_assessment=row, by=w.school_user)
    assert Transition.objects.filter(action="submit").count() == 2
    services.self_assessment_recommend(self_assessment=row, by=w.official, opinion="同意推荐")
    row.refresh_from_db()
    assert row.status == "recommended" and row.district_opinion == "同意推荐" and row.recommended_at
    services.self_assessment_admit(self_assessment=row, by=w.admin)
    row.refresh_from_db()
    assert row.status == "admitted" and row.evaluation.round == w.sa_round and row.evaluation.school == w.school
    # The admitted school is ready for a panel.
    panel_assign(round=w.sa_round, schools=[w.school], inspectors=[w.alice], lead=w.bob, by=w.admin)
    assert Scorecard.objects.filter(evaluation=row.evaluation).count() == 2
    assert [t.action for t in reversed(Transition.objects.all())] == [
        "submit", "return", "submit", "recommend", "admit"]
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {"self_assessment.submit", "self_assessment.return", "self_assessment.recommend",
            "self_assessment.admit", "evaluation.create"} <= events


def test_the_city_declines_with_a_reason_or_sends_back_to_the_district(sa):
    w = sa
    row = recommended(w)
    services.self_assessment_send_back(self_assessment=row, by=w.admin, reason="初评意见过于简单")
    row.refresh_from_db()
    assert row.status == "submitted" and row.district_opinion == ""
    services.self_assessment_recommend(self_assessment=row, by=w.official, opinion="补充后同意推荐")
    services.self_assessment_decline(self_assessment=row, by=w.admin, reason="办学规模不符合本批次要求")
    row.refresh_from_db()
    assert row.status == "declined" and row.decision_reason == "办学规模不符合本批次要求"
    assert not Evaluation.objects.filter(round=w.sa_round).exists()


def test_admission_reuses_an_evaluation_made_before(sa):
    w = sa
    existing = Evaluation.objects.create(round=w.sa_round, school=w.school)
    row = recommended(w)
    services.self_assessment_admit(self_assessment=row, by=w.admin)
    row.refresh_from_db()
    assert row.evaluation == existing and Evaluation.objects.filter(round=w.sa_round).count() == 1


@pytest.mark.parametrize("step,setup", [
    ("return", "draft"), ("recommend", "draft"), ("return", "recommended"), ("recommend", "recommended"),
    ("admit", "submitted"), ("decline", "submitted"), ("send_back", "submitted"), ("admit", "declined"),
    ("submit", "recommended"), ("submit", "submitted"),
])
def test_steps_out_of_order_are_refused_and_change_nothing(sa, step, setup):
    w = sa
    row = {"draft": fill, "submitted": submitted, "recommended": recommended}.get(setup, recommended)(w)
    if setup == "declined":
        services.self_assessment_decline(self_assessment=row, by=w.admin, reason="不符合")
    before = _snapshot()
    calls = {
        "return": lambda: services.self_assessment_return(self_assessment=row, by=w.official, reason="x"),
        "recommend": lambda: services.self_assessment_recommend(self_assessment=row, by=w.official, opinion="x"),
        "admit": lambda: services.self_assessment_admit(self_assessment=row, by=w.admin),
        "decline": lambda: services.self_assessment_decline(self_assessment=row, by=w.admin, reason="x"),
        "send_back": lambda: services.self_assessment_send_back(self_assessment=row, by=w.admin, reason="x"),
        "submit": lambda: services.self_assessment_submit(self_assessment=row, by=w.school_user),
    }
    with pytest.raises((ValidationError, PermissionDenied)):
        calls[step]()
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["other_official", "city_official", "admin", "school_user", "alice"])
def test_only_the_schools_district_reviews(sa, who):
    row = submitted(sa)
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        services.self_assessment_recommend(self_assessment=row, by=getattr(sa, who), opinion="同意")
    with pytest.raises(PermissionDenied):
        services.self_assessment_return(self_assessment=row, by=getattr(sa, who), reason="不行")
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["official", "city_official", "school_user"])
def test_only_the_city_admits(sa, who):
    row = recommended(sa)
    before = _snapshot()
    for call in (services.self_assessment_admit,):
        with pytest.raises(PermissionDenied):
            call(self_assessment=row, by=getattr(sa, who))
    with pytest.raises(PermissionDenied):
        services.self_assessment_decline(self_assessment=row, by=getattr(sa, who), reason="x")
    assert _snapshot() == before


@pytest.mark.parametrize("call,message", [
    (lambda w, r: services.self_assessment_return(self_assessment=r, by=w.official), "请填写退回原因"),
    (lambda w, r: services.self_assessment_return(self_assessment=r, by=w.official, element_reasons={"C9": "x"}),
     "C9 不在本批次"),
    (lambda w, r: services.self_assessment_return(self_assessment=r, by=w.official, reason="长" * 2001), "不能超过 2000 字"),
    (lambda w, r: services.self_assessment_recommend(self_assessment=r, by=w.official, opinion="  "), "请填写初评意见"),
])
def test_reasons_and_opinions_are_checked(sa, call, message):
    row = submitted(sa)
    before = _snapshot()
    with pytest.raises(ValidationError, match=message):
        call(sa, row)
    assert _snapshot() == before


def test_a_return_after_the_review_deadline_is_refused(sa):
    row = submitted(sa)
    later = sa.sa_round.district_review_closes_on + timedelta(days=1)
    with pytest.raises(ValidationError, match="区县初评已于"):
        services.self_assessment_return(self_assessment=row, by=sa.official, reason="x", today=later)


def test_a_returned_school_may_edit_until_the_review_deadline(sa):
    row = submitted(sa)
    services.self_assessment_return(self_assessment=row, by=sa.official, reason="补充")
    later = sa.sa_round.district_review_closes_on + timedelta(days=1)
    with pytest.raises(services.SelfAssessmentLocked, match="区县初评已于"):
        services.self_scores_save_many(self_assessment=row, values={"C1": {"points": "1", "version": 1}},
                                       by=sa.school_user, today=later)
    today = timezone.localdate()
    services.self_scores_save_many(self_assessment=row, values={"C1": {"points": "1", "version": 1}},
                                   by=sa.school_user, today=today)


def test_another_school_cannot_write_to_this_one(sa):
    row = fill(sa)
    with pytest.raises(PermissionDenied):
        services.self_scores_save_many(self_assessment=row, values={"C1": {"points": "0", "version": 1}},
                                       by=sa.other_school_user)


def test_an_import_after_a_return_keeps_the_districts_return_note(sa, tmp_path):
    """The standing 退回 is the last return, whatever imports (导入自评表) came after it."""
    import io

    from openpyxl import load_workbook

    from selfassessment import selectors
    from selfassessment.xlsx import self_assessment_xlsx

    row = submitted(sa)
    services.self_assessment_return(self_assessment=row, by=sa.official, reason="请补充近三年材料",
                                    element_reasons={"C3": "年度计划缺 2025 年"})
    row.refresh_from_db()
    book = load_workbook(io.BytesIO(self_assessment_xlsx(workspace=selectors.self_workspace(self_assessment=row))))
    book.active.cell(row=3, column=6, value=1)
    path = tmp_path / "back.xlsx"
    book.save(path)
    with open(path, "rb") as handle:
        services.self_assessment_import_xlsx(self_assessment=row, file=handle, by=sa.school_user)
    assert Transition.objects.first().action == "import"
    workspace = selectors.self_workspace(self_assessment=SelfAssessment.objects.get())
    assert workspace.last_return is not None and workspace.last_return.reason == "请补充近三年材料"
    assert workspace.items[sa.elements["C3"].pk].return_reason == "年度计划缺 2025 年"


def test_the_school_an_account_acts_for_comes_from_scopes_school_of(sa, login, monkeypatch):
    """accounts.scopes.school_of is the one place a school account's school is derived: when it
    answers "no school" (say, a rule added there later), the services and the views refuse."""
    from django.urls import reverse

    from accounts import scopes
    from selfassessment.models import SelfEvidence

    row = fill(sa)
    evidence = SelfEvidence.objects.filter(self_assessment=row).first()
    client = login(sa.school_user)
    monkeypatch.setattr(scopes, "school_of", lambda user: None)
    with pytest.raises(PermissionDenied):
        services.self_scores_save_many(self_assessment=row, values={"C1": {"points": "0", "version": 1}},
                                       by=sa.school_user)
    assert client.post(reverse("selfassessment:evidence_delete", args=[evidence.pk])).status_code in (403, 404)
    assert SelfEvidence.objects.filter(pk=evidence.pk).exists()
