"""Excel score sheet and workbooks, read back with openpyxl and recalculated by LibreOffice."""

import csv
import io
import os
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest

from reports.selectors import evaluation_totals, round_totals
from config.spreadsheet import cell_text as safe_text
from reports.xlsx import district_workbook_xlsx, ranking_xlsx, scoresheet_xlsx
from rubric.selectors import rubric_tree
from schools.models import School

D = Decimal


def _book(data: bytes, **kw):
    return openpyxl.load_workbook(io.BytesIO(data), **kw)


@pytest.fixture
def sheet_bytes(scored):
    return scoresheet_xlsx(evaluation_totals(evaluation=scored.evaluation))


def test_scoresheet_has_merged_dimension_indicator_and_method_cells(scored, sheet_bytes):
    ws = _book(sheet_bytes).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:F1" in merged
    assert "A4:A6" in merged and "E4:E6" in merged  # A1 has three elements (rows 4–6)
    assert any(r.startswith("B") for r in merged)


def test_scoresheet_formulas_and_cached_values_agree(scored, sheet_bytes):
    formulas = _book(sheet_bytes).active
    values = _book(sheet_bytes, data_only=True).active
    total_row = next(r for r in range(1, formulas.max_row + 1) if formulas.cell(r, 1).value == "总分")
    assert formulas.cell(total_row, 6).value.startswith("=SUM(")
    assert D(str(values.cell(total_row, 6).value)) == D("99.50")
    assert D(str(values.cell(total_row, 4).value)) == D("100")
    subtotal_rows = [r for r in range(1, formulas.max_row + 1) if str(formulas.cell(r, 1).value).endswith("小计")]
    assert len(subtotal_rows) == 7
    assert sum(D(str(values.cell(r, 6).value)) for r in subtotal_rows) == D("99.50")
    # element scores are numbers, not text
    assert isinstance(values.cell(4, 6).value, (int, float))


def test_scoresheet_print_setup_and_frozen_header(sheet_bytes):
    ws = _book(sheet_bytes).active
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3"
    assert str(ws.page_setup.paperSize) == "9"
    # A4 at 100 % with our own page breaks: Excel ignores manual breaks under "fit to page".
    # (no scale attribute is 100 %, the file format's default, which XlsxWriter leaves out)
    assert ws.page_setup.scale in (None, 100)
    assert not ws.sheet_properties.pageSetUpPr.fitToPage
    assert len(ws.row_breaks.brk) >= 5
    assert all(ws.row_dimensions[r].height for r in range(1, ws.max_row - 1))


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_safe_text_neutralizes_formula_starts(text):
    assert safe_text(text) == "'" + text


def test_safe_text_leaves_ordinary_text():
    assert safe_text("雁塔区第一小学") == "雁塔区第一小学"


def test_hostile_school_name_is_text_in_workbooks(scored):
    School.objects.filter(pk=scored.school.pk).update(name='=HYPERLINK("http://x","点我")')
    tree = rubric_tree(version=scored.version)
    rows = round_totals(round=scored.round, tree=tree)
    ws = _book(ranking_xlsx(rows=rows, tree=tree, round_obj=scored.round, title="t")).active
    names = [ws.cell(r, 3).value for r in range(3, ws.max_row + 1)]
    assert "'=HYPERLINK(\"http://x\",\"点我\")" in names


def test_district_workbook_has_ranked_summary_and_one_sheet_per_school(scored):
    tree = rubric_tree(version=scored.version)
    rows = round_totals(round=scored.round, tree=tree, with_elements=True)
    data = district_workbook_xlsx(rows=rows, tree=tree, round_obj=scored.round, title="t", inspectors={})
    wb = _book(data, data_only=True)
    assert len(wb.sheetnames) == 3
    summary = wb[wb.sheetnames[0]]
    assert [summary.cell(r, 1).value for r in (3, 4)] == [1, 2]
    assert summary.cell(3, 3).value == "雁塔区第一小学"
    total_col = 8 + len(tree.dimensions)
    assert D(str(summary.cell(3, total_col).value)) == D("99.50")
    assert D(str(summary.cell(4, total_col).value)) == D("50")
    detail = wb[wb.sheetnames[2]]
    assert "碑林区第一小学" in detail.cell(2, 1).value


