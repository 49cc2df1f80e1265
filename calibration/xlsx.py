"""The calibration report workbook: a summary sheet and a sheet of deviations per element.

Text through the spreadsheet rule (config.spreadsheet.cell_text); numbers stay Decimal.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook

from config.spreadsheet import cell_text, table_sheet

from .selectors import CaseReport, q2


def _value(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return q2(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return cell_text(value)


def _sheet(ws, heading: str, header: list, rows: list) -> None:
    table_sheet(ws, heading, header, rows, value=_value)


def report_xlsx(report: CaseReport) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("汇总")
    status = {True: _("已提交"), False: _("未提交")}
    _sheet(ws, _("校准评估：%(title)s") % {"title": report.case.title},
           [_("督导专家"), _("用户名"), _("状态"), _("计入要素数"), _("平均绝对偏差"), _("宽严度（与参考分）"),
            _("与同行平均偏差")],
           [[r.card.inspector.display_name, r.card.inspector.username, status[r.submitted], r.summary.n,
             r.summary.mad, r.summary.leniency, r.peer_mean] for r in report.rows])
    detail = wb.create_sheet(_("要素偏差"))
    rows = []
    for e in report.elements:
        for r in report.rows:
            cell = r.cells[e.pk]
            rows.append([e.code, e.text, report.reference.get(e.pk), r.card.inspector.username,
                         cell.points, cell.dev_ref, cell.dev_peer])
    _sheet(detail, _("各要素：得分与参考分、同行的偏差"),
           [_("要素"), _("内容"), _("参考分"), _("督导专家"), _("得分"), _("与参考分偏差"), _("与同行偏差")], rows)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
