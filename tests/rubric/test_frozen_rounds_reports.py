"""Changing weights never changes an old round's totals, ranking or exports.

The round is scored, every official output is captured (selector totals, the ranking CLI,
the PDF and xlsx score sheets, the ranking workbook), a new version with other weights is
published and the old one retired; every output must read exactly as before, while a new
round on the new version uses the new weights.
"""

import io
import json
from datetime import datetime, timezone
from decimal import Decimal

import openpyxl
import pdfplumber
import pytest
from django.core.management import call_command
from django.urls import reverse

from reports.pdf import scoresheet_pdf
from reports.selectors import evaluation_totals, round_totals
from reports.xlsx import scoresheet_xlsx
from rubric.services import element_update, rubric_clone, rubric_publish, rubric_retire
from tests import factories as f
from tests.reports.conftest import full, give_scores, half

D = Decimal
# The sheet prints its generation time; a fixed one keeps the before/after comparison off the clock.
PRINTED = datetime(2026, 9, 1, 8, 30, tzinfo=timezone.utc)


def _pdf_text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def _xlsx_values(data: bytes) -> list[tuple]:
    ws = openpyxl.load_workbook(io.BytesIO(data), data_only=True).active
    return [tuple(c.value for c in row) for row in ws.iter_rows()]


def _outputs(world, client) -> dict:
    totals = evaluation_totals(evaluation=world.evaluation)
    out = io.StringIO()
    call_command("ranking", "--round", str(world.round.pk), "--format", "json", stdout=out)
    ranking_xlsx = client.get(reverse("reports:ranking_xlsx") + f"?round={world.round.pk}")
    assert ranking_xlsx.status_code == 200
    return {
        "total": totals.total,
        "dimensions": totals.dimensions,
        "indicators": totals.indicators,
        "lines": [(line.element.code, line.element.points, line.points) for line in totals.lines],
        "rows": [(r.school.code, r.rank, r.total, r.dimensions) for r in round_totals(round=world.round)],
        "ranking_json": json.loads(out.getvalue()),
        "pdf_text": _pdf_text(scoresheet_pdf(totals, generated_at=PRINTED)),
        "xlsx": _xlsx_values(scoresheet_xlsx(totals)),
        "ranking_xlsx": _xlsx_values(ranking_xlsx.content),
    }


def _reweight(world):
    """xian-2027: C9 2 → 1 and C19 1 → 2 (total still 100), published; xian-2020 retired."""
    new = rubric_clone(version=world.version, code="xian-2027", name="2027 版", by=world.admin)
    element_update(element=new.elements.get(code="C9"), points=D("1"), by=world.admin)
    element_update(element=new.elements.get(code="C19"), points=D("2"), by=world.admin)
    rubric_publish(version=new, by=world.admin)
    rubric_retire(version=world.version, by=world.admin)
    return new


@pytest.fixture
def scored_round(world):
    # C9 (worth 2) at full, C19 (worth 1) at half: a reweighting would change both if it leaked.
    give_scores(world.evaluation, lambda el, k: el.points / 2 if el.code == "C19" else el.points, by=world.lead)
    give_scores(world.other_evaluation, half, by=world.bob)
    return world


def test_old_round_outputs_are_identical_after_new_weights(scored_round, login):
    client = login(scored_round.city_official)
    before = _outputs(scored_round, client)
    assert before["total"] == D("99.50")
    _reweight(scored_round)
    after = _outputs(scored_round, client)
    for key in before:
        assert after[key] == before[key], key


def test_old_round_still_reads_its_own_weights(scored_round):
    _reweight(scored_round)
    lines = {line.element.code: line for line in evaluation_totals(evaluation=scored_round.evaluation).lines}
    assert (lines["C9"].element.points, lines["C9"].points) == (D("2"), D("2.00"))
    assert (lines["C19"].element.points, lines["C19"].points) == (D("1"), D("0.50"))


def test_a_new_round_on_the_new_version_uses_the_new_weights(scored_round):
    new = _reweight(scored_round)
    rnd = f.round_(new, name="2027年度新优质学校评估", year=2027)
    ev = f.evaluation(rnd, scored_round.school, lead=scored_round.lead)
    total = give_scores(ev, full, by=scored_round.lead)
    lines = {line.element.code: line for line in evaluation_totals(evaluation=ev).lines}
    assert (lines["C9"].element.points, lines["C9"].points) == (D("1"), D("1.00"))
    assert (lines["C19"].element.points, lines["C19"].points) == (D("2"), D("2.00"))
    assert total == D("100") and evaluation_totals(evaluation=ev).total == D("100.00")
    # the retired version is no longer offered, the old round still is ranked on it
    assert [r.total for r in round_totals(round=scored_round.round)] == [D("99.50"), D("50.00")]


def test_the_sheet_prints_the_generation_time_it_is_given(scored_round):
    text = _pdf_text(scoresheet_pdf(evaluation_totals(evaluation=scored_round.evaluation), generated_at=PRINTED))
    assert "2026-09-01 16:30" in text  # Asia/Shanghai
