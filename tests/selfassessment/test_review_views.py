"""The district's review page and the city's admission, through the views: allowed, read-only (403 on
writes), outsiders (404), login, wrong method; hostile reasons are inert on every page that shows them."""

import pytest
from django.urls import reverse

from evaluation.models import Evaluation
from selfassessment.models import SelfAssessment, Transition
from tests.hostile import strings

from .conftest import fill, recommended, submitted


def r(name, row):
    return reverse(f"selfassessment:{name}", args=[row.pk])


def _snapshot():
    return (sorted(SelfAssessment.objects.values_list("school_id", "status", "district_opinion", "decision_reason")),
            Transition.objects.count(), Evaluation.objects.count())


def test_the_district_reviews_and_returns_with_reasons_at_elements(sa, login):
    row = submitted(sa)
    client = login(sa.official)
    html = client.get(r("review", row)).content.decode()
    assert 'id="return-form"' in html and 'name="reason_C3"' in html and 'id="recommend-form"' in html
    assert "C1 自评说明" in html and "学校三年发展规划" in html and "材料.pdf" in html
    response = client.post(r("review_return", row), {"reason": "", "reason_C3": "缺 2025 年计划", "reason_C1": ""})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "returned"
    # The school sees the reason at the element and the district's overall note.
    page = login(sa.school_user).get(reverse("selfassessment:workspace", args=[sa.sa_round.pk])).content.decode()
    assert "缺 2025 年计划" in page and 'id="returned-notice"' in page and 'href="#el-C3"' in page


def test_the_district_recommends_with_a_required_opinion(sa, login):
    row = submitted(sa)
    client = login(sa.official)
    before = _snapshot()
    response = client.post(r("review_recommend", row), {"text": ""}, follow=True)
    assert "请填写意见或原因" in response.content.decode() and _snapshot() == before
    assert client.post(r("review_recommend", row), {"text": "规范，推荐"}).status_code == 302
    row.refresh_from_db()
    assert row.status == "recommended"
    html = client.get(r("review", row)).content.decode()
    assert 'id="recommend-form"' not in html and "规范，推荐" in html


@pytest.mark.parametrize("who,status", [
    ("city_official", 403), ("admin", 403), ("school_user", 403),   # they see it, may not review it
    ("other_official", 404), ("other_school_user", 404), ("alice", 404), ("bob", 404), ("nobody", 404),
    ("auditor", 404), ("security_admin", 404), ("unscoped_official", 404),
])
def test_review_writes_by_anyone_else_are_refused(sa, login, who, status):
    row = submitted(sa)
    before = _snapshot()
    client = login(getattr(sa, who))
    assert client.post(r("review_return", row), {"reason": "x"}).status_code == status
    assert client.post(r("review_recommend", row), {"text": "x"}).status_code == status
    assert _snapshot() == before


@pytest.mark.parametrize("who,status", [
    ("official", 200), ("city_official", 200), ("admin", 200), ("school_user", 200),
    ("other_official", 404), ("other_school_user", 404), ("alice", 404), ("nobody", 404), ("security_admin", 404),
])
def test_who_may_read_a_submission(sa, login, who, status):
    row = submitted(sa)
    assert login(getattr(sa, who)).get(r("review", row)).status_code == status


def test_review_pages_need_login_and_post(sa, client, login):
    row = submitted(sa)
    assert client.get(r("review", row)).status_code == 302
    for name in ("review_return", "review_recommend", "admit", "decline", "send_back"):
        assert login(sa.official).get(r(name, row)).status_code == 405, name


def test_the_city_admits_from_the_list_and_the_school_enters_the_round(sa, login):
    row = recommended(sa)
    other = recommended(sa, school_user=sa.other_school_user)
    client = login(sa.admin)
    url = reverse("selfassessment:admission") + f"?round={sa.sa_round.pk}"
    html = client.get(url).content.decode()
    assert sa.school.name in html and "办学规范，同意推荐。" in html and sa.other_school.name in html
    assert client.post(url, {"ids": [row.pk, other.pk]}).status_code == 302
    assert set(SelfAssessment.objects.values_list("status", flat=True)) == {"admitted"}
    assert Evaluation.objects.filter(round=sa.sa_round).count() == 2
    detail = client.get(reverse("evaluation:round_detail", args=[sa.sa_round.pk])).content.decode()
    assert sa.school.name in detail


def test_the_city_declines_and_sends_back_on_the_schools_page(sa, login):
    row = recommended(sa)
    client = login(sa.admin)
    html = client.get(r("review", row)).content.decode()
    assert 'id="city-actions"' in html
    before = _snapshot()
    client.post(r("decline", row), {"text": ""})
    assert _snapshot() == before
    assert client.post(r("send_back", row), {"text": "请补充初评意见"}).status_code == 302
    row.refresh_from_db()
    assert row.status == "submitted"
    assert "市级退回区县" in login(sa.official).get(r("review", row)).content.decode()


