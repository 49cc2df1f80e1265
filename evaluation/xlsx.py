"""The offline scorecard workbook (official layout) and its strict reader.

Columns: A 一级指标, B 二级指标, C 评估要素 (code first), D 标准分, E 评估方法, F 得分, G 备注.
Row 1 is a title, row 2 the header; elements start on row 3; a 总分 row follows them.

The same writer and reader serve the school's self-assessment (学校自评表), whose F and G are
自评分 and 自评说明 (`SELF_LABELS`): one layout, one strict reader, two sets of labels.

The reader finds the header row by its names, so it also takes the product's official blank
score sheet (`scoresheet --blank --format xlsx`: header on row 3, no 备注 column, 小计 and
总分 rows), which an admin digitizing paper sheets starts from.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break

from config.sheet_print import MARGIN_IN, column_points, paginate, printable_height_pt, rubric_groups, text_height
from config.spreadsheet import cell_text, cell_text_read
from rubric.models import Element

from .parsing import PointsError, parse_points

HEADER = ["一级指标", "二级指标", "评估要素", "标准分", "评估方法", "得分", "备注"]
# Header names of the score and note columns: the inspectors' scorecard, the school's self-assessment.
SCORE_LABELS = ("得分", "备注")
SELF_LABELS = ("自评分", "自评说明")
FIRST_ROW = 3
_CODE_RE = re.compile(r"^\s*(C[1-9][0-9]*)\b")
# Column widths (characters) that fit A4 landscape at 100 % in every program (config/sheet_print.py).
COLUMNS = {"A": 9, "B": 14, "C": 32, "D": 6, "E": 14, "F": 6, "G": 24}
BODY_PT = 10


def scorecard_xlsx(*, workspace) -> bytes:
    """The scorecard as an xlsx workbook (bytes), current scores filled in."""
    card = workspace.scorecard
    if card.evaluation.is_calibration:  # a calibration case (校准) is known by its title, never the school
        title = _("校准：%(round)s · 督导专家：%(name)s") % {
            "round": card.evaluation.round.name, "name": card.inspector.display_name}
        return offline_workbook(title=title, sheet="评分表", tree=workspace.tree, items=workspace.items)
    title = _("%(school)s · %(round)s · 督导专家：%(name)s") % {
        "school": card.evaluation.school.name,
        "round": card.evaluation.round.name,
        "name": card.inspector.display_name,
    }
    return offline_workbook(title=title, sheet="评分表", tree=workspace.tree, items=workspace.items)


def offline_workbook(*, title: str, sheet: str, tree, items, labels=SCORE_LABELS) -> bytes:
    """The offline workbook of one rubric tree: `items[element id]` has .points and .note."""
    header = [*HEADER[:5], *labels]
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws["A1"] = cell_text(title)
    ws["A1"].font = Font(bold=True, size=13)
    ws.merge_cells("A1:G1")
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    body = Font(size=BODY_PT)
    for col, name in enumerate(header, start=1):
        cell = ws.cell(row=2, column=col, value=name)
        cell.font = Font(bold=True, size=BODY_PT)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = border
    # Print layout (config/sheet_print.py): rows as high as their wrapped texts, pages broken
    # between dimensions or indicators, a dimension's or indicator's label repeated with 续 on
    # the page it continues on, so nothing is drawn over anything else when printed.
    pt = {col: column_points(w) for col, w in COLUMNS.items()}
    one_line = text_height("", width_pt=pt["C"], font_pt=BODY_PT)
    title_height = text_height(str(ws["A1"].value), width_pt=sum(pt.values()), font_pt=13)
    ws.row_dimensions[1].height = title_height
    ws.row_dimensions[2].height = one_line
    page = printable_height_pt(landscape=True) - one_line
    groups = rubric_groups(
        tree, a_pt=pt["A"], b_pt=pt["B"], c_pt=pt["C"], e_pt=pt["E"], font_pt=BODY_PT,
        continued=_("（续）"), row_texts=lambda el: [(items[el.pk].note or "", pt["G"])],
    )
    # No subtotal rows here: the tail rows of each group are not written.
    for group in groups:
        group.tail = []
    parts, _end = paginate(groups, first_page=page - title_height, page=page)
    row = FIRST_ROW
    for part in parts:
        dim = part.group.payload
        if part.page_break_before:
            ws.row_breaks.append(Break(id=row - 1))
        part_start = row
        suffix = _("（续）") if part.continued else ""
        for block, heights in zip(part.blocks, part.heights):
            ind = block.payload
            ind_start = row
            for element, height in zip(block.items, heights):
                item = items[element.pk]
                values = [
                    cell_text(f"{dim.code} {dim.name}{suffix}") if row == part_start else None,
                    cell_text(f"{ind.code} {ind.text}" + (_("（续）") if block.continued else ""))
                    if row == ind_start else None,
                    cell_text(f"{element.code} {element.text}"),
                    element.points,
                    cell_text(dim.methods) if row == part_start else None,
                    item.points,
                    cell_text(item.note),
                ]
                for col, value in enumerate(values, start=1):
                    cell = ws.cell(row=row, column=col, value=value)
                    cell.alignment = wrap
                    cell.border = border
                    cell.font = body
                ws.cell(row=row, column=4).number_format = "0.0#"
                ws.cell(row=row, column=6).number_format = "0.0#"
                ws.row_dimensions[row].height = height
                row += 1
            if row - 1 > ind_start:
                ws.merge_cells(start_row=ind_start, end_row=row - 1, start_column=2, end_column=2)
        if row - 1 > part_start:
            ws.merge_cells(start_row=part_start, end_row=row - 1, start_column=1, end_column=1)
            ws.merge_cells(start_row=part_start, end_row=row - 1, start_column=5, end_column=5)
    last = row - 1
    # The total row: formulas, so a filled-in offline copy adds itself up (Excel, WPS, LibreOffice).
    total_cells = {1: cell_text(_("总分")), 4: f"=SUM(D{FIRST_ROW}:D{last})", 6: f"=SUM(F{FIRST_ROW}:F{last})"}
    for col in range(1, len(header) + 1):
        cell = ws.cell(row=row, column=col, value=total_cells.get(col))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = border
    ws.cell(row=row, column=4).number_format = "0.0#"
    ws.cell(row=row, column=6).number_format = "0.0#"
    ws.merge_cells(start_row=row, end_row=row, start_column=1, end_column=3)
    validation = DataValidation(
        type="decimal", operator="between", formula1="0", formula2=f"D{FIRST_ROW}",
        showErrorMessage=True, errorTitle=_("%(score)s无效") % {"score": labels[0]},
        error=_("%(score)s应在 0 到标准分之间。") % {"score": labels[0]},
    )
    validation.add(f"F{FIRST_ROW}:F{last}")
    ws.add_data_validation(validation)
    for col, width in COLUMNS.items():
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.scale = 100
    for side, inches in MARGIN_IN.items():
        setattr(ws.page_margins, side, inches)
    ws.print_title_rows = "2:2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cell_decimal_text(value) -> str | Decimal:
    """A cell value as text for parse_points; numeric cells via their shortest repr, never a binary conversion."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        # Excel stores 1.5 as 1.5 and 2 as 2.0; strip a trailing ".0" so "2.0" parses as 2.
        return text[:-2] if text.endswith(".0") else text
    return str(value)


