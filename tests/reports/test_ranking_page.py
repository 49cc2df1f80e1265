"""The ranking page: filters, sorting, switch for evaluations in progress, pass mark, pages."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from evaluation.models import Round
from schools.models import School
from tests import factories as f
from tests.reports.conftest import give_scores, half

URL = reverse("reports:ranking")


def _school_order(html: str, names: list[str]) -> list[str]:
    return sorted((n for n in names if n in html), key=html.index)


def test_ranking_shows_totals_and_ranks(login, scored):
    html = login(scored.city_official).get(URL).content.decode()
    assert "99.50" in html and "50.00" in html
    assert _school_order(html, ["雁塔区第一小学", "碑林区第一小学"]) == ["雁塔区第一小学", "碑林区第一小学"]


def test_ties_share_a_rank(login, world):
    give_scores(world.evaluation, half)
    give_scores(world.other_evaluation, half)
    response = login(world.admin).get(URL)
    ranks = [row.rank for row in response.context["page"]]
    assert ranks == [1, 1]


def test_filter_by_location_and_stage(login, scored):
    School.objects.filter(pk=scored.other_school.pk).update(location="rural", stage="junior")
    client = login(scored.city_official)
    html = client.get(URL + "?location=rural").content.decode()
    assert "碑林区第一小学" in html and "雁塔区第一小学" not in html
    html = client.get(URL + "?stage=primary").content.decode()
    assert "雁塔区第一小学" in html and "碑林区第一小学" not in html


def test_ranks_stay_city_wide_when_filtered(login, scored):
    response = login(scored.city_official).get(URL + f"?district={scored.other_district.pk}")
    assert [r.rank for r in response.context["page"]] == [2]


def test_sort_by_dimension_descending_and_ascending(login, scored):
    client = login(scored.city_official)
    asc = [r.school.name for r in client.get(URL + "?sort=A1").context["page"]]
    desc = [r.school.name for r in client.get(URL + "?sort=-A1").context["page"]]
    assert asc == ["碑林区第一小学", "雁塔区第一小学"]
    assert desc == list(reversed(asc))


@pytest.mark.parametrize("query", [
    "?sort=total;DROP TABLE schools_school", "?sort=%27%20OR%201=1--", "?district=1%27%20OR%20%271%27=%271",
    "?stage=<script>", "?location=xx", "?status=deleted", "?page=-1", "?page=abc", "?round=%27%3B--",
    "?sort=__class__", "?include=%00",
])
def test_hostile_query_values_never_break_the_page(login, scored, query):
    response = login(scored.city_official).get(URL + query)
    # A NUL is refused at the door (config.middleware), the rest by the filter form.
    assert response.status_code == (400 if "%00" in query else 200)
    assert School.objects.count() == 2


def test_invalid_filter_shows_chinese_error_and_is_ignored(login, scored):
    response = login(scored.city_official).get(URL + "?location=moon")
    html = response.content.decode()
    assert "筛选条件无效，已忽略。" in html
    assert len(response.context["page"].object_list) == 2


def test_unknown_round_falls_back_with_message(login, scored):
    html = login(scored.city_official).get(URL + "?round=没有这个批次").content.decode()
    assert "找不到评估批次" in html and "雁塔区第一小学" in html


def test_in_progress_only_with_switch_and_marked(login, world):
    give_scores(world.evaluation, half)
    give_scores(world.other_evaluation, lambda el, k: el.points, finalize=False)
    client = login(world.admin)
    html = client.get(URL).content.decode()
    assert "碑林区第一小学" not in html
    response = client.get(URL + "?include=1")
    html = response.content.decode()
    assert "碑林区第一小学" in html and "暂定" in html
    assert [r.provisional for r in response.context["page"]] == [True, False]


def test_pass_mark_is_shown(login, scored):
    Round.objects.filter(pk=scored.round.pk).update(pass_mark=Decimal("80"))
    response = login(scored.admin).get(URL)
    assert [r.passed for r in response.context["page"]] == [True, False]
    assert response.content.decode().count("达到认定分数线") >= 1


def test_pagination(login, world):
    for _ in range(55):
        give_scores(f.evaluation(world.round, f.school(world.district), lead=world.lead), half)
    client = login(world.admin)
    first = client.get(URL)
    assert len(first.context["page"].object_list) == 50
    second = client.get(URL + "?page=2")
    assert len(second.context["page"].object_list) == 5


def test_query_count_is_constant_in_the_number_of_schools(login, world, django_assert_max_num_queries):
    client = login(world.admin)
    for _ in range(3):
        give_scores(f.evaluation(world.round, f.school(world.district), lead=world.lead), half)
    # 17: one of them is django-otp loading the device that verified this admin's session.
    with django_assert_max_num_queries(17) as few:
        client.get(URL + "?include=1")
    for _ in range(30):
        give_scores(f.evaluation(world.round, f.school(world.district), lead=world.lead), half)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL + "?include=1")


def test_xlsx_export_follows_the_current_filter(login, scored):
    response = login(scored.city_official).get(reverse("reports:ranking_xlsx") + f"?district={scored.district.pk}")
    ws = openpyxl.load_workbook(io.BytesIO(response.content), data_only=True).active
    names = [ws.cell(r, 3).value for r in range(3, ws.max_row + 1)]
    assert names == ["雁塔区第一小学"]
    assert Decimal(str(ws.cell(3, 15).value)) == Decimal("99.50")


def test_district_workbook_for_district_official(login, scored):
    response = login(scored.official).get(reverse("reports:district_xlsx"))
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(wb.sheetnames) == 2  # summary + the one school of 雁塔区
    assert "attachment" in response["Content-Disposition"]


def test_the_page_shows_the_rank_within_the_district(login, scored):
    third = f.school(scored.district, name="雁塔区第二小学")
    give_scores(f.evaluation(scored.round, third, lead=scored.bob), half, by=scored.bob)
    response = login(scored.official).get(URL)  # 雁塔区 official: only 雁塔 schools
    assert "区内 2" in response.content.decode()
    assert [(r.school.name, r.rank, r.district_rank) for r in response.context["page"]] == [
        ("雁塔区第一小学", 1, 1), ("雁塔区第二小学", 2, 2)]
