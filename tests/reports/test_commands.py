"""The scoresheet and ranking management commands."""

import csv
import io
import json
from decimal import Decimal

import openpyxl
import pdfplumber
import pytest
from django.core.management import CommandError, call_command

from reports.selectors import round_totals
from schools.models import School


def test_ranking_json_is_ordered_with_decimal_strings(scored):
    out = io.StringIO()
    call_command("ranking", "--round", scored.round.name, "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert [r["school_code"] for r in data] == [scored.school.code, scored.other_school.code]
    first = data[0]
    assert list(first)[:5] == ["rank", "school_code", "school_name", "district", "total"]
    assert first["rank"] == 1 and first["total"] == "99.50" and first["A1"] == "2.50"
    assert [f"A{i}" for i in range(1, 8)] == [k for k in first if k.startswith("A")]


def test_ranking_json_rows_carry_stage_and_location(scored):
    School.objects.filter(pk=scored.other_school.pk).update(stage=School.Stage.JUNIOR, location=School.Location.RURAL)
    out = io.StringIO()
    call_command("ranking", "--round", scored.round.name, "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert [(r["stage"], r["location"]) for r in data] == [("primary", "urban"), ("junior", "rural")]


def test_ranking_matches_selector(scored):
    out = io.StringIO()
    call_command("ranking", "--format", "json", stdout=out)
    rows = round_totals(round=scored.round)
    assert [Decimal(r["total"]) for r in json.loads(out.getvalue())] == [r.total for r in rows]


def test_ranking_csv_neutralizes_formula_text(scored):
    School.objects.filter(pk=scored.school.pk).update(name="=cmd|' /C calc'!A0")
    out = io.StringIO()
    call_command("ranking", "--round", str(scored.round.pk), "--format", "csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["school_name"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["total"] == "99.50"


def test_ranking_include_in_progress(world):
    from tests.reports.conftest import give_scores, half

    give_scores(world.evaluation, half, finalize=False)
    out = io.StringIO()
    call_command("ranking", "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == []
    out = io.StringIO()
    call_command("ranking", "--format", "json", "--include-in-progress", stdout=out)
    # The other school has nothing scored: it is not ranked (not a 0.00 at the bottom).
    rows = json.loads(out.getvalue())
    assert [r["total"] for r in rows] == ["50.00"]
    assert rows[0]["provisional"] == "暂定"


def test_unknown_round_is_a_command_error(scored):
    with pytest.raises(CommandError, match="找不到评估批次"):
        call_command("ranking", "--round", "不存在", "--format", "json")


def test_scoresheet_pdf_command_writes_file(scored, tmp_path):
    path = tmp_path / "s.pdf"
    call_command("scoresheet", "--school", scored.school.code, "--format", "pdf", "-o", str(path), stdout=io.StringIO())
    with pdfplumber.open(path) as doc:
        text = "".join(p.extract_text() or "" for p in doc.pages)
    assert "雁塔区第一小学" in text and "99.50" in text


def test_scoresheet_xlsx_blank(scored, tmp_path):
    path = tmp_path / "s.xlsx"
    call_command("scoresheet", "--round", scored.round.name, "--school", scored.school.code, "--format", "xlsx",
                 "--blank", "-o", str(path), stdout=io.StringIO())
    ws = openpyxl.load_workbook(path, data_only=True).active
    assert all(ws.cell(r, 6).value is None for r in range(4, 10))


def test_scoresheet_unknown_school_is_a_command_error(scored, tmp_path):
    with pytest.raises(CommandError, match="没有学校代码"):
        call_command("scoresheet", "--school", "NOPE", "-o", str(tmp_path / "x.pdf"))
