"""Workbooks of the recognition process; every text cell through config.spreadsheet.cell_text."""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from config.spreadsheet import cell_text

HEADER = tuple(gettext_lazy(h) for h in ("序号", "区县", "学校代码", "学校名称", "学段", "总分", "认定文号", "认定日期",
                                        "有效期至"))


def _value(value):
    if value is None:
        return ""
    if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return value
    return cell_text(value)


def recognized_list_xlsx(recognitions, *, title: str) -> bytes:
    """已认定学校名单: one row per recognized school (total as a number, dates as text YYYY-MM-DD)."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("已认定学校")
    ws.append([cell_text(title)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([str(h) for h in HEADER])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for number, r in enumerate(recognitions, start=1):
        ws.append([_value(v) for v in (
            number, r.school.district.name, r.school.code, r.school.name, r.school.get_stage_display(), r.entry.total,
            r.document_no, r.recognized_on.isoformat(), r.valid_until.isoformat())])
        ws.cell(row=ws.max_row, column=6).number_format = "0.00"
    for letter, width in zip("ABCDEFGHI", (6, 12, 12, 36, 10, 8, 24, 12, 12)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


RENEWAL_HEADER = tuple(gettext_lazy(h) for h in ("序号", "区县", "学校代码", "学校名称", "认定文号", "认定日期", "有效期至",
                                                "剩余天数", "状态"))


def renewal_xlsx(standings, *, title: str) -> bytes:
    """复评名单: one row per school whose recognition ends within the window (days left as a number)."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("复评名单")
    ws.append([cell_text(title)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([str(h) for h in RENEWAL_HEADER])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for number, s in enumerate(standings, start=1):
        r = s.recognition
        ws.append([_value(v) for v in (
            number, r.school.district.name, r.school.code, r.school.name, r.document_no, r.recognized_on.isoformat(),
            r.valid_until.isoformat(), s.days_left, s.label)])
    for letter, width in zip("ABCDEFGHI", (6, 12, 12, 36, 24, 12, 12, 10, 10)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
