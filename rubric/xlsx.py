"""A rubric version as an xlsx workbook, and back.

Layout of the sheet “评估细则” (documented here because people edit it by hand):

    row 1  版本代码 | <code>
    row 2  名称     | <name>
    row 3  总分     | <total>
    row 5  header: 一级指标 | 一级指标名称 | 一级指标分值 | 二级指标 | 二级指标内容 | 二级指标分值 |
                   评估要素 | 评估要素内容 | 标准分 | 评分步长 | 评估方法
    row 6… one row per element (C). The A columns (A–C and 评估方法) are merged over the
           rows of their elements, the B columns (D–F) over theirs; when importing, an
           empty A/B code cell continues the item above, so merged or unmerged both work.

A second sheet “佐证要求” (schema 2) lists the evidence requirements, one row each:

    row 1  header: 要素编号 | 名称 | 必需 | 类型 | 说明
    row 2… 要素编号 C1…; 名称 the material; 必需 是/否 (empty: 是); 类型 one or more of
           文档、图片、表格 separated by 、 (empty: 文档、图片); 说明 optional.

A workbook without that sheet is schema 1 and imports with no requirements.

Points may be numbers or text cells. Import builds the JSON schema's dict and hands it
to rubric.schema.parse_rubric, so a workbook is judged exactly like a JSON file; errors
found in cells name the cell (e.g. “单元格 I7”, “工作表“佐证要求”单元格 D3”).
"""

from __future__ import annotations

import io
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from config.spreadsheet import cell_text, cell_text_read

from .schema import EVIDENCE_KINDS, RubricFormatError, kind_labels, kinds_from_text, parse_rubric

# The sheet name and headers are part of the file format (import matches them exactly), so
# they are deliberately not translated.
SHEET = "评估细则"
HEADER_ROW = 5
FIRST_ROW = HEADER_ROW + 1
HEADERS = (
    "一级指标", "一级指标名称", "一级指标分值", "二级指标", "二级指标内容", "二级指标分值",
    "评估要素", "评估要素内容", "标准分", "评分步长", "评估方法",
)
WIDTHS = (9, 22, 9, 9, 40, 9, 9, 60, 8, 9, 40)
REQUIREMENTS_SHEET = "佐证要求"
REQUIREMENT_HEADERS = ("要素编号", "名称", "必需", "类型", "说明")
REQUIREMENT_WIDTHS = (10, 40, 8, 16, 50)
_YES, _NO = {"", "是", "必需", "y", "yes", "true", "1"}, {"否", "可选", "n", "no", "false", "0"}
# Column letters by role, so code and messages read the same.
A_CODE, A_NAME, A_POINTS, B_CODE, B_TEXT, B_POINTS, C_CODE, C_TEXT, C_POINTS, C_STEP, A_METHODS = "ABCDEFGHIJK"


def _number(text: str):
    """Points as a number cell when whole or with two decimals, so Excel can sum them."""
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else value