@pytest.mark.parametrize("who,status", [("official", 403), ("city_official", 403), ("school_user", 403),
                                         ("other_official", 404), ("alice", 404)])
def test_only_the_city_decides(sa, login, who, status):
    row = recommended(sa)
    before = _snapshot()
    client = login(getattr(sa, who))
    for name in ("admit", "decline", "send_back"):
        assert client.post(r(name, row), {"text": "x"}).status_code == status, name
    assert _snapshot() == before
    assert client.get(reverse("selfassessment:admission")).status_code == 403
    assert client.post(reverse("selfassessment:admission"), {"ids": [row.pk]}).status_code == 403


def test_hostile_reasons_and_opinions_are_inert(sa, login):
    texts = [s for s in strings() if "\x00" not in s and 0 < len(s.strip()) < 2000][:10]
    row = submitted(sa)
    client = login(sa.official)
    client.post(r("review_return", row), {"reason": texts[0], **{f"reason_C{n + 1}": t for n, t in enumerate(texts[1:6])}})
    row.refresh_from_db()
    assert row.status == "returned"
    for who in (sa.official, sa.school_user):
        html = login(who).get(r("review", row)).content.decode()
        assert "<script>alert" not in html
    html = login(sa.school_user).get(reverse("selfassessment:workspace", args=[sa.sa_round.pk])).content.decode()
    assert "<script>alert" not in html


def test_a_draft_is_visible_to_its_district_but_not_reviewable(sa, login):
    row = fill(sa)
    html = login(sa.official).get(r("review", row)).content.decode()
    assert 'id="return-form"' not in html
    assert login(sa.official).post(r("review_recommend", row), {"text": "x"}, follow=True).status_code == 200
    row.refresh_from_db()
    assert row.status == "draft"


# ---------------------------------------------------------------- once recommended, and the review deadline


@pytest.mark.parametrize("then", ["recommended", "admitted", "declined"])
@pytest.mark.parametrize("form", [("review_return", {"reason": "再补充"}), ("review_recommend", {"text": "再推荐"}),
                                  ("review_return", {}), ("review_recommend", {})])
def test_the_review_views_answer_403_once_the_district_recommended(sa, login, then, form):
    from selfassessment import services

    row = recommended(sa)
    if then == "admitted":
        services.self_assessment_admit(self_assessment=row, by=sa.admin)
    elif then == "declined":
        services.self_assessment_decline(self_assessment=row, by=sa.admin, reason="不符合条件")
    before = _snapshot()
    name, data = form
    assert login(sa.official).post(r(name, row), data).status_code == 403
    assert _snapshot() == before


def test_recommending_again_is_refused_by_the_service_as_locked(sa):
    from selfassessment import services

    row = recommended(sa)
    with pytest.raises(services.SelfAssessmentLocked, match="区县初评已结束"):
        services.self_assessment_recommend(self_assessment=row, by=sa.official, opinion="再推荐")
    with pytest.raises(services.SelfAssessmentLocked, match="区县初评已结束"):
        services.self_assessment_return(self_assessment=row, by=sa.official, reason="再退回")


@pytest.mark.parametrize("name,data", [("review_return", {"reason": "补充"}), ("review_recommend", {"text": "同意"})])
def test_the_review_deadline_applies_to_recommend_as_to_return(sa, login, monkeypatch, name, data):
    from datetime import timedelta

    from selfassessment import services

    row = submitted(sa)
    later = sa.sa_round.district_review_closes_on + timedelta(days=1)
    with pytest.raises(Exception, match="区县初评已于"):
        services.self_assessment_recommend(self_assessment=row, by=sa.official, opinion="同意", today=later)
    before = _snapshot()
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: later)
    response = login(sa.official).post(r(name, row), data, follow=True)
    assert "区县初评已于" in response.content.decode() and _snapshot() == before


def test_the_admission_page_shows_each_schools_self_total(sa, login):
    recommended(sa)  # every element at its points: 10.00 on the small rubric
    html = login(sa.admin).get(reverse("selfassessment:admission") + f"?round={sa.sa_round.pk}").content.decode()
    row = html[html.index('id="admission-table"'):]
    row = row[row.index(sa.school.name):]
    assert '<td class="text-end">10</td>' in row[:row.index("</tr>")]


@pytest.mark.parametrize("text", ["", "   "])
def test_a_decline_requires_a_reason_and_changes_nothing_without_one(sa, login, text):
    row = recommended(sa)
    before = _snapshot()
    response = login(sa.admin).post(r("decline", row), {"text": text}, follow=True)
    assert "请填写" in response.content.decode()
    assert _snapshot() == before
    row.refresh_from_db()
    assert row.status == "recommended" and row.decision_reason == ""
    assert login(sa.admin).post(r("decline", row), {"text": "名额已满"}).status_code == 302
    row.refresh_from_db()
    assert row.status == "declined" and row.decision_reason == "名额已满"