def test_a_megabyte_of_hostile_text_in_the_district_workbook_stays_text_cut_at_the_cell_limit(scored):
    """Inspector names and the title are the workbook's free text that is not bounded by a model
    field here: 1 MB of formula-looking text is written as text, cut at Excel's cell limit with the
    mark, rows stay within Excel's height limit, and the file reads back."""
    tree = rubric_tree(version=scored.version)
    rows = round_totals(round=scored.round, tree=tree, with_elements=True)
    huge = '=HYPERLINK("http://x","点我")' + "\x00\x07../" + "长" * 1_000_000
    data = district_workbook_xlsx(rows=rows, tree=tree, round_obj=scored.round, title=huge,
                                  inspectors={r.evaluation_id: [huge] for r in rows})
    wb = _book(data)
    texts = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    long = [c for c in texts if len(c.value) > 10_000]
    assert len(long) == 1 + len(rows)  # the summary title and each school's 督导专家 line
    for c in long:
        assert len(c.value) <= 32767 and c.value.endswith("（超出单元格上限，已截断）")
        assert c.data_type == "s" and not c.value.startswith("=") and "\x00" not in c.value
    assert long[0].value.startswith("'=HYPERLINK(")
    for ws in wb.worksheets:
        assert all((dim.height or 0) <= 409 for dim in ws.row_dimensions.values())


@pytest.mark.skipif(not shutil.which("soffice") and not os.environ.get("CI"), reason="LibreOffice missing")
def test_libreoffice_recalculates_the_same_totals(scored, tmp_path):
    """Calc recomputes every formula on load; its CSV must show our totals."""
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(scoresheet_xlsx(evaluation_totals(evaluation=scored.evaluation)))
    # Drop the cached values so that only a real recalculation by Calc can produce numbers.
    import re
    import zipfile

    src = zipfile.ZipFile(path)
    garbled = tmp_path / "garbled.xlsx"
    with zipfile.ZipFile(garbled, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                body = re.sub(rb"(</f>)<v>[^<]*</v>", rb"\g<1>", body)
                assert b"</f><v>" not in body
            dst.writestr(item, body)
    profile = tmp_path / "profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1",
         "--outdir", str(tmp_path / "out"), str(garbled)],
        check=True, capture_output=True, timeout=120,
    )
    rows = list(csv.reader((tmp_path / "out" / "garbled.csv").read_text(encoding="utf-8").splitlines()))
    total = next(r for r in rows if r and r[0] == "总分")
    assert D(total[5]) == D("99.50")
    assert D(total[3]) == D("100")
    subtotals = [D(r[5]) for r in rows if r and r[0].endswith("小计")]
    assert sum(subtotals) == D("99.50")


# --- provisional figures: the 状态 column, and formulas that recalculate to the selector's figures


def _provisional_two_decimals(world):
    """A panel of three, nobody submitted: per element the lead gives full points and the others
    one step less, so every consolidated mean is p − 2·step/3, rounded to two decimals (0.67…)."""
    from evaluation.models import Scorecard
    from tests.reports.conftest import give_scores

    Scorecard.objects.create(evaluation=world.evaluation, inspector=world.bob)
    give_scores(world.evaluation, lambda el, k: el.points if k == 0 else max(el.points - el.step, D("0")),
                finalize=False)
    totals = evaluation_totals(evaluation=world.evaluation)
    assert totals.provisional and totals.scored == 84
    assert any(line.points % D("0.05") for line in totals.lines)  # means such as 0.67, not on any step
    return totals