_HEADER_SCAN_ROWS = 10
# Rows of a score sheet that are not elements: an A's 小计 and the 总分 (label in the first column).
_SUM_LABEL_RE = re.compile(r"^\s*(?:A[0-9]+\s*)?(?:小计|总分|合计)\s*$")


def _find_header(ws, score_name: str = "得分"):
    """(row number, {name: column index}) of the first row naming 评估要素 and the score column, or None."""
    for r, values in enumerate(ws.iter_rows(min_row=1, max_row=_HEADER_SCAN_ROWS, values_only=True), start=1):
        names = {str(v).strip(): i for i, v in enumerate(values) if isinstance(v, str) and v.strip()}
        if "评估要素" in names and score_name in names:
            return r, names
    return None


def read_scorecard_rows(file, *, version_id: int, labels=SCORE_LABELS):
    """({code: (points, note, cell)}, errors) for a filled workbook; errors name the cell.

    note is None when the sheet has no note column (备注; the official score sheet): the stored
    note is then kept. `labels` names the score and note columns (SELF_LABELS for a school's
    self-assessment).
    """
    score_name, note_name = labels
    errors: list[str] = []
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        return {}, [_("文件无法读取：请上传从本系统下载的 .xlsx 文件。")]
    ws = wb.worksheets[0]
    found = _find_header(ws, score_name)
    if found is None:
        wb.close()
        return {}, [_("前 %(n)s 行中找不到表头：表头应含“评估要素”和“%(score)s”两列（如：%(header)s）")
                    % {"n": _HEADER_SCAN_ROWS, "score": score_name, "header": "、".join([*HEADER[:5], *labels])}]
    header_row, names = found
    code_i, score_i, note_i = names["评估要素"], names[score_name], names.get(note_name)
    code_col, score_col = get_column_letter(code_i + 1), get_column_letter(score_i + 1)
    note_col = get_column_letter(note_i + 1) if note_i is not None else ""
    width = max(code_i, score_i, note_i or 0) + 1
    elements = {e.code: e for e in Element.objects.filter(version_id=version_id)}
    rows: dict = {}
    first = header_row + 1
    for r, row in enumerate(ws.iter_rows(min_row=first, max_col=width, values_only=True), start=first):
        row = list(row) + [None] * (width - len(row))
        label, score = row[code_i], row[score_i]
        note = row[note_i] if note_i is not None else None
        if label in (None, "") and score in (None, "") and note in (None, ""):
            continue
        if label in (None, "") and _SUM_LABEL_RE.match(str(row[0] or "")):
            continue  # a subtotal or the total: computed, never imported
        match = _CODE_RE.match(str(label or ""))
        if not match:
            errors.append(_("%(cell)s：无法识别评估要素编号（应以 C1、C2……开头）") % {"cell": f"{code_col}{r}"})
            continue
        code = match.group(1)
        element = elements.get(code)
        if element is None:
            errors.append(_("%(cell)s：评估要素 %(code)s 不在本批次的评估细则中") % {"cell": f"{code_col}{r}", "code": code})
            continue
        if code in rows:
            errors.append(_("%(cell)s：评估要素 %(code)s 重复出现") % {"cell": f"{code_col}{r}", "code": code})
            continue
        if score in (None, "") or (isinstance(score, str) and not score.strip()):
            if note not in (None, ""):
                errors.append(_("%(cell)s：填写了%(note)s但没有%(score)s") % {
                    "cell": f"{score_col}{r}", "note": note_name, "score": score_name})
            continue
        try:
            points = parse_points(_cell_decimal_text(score), points=element.points, step=element.step)
        except PointsError as exc:
            errors.append(f"{score_col}{r}：{exc}")
            continue
        note_text = None
        if note_i is not None:
            note_text = cell_text_read(note).strip()
            if len(note_text) > 2000:
                errors.append(_("%(cell)s：%(note)s不能超过 2000 字") % {"cell": f"{note_col}{r}", "note": note_name})
                continue
        rows[code] = (points, note_text, f"{score_col}{r}")
    wb.close()
    return rows, errors


# For other apps' readers of the same layout (calibration's reference workbook).
ELEMENT_CODE_RE = _CODE_RE
find_header = _find_header
