"""A rubric of another shape works end to end.

The synthetic sample (2 A, 3 B, 5 C, declared total 10, one element stepped by 0.25) goes
through the whole product exactly as an admin and the inspectors would use it: imported and
published with the CLI, a round on it, panels, scoring through the workspace endpoint and the
offline xlsx, submit, finalize, then totals, ranking (page, CLI), PDF and xlsx score sheets
and the district workbook. Nothing may assume 7 dimensions, 84 elements or 100 points.
"""

import io
import json
import re
from decimal import Decimal

import openpyxl
import pdfplumber
import pytest
from django.core.management import call_command
from django.urls import reverse

from evaluation import services as ev_services
from evaluation.models import Evaluation, Round, Scorecard
from reports.pdf import scoresheet_pdf
from reports.selectors import evaluation_totals, round_totals
from reports.xlsx import scoresheet_xlsx
from rubric.models import RubricVersion
from tests import factories as f
from tests.rubric.conftest import SMALL

D = Decimal

# Element → (lead's score, alice's score). Means: C1 1.75→1.75, C2 0.75/1.25→1.00,
# C3 2.5/2→2.25, C4 3/2.5→2.75, C5 0.5/1→0.75; total 8.50 (A1 5.00, A2 3.50).
SCHOOL_ONE = {"C1": ("2", "1.5"), "C2": ("0.75", "1.25"), "C3": ("2.5", "2"), "C4": ("3", "2.5"), "C5": ("0.5", "1")}
# The second school gets the same mean total through other elements: a tie, ranks 1, 1.
SCHOOL_TWO = {"C1": ("2", "2"), "C2": ("1.5", "1.5"), "C3": ("2", "2"), "C4": ("2.5", "2.5"), "C5": ("0.5", "0.5")}
# A third school scores less: rank 3 (standard competition ranking skips 2).
SCHOOL_THREE = {"C1": ("1", "1"), "C2": ("0.5", "0.5"), "C3": ("1", "1"), "C4": ("1", "1"), "C5": ("0", "0")}


def _save(client, card, scores: dict[str, str]):
    data = {}
    for code, points in scores.items():
        data[f"points_{code}"] = points
        data[f"version_{code}"] = "0"
    return client.post(reverse("evaluation:scorecard_save", args=[card.pk]), data, HTTP_ACCEPT="application/json")


@pytest.fixture
def small_round(world, login):
    """sample-small imported and published by the CLI; a round on it with three schools,
    each scored by the lead and alice through the workspace endpoint, submitted, finalized."""
    call_command("rubric", "import", str(SMALL), stdout=io.StringIO())
    call_command("rubric", "publish", "sample-small", stdout=io.StringIO())
    version = RubricVersion.objects.get(code="sample-small")
    rnd = ev_services.round_save(
        # The tables disagree on purpose; 合议说明 are not this test's subject (test_consolidation.py).
        round=Round(name="小型细则试评", year=2027, rubric_version=version, pass_mark=D("8"),
                    require_consolidation_notes=False), by=world.admin
    )
    schools = [
        f.school(world.district, name="雁塔区试评小学", code="T001"),
        f.school(world.other_district, name="碑林区试评小学", code="T002"),
        f.school(world.district, name="雁塔区试评中学", code="T003"),
    ]
    ev_services.panel_assign(round=rnd, schools=schools, inspectors=[world.alice], lead=world.lead, by=world.admin)
    for school, table in zip(schools, (SCHOOL_ONE, SCHOOL_TWO, SCHOOL_THREE)):
        ev = Evaluation.objects.get(round=rnd, school=school)
        for k, person in enumerate((world.lead, world.alice)):
            card = Scorecard.objects.get(evaluation=ev, inspector=person)
            response = _save(login(person), card, {code: pair[k] for code, pair in table.items()})
            assert response.status_code == 200, response.content
            ev_services.scorecard_submit(scorecard=card, by=person)
        # The round requires the panel's opinion (the product default) before finalizing.
        ev_services.opinion_save(evaluation=ev, overall="总体良好", strengths="特色鲜明", problems="评价待完善",
                                 suggestions="完善评价", version=0, by=world.lead)
        ev_services.evaluation_finalize(evaluation=ev, by=world.lead)
    return rnd


def _ev(rnd, code):
    return Evaluation.objects.get(round=rnd, school__code=code)


def test_the_workspace_shows_the_five_elements_and_the_total_of_ten(world, login, small_round):
    card = Scorecard.objects.get(evaluation=_ev(small_round, "T001"), inspector=world.alice)
    html = login(world.alice).get(reverse("evaluation:scorecard", args=[card.pk])).content.decode()
    codes = set(re.findall(r'name="points_(C\d+)"', html))
    assert codes == {"C1", "C2", "C3", "C4", "C5"}
    assert "A3" not in re.findall(r"\bA\d+\b", html)


def test_the_element_step_and_points_of_the_small_rubric_are_enforced(world, login, small_round):
    rnd = Round.objects.create(name="步长检查", year=2027, rubric_version=small_round.rubric_version)
    ev = f.evaluation(rnd, world.school, lead=world.lead)
    card = ev.scorecards.get()
    client = login(world.lead)
    # C2 is stepped by 0.25 and worth 1.5: 0.75 is valid, 0.6 and 2 are not.
    assert _save(client, card, {"C2": "0.75"}).status_code == 200
    for bad in ("0.6", "2"):
        response = _save(client, card, {"C2": bad})
        assert response.status_code in (400, 409)
    assert card.scores.get(element__code="C2").points == D("0.75")


