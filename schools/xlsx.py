"""The downloadable import template (学校导入模板.xlsx)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .importing import COLUMNS, REQUIRED_COLUMNS
from .models import District, School

WIDTHS = {"学校代码": 14, "学校名称": 30, "所属区县": 12, "学段": 12, "城乡类别": 10, "地址": 40, "校长": 10}


def school_template_xlsx(*, districts: list[District]) -> bytes:
    """An empty school list with the expected headers, drop-down lists and a notes sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("学校名单")
    headers = list(COLUMNS)
    ws.append(headers)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[cell.column_letter].width = WIDTHS.get(header, 12)
    ws.freeze_panes = "A2"
    # School codes are text: stop Excel from turning 0610… into a number.
    for row in range(2, 1002):
        ws.cell(row=row, column=1).number_format = "@"

    lists = wb.create_sheet(_("区县代码"))
    lists.append([_("区县名称"), _("区县代码")])
    for d in districts:
        lists.append([d.name, d.code])
    lists.column_dimensions["A"].width = 14
    lists.column_dimensions["B"].width = 12

    def dropdown(formula: str, column: str):
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)
        dv.error = _("请从下拉列表中选择。")
        ws.add_data_validation(dv)
        dv.add(f"{column}2:{column}1001")

    letter = {h: ws.cell(row=1, column=i).column_letter for i, h in enumerate(headers, start=1)}
    dropdown(f"'{lists.title}'!$A$2:$A${len(districts) + 1}", letter["所属区县"])
    dropdown('"' + ",".join(str(label) for _v, label in School.Stage.choices) + '"', letter["学段"])
    dropdown('"' + ",".join(str(label) for _v, label in School.Location.choices) + '"', letter["城乡类别"])

    notes = wb.create_sheet(_("填写说明"))
    notes.column_dimensions["A"].width = 100
    for line in (
        _("1. 第一行为表头，请勿修改列名；必填列：%(cols)s。") % {"cols": "、".join(REQUIRED_COLUMNS)},
        _("2. 学校代码唯一；再次导入同一学校代码时更新该校信息，不会重复新增。"),
        _("3. 所属区县填写区县名称或代码（见“区县代码”工作表）。"),
        _("4. 学段：小学、初中、九年一贯制；城乡类别：城区、镇区、乡村。"),
        _("5. 任何一行有错误时整个文件都不会导入，请按提示的行号和列名修改后重新上传。"),
        _("6. 也可另存为 CSV（UTF-8 或 GB18030 编码）后上传。"),
    ):
        notes.append([line])

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