def test_the_ranking_workbook_says_which_totals_are_provisional(world, login):
    from django.urls import reverse

    from tests.reports.conftest import full, give_scores

    give_scores(world.evaluation, lambda el, k: el.points / 2, finalize=False)
    give_scores(world.other_evaluation, full, by=world.bob)
    response = login(world.city_official).get(reverse("reports:ranking_xlsx"),
                                              {"round": world.round.pk, "include": "on"})
    assert response.status_code == 200
    ws = _book(response.content).active
    header = [c.value for c in ws[2]]
    status, name = header.index("状态") + 1, header.index("学校名称") + 1
    rows = {ws.cell(r, name).value: ws.cell(r, status).value for r in range(3, ws.max_row + 1)}
    assert rows == {"雁塔区第一小学": "暂定", "碑林区第一小学": "已定稿"}
    # Without in-progress schools, no row is provisional.
    plain = _book(login(world.city_official).get(reverse("reports:ranking_xlsx"), {"round": world.round.pk}).content).active
    assert [plain.cell(r, status).value for r in range(3, plain.max_row + 1)] == ["已定稿"]


def _recalculated(data: bytes, tmp_path, name: str):
    """The workbook as LibreOffice computes it: cached results removed, opened, saved again."""
    import re
    import zipfile

    src = tmp_path / f"{name}.xlsx"
    src.write_bytes(data)
    stripped = tmp_path / f"{name}-nocache.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(stripped, "w") as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                body = re.sub(rb"(</f>)<v>[^<]*</v>", rb"\g<1>", body)
                assert b"</f><v>" not in body
            zout.writestr(item, body)
    out = tmp_path / f"{name}-out"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp_path / (name + '-profile')).as_uri()}", "--headless",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(stripped)],
        check=True, capture_output=True, timeout=180,
    )
    return _book((out / stripped.name).read_bytes(), data_only=True).active


def _same(recalculated, expected: Decimal) -> bool:
    """Calc adds binary floating point; equal when it is within rounding noise of the figure."""
    return recalculated is not None and abs(D(repr(recalculated)) - expected) < D("1e-9")


@pytest.mark.skipif(not shutil.which("soffice") and not os.environ.get("CI"), reason="LibreOffice missing")
def test_recalculated_score_sheet_formulas_equal_the_selectors_provisional_figures(world, tmp_path):
    totals = _provisional_two_decimals(world)
    ws = _recalculated(scoresheet_xlsx(totals), tmp_path, "sheet")
    subtotals = {str(ws.cell(r, 1).value).split()[0]: ws.cell(r, 6).value
                 for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value).endswith("小计")}
    assert list(subtotals) == ["A1", "A2", "A3", "A4", "A5", "A6", "A7"]
    for code, value in subtotals.items():
        assert _same(value, totals.dimensions[code]), (code, value, totals.dimensions[code])
    total = next(ws.cell(r, 6).value for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "总分")
    assert _same(total, totals.total), (total, totals.total)


@pytest.mark.skipif(not shutil.which("soffice") and not os.environ.get("CI"), reason="LibreOffice missing")
def test_recalculated_ranking_totals_equal_the_selectors_provisional_figures(world, tmp_path):
    from tests.reports.conftest import half, give_scores

    totals = _provisional_two_decimals(world)
    give_scores(world.other_evaluation, half, by=world.bob)
    tree = rubric_tree(version=world.version)
    rows = round_totals(round=world.round, include_in_progress=True, tree=tree)
    ws = _recalculated(ranking_xlsx(rows=rows, tree=tree, round_obj=world.round, title="t"), tmp_path, "ranking")
    header = [c.value for c in ws[2]]
    code_col, total_col = header.index("学校代码") + 1, header.index("总分") + 1
    recalculated = {ws.cell(r, code_col).value: ws.cell(r, total_col).value for r in range(3, ws.max_row + 1)}
    assert set(recalculated) == {world.school.code, world.other_school.code}
    for row in rows:
        assert _same(recalculated[row.school.code], row.total), (row.school.code, recalculated[row.school.code])
    assert next(r.total for r in rows if r.provisional) == totals.total