def rubric_xlsx(data: dict) -> bytes:
    """Render a rubric dict (the JSON schema) as a readable, re-importable workbook."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for row, (label, value) in enumerate(
        (("版本代码", data["code"]), ("名称", data["name"]), ("总分", _number(data["total"]))), start=1
    ):
        ws.cell(row=row, column=1, value=label).font = bold
        ws.cell(row=row, column=2, value=cell_text(value) if isinstance(value, str) else value)
    for col, (title, width) in enumerate(zip(HEADERS, WIDTHS), start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=title)
        cell.font = bold
        cell.alignment = center
        cell.border = border
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = f"A{FIRST_ROW}"

    row = FIRST_ROW
    for d in data["dimensions"]:
        a_start = row
        for i in d["indicators"]:
            b_start = row
            for e in i["elements"]:
                for letter, value in (
                    (C_CODE, e["code"]), (C_TEXT, cell_text(e["text"])),
                    (C_POINTS, _number(e["points"])), (C_STEP, _number(e.get("step", "0.5"))),
                ):
                    ws[f"{letter}{row}"] = value
                row += 1
            ws[f"{B_CODE}{b_start}"], ws[f"{B_TEXT}{b_start}"] = i["code"], cell_text(i["text"])
            ws[f"{B_POINTS}{b_start}"] = _number(i["points"])
            for letter in (B_CODE, B_TEXT, B_POINTS):
                if row - 1 > b_start:
                    ws.merge_cells(f"{letter}{b_start}:{letter}{row - 1}")
        ws[f"{A_CODE}{a_start}"], ws[f"{A_NAME}{a_start}"] = d["code"], cell_text(d["name"])
        ws[f"{A_POINTS}{a_start}"] = _number(d["points"])
        ws[f"{A_METHODS}{a_start}"] = cell_text(d.get("methods", ""))
        for letter in (A_CODE, A_NAME, A_POINTS, A_METHODS):
            if row - 1 > a_start:
                ws.merge_cells(f"{letter}{a_start}:{letter}{row - 1}")
    for r in ws.iter_rows(min_row=FIRST_ROW, max_row=row - 1, max_col=len(HEADERS)):
        for cell in r:
            cell.border = border
            cell.alignment = center if get_column_letter(cell.column) in (A_CODE, A_POINTS, B_CODE, B_POINTS, C_CODE, C_POINTS, C_STEP) else wrap
    if data.get("schema", 1) >= 2:  # a schema 1 dict stays schema 1 through a workbook
        _requirements_sheet(wb, data, bold=bold, border=border, wrap=wrap)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _requirements_sheet(wb, data: dict, *, bold, border, wrap) -> None:
    ws = wb.create_sheet(REQUIREMENTS_SHEET)
    for col, (title, width) in enumerate(zip(REQUIREMENT_HEADERS, REQUIREMENT_WIDTHS), start=1):
        cell = ws.cell(row=1, column=col, value=title)
        cell.font, cell.border = bold, border
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    row = 2
    for d in data["dimensions"]:
        for i in d["indicators"]:
            for e in i["elements"]:
                for r in e.get("evidence", []):
                    values = (e["code"], cell_text(r["name"]), "是" if r["required"] else "否",
                              kind_labels(r["kinds"]), cell_text(r.get("note", "")))
                    for col, value in enumerate(values, start=1):
                        cell = ws.cell(row=row, column=col, value=value)
                        cell.border, cell.alignment = border, wrap
                    row += 1


def _read_requirements(wb, elements: dict[str, dict]) -> list[str]:
    """Put the sheet's rows into the elements' "evidence" lists; errors name the sheet and cell."""
    ws = wb[REQUIREMENTS_SHEET]
    errors: list[str] = []

    def at(ref: str, message: str) -> str:
        return _("工作表“%(sheet)s”单元格 %(ref)s：%(msg)s") % {"sheet": REQUIREMENTS_SHEET, "ref": ref, "msg": message}

    header = tuple(_cell_text(ws.cell(row=1, column=c).value) for c in range(1, len(REQUIREMENT_HEADERS) + 1))
    if header != REQUIREMENT_HEADERS:
        return [_("工作表“%(sheet)s”第 1 行表头应为：%(cols)s。") % {
            "sheet": REQUIREMENTS_SHEET, "cols": "、".join(REQUIREMENT_HEADERS)}]
    for element in elements.values():
        element["evidence"] = []
    for row in range(2, ws.max_row + 1):
        code, name, required, kinds, note = (ws.cell(row=row, column=c).value for c in range(1, 6))
        code, name, required, kinds, note = (_cell_text(v) for v in (code, name, required, kinds, note))
        if not any((code, name, required, kinds, note)):
            continue
        element = elements.get(code)
        if element is None:
            errors.append(at(f"A{row}", _("评估要素“%(code)s”不在“评估细则”工作表中。") % {"code": code[:20]}))
            continue
        if required.lower() not in _YES | _NO:
            errors.append(at(f"C{row}", _("请填“是”或“否”。")))
            continue
        kind_list = kinds_from_text(kinds) if kinds else ["document", "image"]
        if kind_list is None:
            errors.append(at(f"D{row}", _("类型只能是%(kinds)s（可填多个，用顿号分隔）。") % {
                "kinds": "、".join(EVIDENCE_KINDS.values())}))
            continue
        if not name:
            errors.append(at(f"B{row}", _("材料名称不能为空。")))
            continue
        element["evidence"].append({"name": name, "required": required.lower() not in _NO, "kinds": kind_list,
                                    "note": note, "_row": row})
    return errors


def _cell_text(value) -> str:
    return cell_text_read(value).strip()


def _cell_points(value, ref: str, errors: list[str]) -> str | None:
    """A points cell as a decimal string; numbers are read through their shortest repr."""
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.append(_("单元格 %(ref)s：分值不能为空。") % {"ref": ref})
        return None
    if isinstance(value, bool):
        errors.append(_("单元格 %(ref)s：分值“%(v)s”不是有效数字。") % {"ref": ref, "v": value})
        return None
    try:
        # repr() of a spreadsheet number is its shortest decimal spelling (0.5 → "0.5"), so no
        # binary-fraction noise reaches the Decimal.
        number = Decimal(repr(value) if not isinstance(value, str) else value.strip())
    except InvalidOperation:
        errors.append(_("单元格 %(ref)s：分值“%(v)s”不是有效数字。") % {"ref": ref, "v": value})
        return None
    if not number.is_finite() or number != number.quantize(Decimal("0.01")):
        errors.append(_("单元格 %(ref)s：分值“%(v)s”最多保留两位小数。") % {"ref": ref, "v": value})
        return None
    return format(number.normalize(), "f")


def rubric_dict_from_xlsx(content: bytes) -> dict:
    """Read a workbook in the layout above into the JSON schema's dict; errors name cells."""
    try:
        wb = load_workbook(io.BytesIO(content), read_only=False, data_only=True)
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        raise RubricFormatError([_("文件不是有效的 xlsx 工作簿。")])
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    errors: list[str] = []
    header = tuple(_cell_text(ws.cell(row=HEADER_ROW, column=c).value) for c in range(1, len(HEADERS) + 1))
    if header != HEADERS:
        raise RubricFormatError(
            [_("第 %(row)s 行表头应为：%(cols)s。") % {"row": HEADER_ROW, "cols": "、".join(HEADERS)}]
        )
    total = _cell_points(ws["B3"].value, "B3", errors)
    data = {"code": _cell_text(ws["B1"].value), "name": _cell_text(ws["B2"].value), "total": total, "dimensions": []}
    where: dict[str, str] = {}  # item code → the cell of its points, to locate schema errors
    dim = ind = None
    for row in range(FIRST_ROW, ws.max_row + 1):
        v = {letter: ws[f"{letter}{row}"].value for letter in "ABCDEFGHIJK"}
        if all(_cell_text(x) == "" for x in v.values()):
            continue
        if _cell_text(v[A_CODE]):
            dim = {
                "code": _cell_text(v[A_CODE]), "name": _cell_text(v[A_NAME]),
                "points": _cell_points(v[A_POINTS], f"{A_POINTS}{row}", errors),
                "methods": _cell_text(v[A_METHODS]), "indicators": [],
            }
            where[dim["code"]] = f"{A_POINTS}{row}"
            data["dimensions"].append(dim)
            ind = None
        elif dim is None:
            errors.append(_("单元格 %(ref)s：第一行数据必须填写一级指标编号。") % {"ref": f"{A_CODE}{row}"})
            continue
        if _cell_text(v[B_CODE]):
            ind = {
                "code": _cell_text(v[B_CODE]), "text": _cell_text(v[B_TEXT]),
                "points": _cell_points(v[B_POINTS], f"{B_POINTS}{row}", errors), "elements": [],
            }
            where[ind["code"]] = f"{B_POINTS}{row}"
            dim["indicators"].append(ind)
        elif ind is None:
            errors.append(_("单元格 %(ref)s：一级指标下的第一行必须填写二级指标编号。") % {"ref": f"{B_CODE}{row}"})
            continue
        c_code = _cell_text(v[C_CODE])
        if not c_code:
            errors.append(_("单元格 %(ref)s：评估要素编号不能为空。") % {"ref": f"{C_CODE}{row}"})
            continue
        step = v[C_STEP]
        element = {
            "code": c_code, "text": _cell_text(v[C_TEXT]),
            "points": _cell_points(v[C_POINTS], f"{C_POINTS}{row}", errors),
            "step": "0.5" if _cell_text(step) == "" else _cell_points(step, f"{C_STEP}{row}", errors),
        }
        where[c_code] = f"{C_POINTS}{row}"
        ind["elements"].append(element)
    located_rows: dict[tuple[str, int], int] = {}  # (element, nth requirement) → its row on the sheet
    if REQUIREMENTS_SHEET in wb.sheetnames:
        data["schema"] = 2
        by_code = {e["code"]: e for d in data["dimensions"] for i in d["indicators"] for e in i["elements"]}
        errors += _read_requirements(wb, by_code)
        for e in by_code.values():
            for n, r in enumerate(e["evidence"], start=1):
                located_rows[(e["code"], n)] = r.pop("_row")
    if errors:
        raise RubricFormatError(errors)
    try:
        parse_rubric(data)
    except RubricFormatError as exc:
        located = []
        for message in exc.errors:
            item = re.search(r"评估要素 (C[0-9]+) 第 ([0-9]+) 项佐证要求", message)
            if item and (item.group(1), int(item.group(2))) in located_rows:
                row = located_rows[(item.group(1), int(item.group(2)))]
                located.append(_("工作表“%(sheet)s”第 %(row)s 行：%(msg)s") % {
                    "sheet": REQUIREMENTS_SHEET, "row": row, "msg": message})
                continue
            found = re.search(r"\b([ABC][0-9]+)\b", message)
            ref = where.get(found.group(1)) if found else None
            located.append(_("单元格 %(ref)s：%(msg)s") % {"ref": ref, "msg": message} if ref else message)
        raise RubricFormatError(located) from None
    return data
