"""The chain's status page: every eligible school with its status, self-total, missing files and the
district's decision; the city sees all, a district its schools, a school its own row."""

import pytest
from django.urls import reverse

from accounts import roles
from schools.models import School
from selfassessment import selectors, services
from tests import factories as f

from .conftest import fill, submitted

URL = reverse("selfassessment:status")


@pytest.fixture
def chain(sa):
    submitted(sa)  # 雁塔区第一小学: 已提交
    row = fill(sa, school_user=sa.other_school_user)  # 碑林区第一小学: 填报中
    sa.draft = row
    sa.third = f.school(sa.district, name="雁塔区第三小学")  # 未申报
    return sa


def test_the_city_sees_every_school_with_counts(chain, login):
    html = login(chain.city_official).get(URL + f"?round={chain.sa_round.pk}").content.decode()
    for name in (chain.school.name, chain.other_school.name, chain.third.name):
        assert name in html
    assert 'id="status-counts"' in html
    rows = selectors.status_rows(round=chain.sa_round)
    by_school = {r.school.pk: r for r in rows}
    assert by_school[chain.school.pk].status == "submitted" and by_school[chain.school.pk].self_total == f.d(10)
    assert by_school[chain.other_school.pk].status == "draft"
    assert by_school[chain.third.pk].status == "not_started" and by_school[chain.third.pk].missing_evidence == 3
    assert by_school[chain.third.pk].missing_scores == 5
    counts = dict((k, n) for k, _label, n in selectors.status_counts(rows))
    assert counts["submitted"] == 1 and counts["draft"] == 1 and counts["not_started"] >= 1


def test_a_district_sees_its_schools_only(chain, login):
    html = login(chain.official).get(URL + f"?round={chain.sa_round.pk}").content.decode()
    assert chain.school.name in html and chain.third.name in html and chain.other_school.name not in html
    assert "初评" in html


def test_a_school_sees_its_own_row_only(chain, login):
    html = login(chain.school_user).get(URL).content.decode()
    assert chain.school.name in html and chain.other_school.name not in html and chain.third.name not in html


def test_filters_by_status_and_district(chain, login):
    client = login(chain.city_official)
    html = client.get(URL + f"?round={chain.sa_round.pk}&status=draft").content.decode()
    assert chain.other_school.name in html and chain.school.name not in html
    html = client.get(URL + f"?round={chain.sa_round.pk}&district={chain.other_district.pk}").content.decode()
    assert chain.other_school.name in html and chain.school.name not in html


@pytest.mark.parametrize("query", ["?round=abc", "?status=<script>", "?district=99999", "?round=-1&status=x"])
def test_bad_filters_fall_back_and_never_fail(chain, login, query):
    response = login(chain.city_official).get(URL + query)
    assert response.status_code == 200 and "<script>" not in response.content.decode().split("<main", 1)[1]


@pytest.mark.parametrize("who,status", [("alice", 403), ("nobody", 403), ("security_admin", 403), ("auditor", 403),
                                         ("unscoped_official", 403), ("admin", 200), ("other_official", 200)])
def test_who_may_see_the_status_page(chain, login, who, status):
    assert login(getattr(chain, who)).get(URL).status_code == status


def test_the_status_list_query_count_does_not_grow_with_schools(chain, django_assert_max_num_queries):
    with django_assert_max_num_queries(15) as few:
        selectors.status_rows(round=chain.sa_round)
    users = []
    for n in range(12):
        s = f.school(chain.district, name=f"雁塔区第{n + 10}小学", stage=School.Stage.PRIMARY)
        users.append(f.user(f"xx{n}", roles.SCHOOL, school=s))
    for user in users[:4]:
        fill(chain, school_user=user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = selectors.status_rows(round=chain.sa_round)
    assert len(rows) >= 15


def test_the_home_page_sends_the_city_and_districts_to_the_status_page(chain, login):
    assert login(chain.official).get(reverse("selfassessment:home"))["Location"] == URL
    assert login(chain.alice).get(reverse("selfassessment:home")).status_code == 403


def test_recommended_schools_show_the_decision(chain, login):
    services.self_assessment_submit(self_assessment=chain.draft, by=chain.other_school_user)
    services.self_assessment_recommend(self_assessment=chain.draft, by=chain.other_official, opinion="推荐：特色鲜明")
    html = login(chain.city_official).get(URL + f"?round={chain.sa_round.pk}").content.decode()
    assert "推荐：特色鲜明" in html
