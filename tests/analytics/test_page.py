"""The analytics page and its workbooks: who may see what, scope, the same numbers in every output."""

import io
import json
from pathlib import Path

from decimal import Decimal as D

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from analytics.selectors import round_analytics
from schools.models import District

from .test_round_analytics import lenient, submit
from tests.reports.conftest import give_scores

HOSTILE = Path("/work/shared/testdata/hostile-inputs.json")
XLSX_ROUTES = ["analytics:agreement_xlsx", "analytics:leniency_xlsx", "analytics:cv_xlsx", "analytics:elements_xlsx"]


@pytest.fixture
def scored_round(world):
    give_scores(world.evaluation, lenient, by=world.lead)
    submit(world.evaluation)
    give_scores(world.other_evaluation, lambda el, k: el.points / 2, by=world.bob)
    submit(world.other_evaluation)
    return world


def _sheet(response):
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in wb.active.iter_rows(values_only=True)]


def test_it_requires_login(client, world):
    response = client.get(reverse("analytics:page"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role", ["alice", "nobody", "auditor", "security_admin"])
def test_roles_without_results_get_403(world, login, role):
    client = login(getattr(world, role))
    assert client.get(reverse("analytics:page")).status_code == 403
    for route in XLSX_ROUTES:
        assert client.get(reverse(route)).status_code == 403


def test_wrong_method_is_405(world, login):
    assert login(world.admin).post(reverse("analytics:page")).status_code == 405


def test_admin_sees_every_table_including_leniency(scored_round, login):
    w = scored_round
    html = login(w.admin).get(reverse("analytics:page"), {"round": w.round.pk}).content.decode()
    for table in ("agreement-table", "leniency-table", "cv-table", "weakest-table", "strongest-table"):
        assert f'id="{table}"' in html
    assert "李组长（lead）" in html and "碑林区" in html


def test_an_official_sees_their_scope_and_no_leniency(scored_round, login):
    w = scored_round
    client = login(w.official)
    html = client.get(reverse("analytics:page"), {"round": w.round.pk}).content.decode()
    assert 'id="leniency-table"' not in html and "李组长" not in html
    assert "雁塔区" in html and "碑林区" not in html
    assert client.get(reverse("analytics:leniency_xlsx"), {"round": w.round.pk}).status_code == 403
    rows = _sheet(client.get(reverse("analytics:cv_xlsx"), {"round": w.round.pk}))
    assert {r[0] for r in rows[2:]} == {"雁塔区", "全市"}


def test_workbooks_show_the_page_numbers(scored_round, login):
    w = scored_round
    a = round_analytics(round=w.round)
    client = login(w.admin)
    agreement = _sheet(client.get(reverse("analytics:agreement_xlsx"), {"round": w.round.pk}))
    first = a.agreement_worst_first[0]
    assert agreement[2][0] == first.code and agreement[2][3] == first.units
    assert agreement[2][5] == pytest.approx(first.within_step_share)
    leniency = _sheet(client.get(reverse("analytics:leniency_xlsx"), {"round": w.round.pk}))
    by_user = {r[0]: r for r in leniency[2:]}
    assert by_user["lead"][2] == pytest.approx(0.5) and by_user["lead"][5] == 84
    elements = _sheet(client.get(reverse("analytics:elements_xlsx"), {"round": w.round.pk}))
    assert len(elements) == 2 + 84 and elements[2][3] == pytest.approx(0.75)


def test_hostile_names_are_harmless_in_page_and_workbooks(scored_round, login):
    w = scored_round
    data = json.loads(HOSTILE.read_text(encoding="utf-8")) if HOSTILE.exists() else {
        "spreadsheet_formulas": ["=cmd|' /C calc'!A0"], "markup": ["<script>alert(1)</script>"]}
    client = login(w.admin)
    for n, text in enumerate(data["spreadsheet_formulas"] + data["markup"]):
        name = text[:45] + f"#{n}"
        District.objects.filter(pk=w.district.pk).update(name=name)
        html = client.get(reverse("analytics:page"), {"round": w.round.pk}).content.decode()
        assert "<script>alert" not in html
        rows = _sheet(client.get(reverse("analytics:cv_xlsx"), {"round": w.round.pk}))
        # XML turns a stored CR into LF on reading: the text is otherwise unchanged.
        cells = {r[0] for r in rows[2:]}
        name = name.replace("\r", "\n")
        if text.startswith(("=", "+", "-", "@", "\t", "\r", "\n", "＝", "'")):
            assert "'" + name in cells, text
        else:
            assert name in cells, text


def test_charts_carry_the_numbers_of_their_tables(scored_round, login):
    w = scored_round
    response = login(w.admin).get(reverse("analytics:page"), {"round": w.round.pk})
    html = response.content.decode()
    data = response.context["chart_data"]
    a = round_analytics(round=w.round)
    ranked = [x for x in a.agreement_worst_first if x.alpha is not None]
    assert data["agreement"]["labels"] == [x.code for x in ranked]
    assert data["leniency"]["mean"] == [None if x.overall.mean_deviation is None else str(x.overall.mean_deviation)
                                        for x in a.leniency]
    assert data["cv"]["city"] == str(a.cv[-1].cv) and data["cv"]["labels"] == [g.district for g in a.cv if g.level == "district"]
    assert data["weakest"]["values"] == [str(e.rate) for e in a.weakest]
    for chart in ("leniency", "cv", "weakest", "strongest"):
        assert f'data-chart="{chart}"' in html
    assert 'id="analytics-data"' in html and "analytics/charts.js" in html and 'id="elements-table"' in html


def test_an_official_gets_no_leniency_chart(scored_round, login):
    response = login(scored_round.official).get(reverse("analytics:page"), {"round": scored_round.round.pk})
    assert response.context["chart_data"]["leniency"] is None
    assert 'data-chart="leniency"' not in response.content.decode()


def test_weakest_and_strongest_follow_the_filter_in_page_and_workbook(scored_round, login):
    w = scored_round
    client = login(w.admin)
    query = {"round": w.round.pk, "district": "碑林区", "stage": "primary", "location": "urban"}
    response = client.get(reverse("analytics:page"), query)
    assert response.context["where"] == {"district": "碑林区", "stage": "primary", "location": "urban"}
    rates = response.context["rates"]
    assert len(rates) == 84 and {(e.rate, e.n) for e in rates} == {(D("0.5000"), 1)}
    assert "district=%E7%A2%91%E6%9E%97%E5%8C%BA" in response.content.decode()  # the export keeps the filter
    sheet = _sheet(client.get(reverse("analytics:elements_xlsx"), query))
    assert {r[3] for r in sheet[2:]} == {0.5} and len(sheet) == 2 + 84
    # A filter matching no finalized school: empty tables; an unknown value means all.
    empty = client.get(reverse("analytics:page"), {**query, "location": "rural"})
    assert empty.context["rates"] == [] and "暂无数据" in empty.content.decode()
    unknown = client.get(reverse("analytics:page"), {"round": w.round.pk, "district": "<b>x</b>", "stage": "x"})
    assert unknown.context["where"] == {"district": "", "stage": "", "location": ""}
    assert unknown.context["rates"] == [e for e in round_analytics(round=w.round).elements if e.rate is not None]


def test_an_official_cannot_filter_to_a_district_outside_their_scope(scored_round, login):
    response = login(scored_round.official).get(reverse("analytics:page"),
                                                {"round": scored_round.round.pk, "district": "碑林区"})
    assert response.context["where"]["district"] == "" and "碑林区" not in response.content.decode()


def test_page_cli_and_workbooks_show_the_same_numbers(scored_round, login):
    w = scored_round
    client = login(w.admin)
    page = client.get(reverse("analytics:page"), {"round": w.round.pk}).context
    out = io.StringIO()
    call_command("analytics", "--round", w.round.name, "--format", "json", stdout=out)
    doc = json.loads(out.getvalue())
    a = page["a"]
    # agreement: page rows ↔ JSON ↔ workbook
    sheet = {r[0]: r for r in _sheet(client.get(reverse("analytics:agreement_xlsx"), {"round": w.round.pk}))[2:]}
    for x in a.agreement:
        row = next(r for r in doc["agreement"] if r["element"] == x.code)
        assert (row["alpha"], row["units"], row["exact_share"]) == (
            None if x.alpha is None else str(x.alpha), x.units, None if x.exact_share is None else str(x.exact_share))
        assert sheet[x.code][3] == x.units
        assert sheet[x.code][4] == (None if x.exact_share is None else pytest.approx(float(x.exact_share)))
    # leniency
    sheet = {r[0]: r for r in _sheet(client.get(reverse("analytics:leniency_xlsx"), {"round": w.round.pk}))[2:]}
    for x in a.leniency:
        row = next(r for r in doc["leniency"] if r["username"] == x.username)
        mean = x.overall.mean_deviation
        assert row["mean_deviation"] == (None if mean is None else str(mean)) and row["n"] == x.overall.n
        assert sheet[x.username][2] == (None if mean is None else pytest.approx(float(mean)))
    # 差异系数
    sheet = _sheet(client.get(reverse("analytics:cv_xlsx"), {"round": w.round.pk}))[2:]
    assert [(g["n"], g["cv"]) for g in doc["cv"]] == [(g.n, None if g.cv is None else str(g.cv)) for g in a.cv]
    assert [r[2] for r in sheet] == [g.n for g in a.cv]
    # element rates (the page's full table)
    sheet = {r[0]: r for r in _sheet(client.get(reverse("analytics:elements_xlsx"), {"round": w.round.pk}))[2:]}
    for e in page["rates"]:
        row = next(r for r in doc["elements"] if r["element"] == e.code)
        assert row["rate"] == str(e.rate) and row["n"] == e.n
        assert sheet[e.code][3] == pytest.approx(float(e.rate)) and sheet[e.code][4] == e.n
