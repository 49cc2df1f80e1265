"""The xlsx score sheets printed by LibreOffice: every text readable, nothing drawn over
anything else, every page labelled with the dimension and indicator it shows."""

import io
import json
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from reports.selectors import evaluation_totals, round_totals
from reports.xlsx import district_workbook_xlsx, ranking_xlsx, scoresheet_xlsx
from rubric.selectors import rubric_tree
from schools.models import School
from tests.printing import (
    assert_groups_labelled,
    assert_legible,
    element_parents,
    needs_soffice,
    page_texts,
    print_xlsx,
)

HOSTILE = json.loads(Path("/work/shared/testdata/hostile-inputs.json").read_text(encoding="utf-8")) if Path(
    "/work/shared/testdata/hostile-inputs.json").exists() else {}
LONG_NAME = "西安市雁塔区曲江新区第一实验小学教育集团" * 5  # 100 characters, the longest a school name may be


def _hostile_texts() -> list[str]:
    # Unicode non-characters (U+FFFE/U+FFFF) still break every workbook the product writes:
    # dropping them in the spreadsheet-text rule is helper "hostile"'s config/text.py.
    texts = [t for kind in ("spreadsheet_formulas", "markup", "control_and_noncharacters") for t in HOSTILE.get(kind, [])
             if "\ufffe" not in t and "\uffff" not in t]
    return texts or ['=HYPERLINK("http://example.invalid","点此")', "<script>alert(1)</script>", "nul\x00byte"]


def _workbook(scored, **kw):
    tree = rubric_tree(version=scored.version)
    rows = round_totals(round=scored.round, tree=tree, with_elements=True)
    return tree, rows, district_workbook_xlsx(rows=rows, tree=tree, round_obj=scored.round, title="2026 全市 评估结果",
                                              inspectors={}, **kw)


@needs_soffice
def test_school_sheet_prints_every_element_legibly(scored, tmp_path):
    tree = rubric_tree(version=scored.version)
    pdf = print_xlsx(scoresheet_xlsx(evaluation_totals(evaluation=scored.evaluation)), tmp_path)
    lines = assert_legible(pdf, codes=[el.code for el in tree.elements])
    assert_groups_labelled(lines, element_parents(tree))


@needs_soffice
def test_provisional_school_sheet_prints_legibly_with_its_header(world, tmp_path):
    from tests.reports.conftest import give_scores

    give_scores(world.evaluation, lambda el, k: el.points, finalize=False)
    tree = rubric_tree(version=world.version)
    pdf = print_xlsx(scoresheet_xlsx(evaluation_totals(evaluation=world.evaluation)), tmp_path)
    assert_groups_labelled(assert_legible(pdf, codes=[el.code for el in tree.elements]), element_parents(tree))
    assert all("暂定" in text for text in page_texts(pdf))


@needs_soffice
def test_blank_school_sheet_prints_legibly(scored, tmp_path):
    tree = rubric_tree(version=scored.version)
    pdf = print_xlsx(scoresheet_xlsx(evaluation_totals(evaluation=scored.evaluation, blank=True), blank=True), tmp_path)
    assert_groups_labelled(assert_legible(pdf, codes=[el.code for el in tree.elements]), element_parents(tree))


@needs_soffice
def test_district_workbook_prints_summary_and_every_school_legibly(scored, tmp_path):
    School.objects.filter(pk=scored.other_school.pk).update(name=LONG_NAME)
    tree, rows, data = _workbook(scored)
    pdf = print_xlsx(data, tmp_path)
    lines = assert_legible(pdf, codes=[el.code for el in tree.elements])
    assert_groups_labelled(lines, element_parents(tree))
    texts = page_texts(pdf)
    # Both schools' sheets are printed, each with every element.
    for school in ("雁塔区第一小学", "曲江新区第一实验小学"):
        pages = [t for t in texts if school in t]
        assert pages, school


@needs_soffice
def test_hostile_school_names_print_as_text(scored, tmp_path):
    totals = evaluation_totals(evaluation=scored.evaluation)
    totals.school.name = " ".join(_hostile_texts())[:300]
    pdf = print_xlsx(scoresheet_xlsx(totals), tmp_path)
    assert_legible(pdf, codes=[el.code for el in totals.tree.elements])
    assert "<script>alert(1)</script>" in "".join(page_texts(pdf))


def test_district_workbook_without_finalized_school_says_so(world):
    tree = rubric_tree(version=world.version)
    rows = round_totals(round=world.round, tree=tree, with_elements=True)
    assert rows == []
    data = district_workbook_xlsx(rows=rows, tree=tree, round_obj=world.round, title="t", inspectors={})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    first = wb.worksheets[0]
    texts = [c.value for row in first.iter_rows() for c in row if c.value]
    assert any("还没有已定稿" in t for t in texts), texts
    assert "学校名称" not in texts  # no empty table under the sentence
    assert len(wb.worksheets) == 1


def test_ranking_workbook_with_no_rows_says_so(world):
    tree = rubric_tree(version=world.version)
    ws = openpyxl.load_workbook(io.BytesIO(ranking_xlsx(rows=[], tree=tree, round_obj=world.round, title="t"))).active
    assert ws.cell(2, 1).value == "没有符合筛选条件的学校。"


@pytest.mark.parametrize("text", _hostile_texts() + ["长" * 1_000_000])
def test_hostile_texts_in_every_sheet_stay_text(scored, text):
    """School, district and inspector names: formulas stay text, control characters go, the
    workbook opens, and row heights stay within what Excel accepts."""
    totals = evaluation_totals(evaluation=scored.evaluation)
    totals.school.name = text
    totals.school.district.name = text
    tree = totals.tree
    rows = [replace(r, school=replace(r.school, name=text)) for r in round_totals(round=scored.round, tree=tree,
                                                                               with_elements=True)]
    books = [
        scoresheet_xlsx(totals),
        district_workbook_xlsx(rows=rows, tree=tree, round_obj=scored.round, title=text, inspectors={
            rows[0].evaluation_id: [text]}),
    ]
    for data in books:
        wb = openpyxl.load_workbook(io.BytesIO(data))
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "s":  # text, not our own formulas
                        assert not cell.value.startswith(("=", "+", "-", "@", "＝")), cell.value[:40]
                        assert "\x00" not in cell.value and "\x07" not in cell.value
            assert all((d.height or 0) <= 409 for d in ws.row_dimensions.values())