def test_totals_use_the_small_rubric_shape(small_round):
    t = evaluation_totals(evaluation=_ev(small_round, "T001"))
    assert t.tree.points == D("10")
    assert list(t.dimensions) == ["A1", "A2"]
    assert list(t.indicators) == ["B1", "B2", "B3"]
    assert t.dimensions == {"A1": D("5.00"), "A2": D("3.50")}
    assert t.total == D("8.50") == sum(t.indicators.values())
    # each inspector's own totals, on the same shape
    assert {i.name: i.sums.total for i in t.inspectors} == {"李组长": D("8.75"), "张专家": D("8.25")}


def test_ranking_ties_share_a_rank_and_the_pass_mark_applies(small_round):
    rows = round_totals(round=small_round)
    assert [(r.school.code, r.rank, r.total, r.passed) for r in rows] == [
        ("T001", 1, D("8.50"), True),
        ("T002", 1, D("8.50"), True),
        ("T003", 3, D("3.50"), False),
    ]


def test_ranking_cli_has_only_the_small_rubric_dimensions(small_round):
    out = io.StringIO()
    call_command("ranking", "--round", small_round.name, "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert [r["rank"] for r in data] == [1, 1, 3]
    assert [k for k in data[0] if k.startswith("A")] == ["A1", "A2"]
    assert (data[0]["total"], data[0]["A1"], data[0]["A2"]) == ("8.50", "5.00", "3.50")


def test_ranking_page_has_two_dimension_columns(world, login, small_round):
    response = login(world.city_official).get(reverse("reports:ranking") + f"?round={small_round.pk}")
    assert response.status_code == 200
    assert response.context["codes"] == ["A1", "A2"]
    assert [r.total for r in response.context["page"]] == [D("8.50"), D("8.50"), D("3.50")]


def test_pdf_score_sheet_lists_the_five_elements_and_the_total(small_round):
    pdf = scoresheet_pdf(evaluation_totals(evaluation=_ev(small_round, "T001")))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = "\n".join(page.extract_text() or "" for page in doc.pages)
    assert "雁塔区试评小学" in text and "8.50" in text
    assert set(re.findall(r"\bC\d+\b", text)) == {"C1", "C2", "C3", "C4", "C5"}
    assert "A2" in text and "A3" not in text


def test_xlsx_score_sheet_sums_to_the_same_total(small_round):
    data = scoresheet_xlsx(evaluation_totals(evaluation=_ev(small_round, "T001")))
    formulas = openpyxl.load_workbook(io.BytesIO(data)).active
    values = openpyxl.load_workbook(io.BytesIO(data), data_only=True).active
    rows = range(1, formulas.max_row + 1)
    total_row = next(r for r in rows if formulas.cell(r, 1).value == "总分")
    subtotal_rows = [r for r in rows if str(formulas.cell(r, 1).value).endswith("小计")]
    assert len(subtotal_rows) == 2
    assert D(str(values.cell(total_row, 6).value)) == D("8.5")
    assert D(str(values.cell(total_row, 4).value)) == D("10")
    element_rows = [r for r in rows if re.match(r"C\d+\b", str(formulas.cell(r, 3).value or ""))]
    assert len(element_rows) == 5
    assert sum(D(str(values.cell(r, 6).value)) for r in element_rows) == D("8.5")


def test_district_workbook_has_the_small_shape(world, login, small_round):
    response = login(world.city_official).get(reverse("reports:district_xlsx") + f"?round={small_round.pk}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content), data_only=True)
    summary = book.worksheets[0]
    header = next([c.value for c in row] for row in summary.iter_rows() if "总分" in [c.value for c in row])
    assert header[7:] == ["A1", "A2", "总分", "达到认定分数线", "区县内排名"]
    body = [[c.value for c in row] for row in summary.iter_rows(min_row=3)]
    # T001 and T003 are both in 雁塔区 (district ranks 1 and 2); T002 is alone in 碑林区.
    assert [(r[1], r[0], D(str(r[9])), r[11]) for r in body if r[1]] == [
        ("T001", 1, D("8.5"), 1), ("T002", 1, D("8.5"), 1), ("T003", 3, D("3.5"), 2)]
    assert len(book.worksheets) == 1 + 3  # summary + one sheet per school


def test_offline_xlsx_round_trip_on_the_small_rubric(world, login, small_round):
    rnd = Round.objects.create(name="离线小型", year=2027, rubric_version=small_round.rubric_version)
    ev = f.evaluation(rnd, world.school, lead=world.lead)
    card = ev.scorecards.get()
    client = login(world.lead)
    response = client.get(reverse("evaluation:scorecard_download", args=[card.pk]))
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = wb.active
    rows = [r for r in range(1, ws.max_row + 1) if re.match(r"C\d+\b", str(ws.cell(r, 3).value or ""))]
    assert len(rows) == 5
    for r in rows:
        ws.cell(row=r, column=6, value=1)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "离线.xlsx"
    response = client.post(reverse("evaluation:scorecard_upload", args=[card.pk]), {"file": out})
    assert response.status_code in (200, 302)
    assert sorted(card.scores.values_list("element__code", "points")) == [(f"C{i}", D("1")) for i in range(1, 6)]
