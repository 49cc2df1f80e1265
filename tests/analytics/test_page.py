"""The analytics page and its workbooks: who may see what, scope, the same numbers in every output."""

import io
import json
from pathlib import Path

import openpyxl
import pytest
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
