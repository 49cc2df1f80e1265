"""Renderers of the 整改台账: xlsx (pages), JSON and CSV (the rectification_status command).

Every text cell goes through config.spreadsheet (cell_text / csv_writer): user text that looks like
a formula stays text.
"""

from __future__ import annotations

import io
import json

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from config.spreadsheet import cell_text, csv_writer

from .models import RectificationItem

COLUMNS = ("round", "district", "school_code", "school", "elements", "problem", "deadline", "status", "overdue",
           "last_review")


def _headers():
    return [_("评估批次"), _("区县"), _("学校代码"), _("学校名称"), _("评估要素"), _("存在问题"), _("整改期限"), _("状态"),
            _("逾期"), _("最近复核结果")]


def _flat(row: dict) -> list:
    return [row["round"], row["district"], row["school_code"], row["school"], "、".join(row["elements"]),
            row["problem"], row["deadline"], row["status"], _("是") if row["overdue"] else _("否"), row["last_review"]]


def ledger_xlsx(rows: list[dict], counts: dict, *, title: str, target=None) -> bytes | None:
    """整改台账 workbook: one row per item, then a sheet of counts by status per school, district and round
    (saved into the binary file `target` when given, else returned as bytes)."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("整改台账")
    ws.append([cell_text(title)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(_headers())
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([cell_text(v) for v in _flat(row)])
    for letter, width in zip("ABCDEFGHIJ", (20, 10, 12, 30, 14, 50, 12, 16, 6, 12)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"
    statuses = RectificationItem.Status
    sheet = wb.create_sheet(_("统计"))
    for name, label in (("round", _("按评估批次")), ("district", _("按区县")), ("school", _("按学校"))):
        sheet.append([label])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.append(["", *[str(s.label) for s in statuses], _("合计"), _("逾期")])
        for c in counts[name]:
            sheet.append([cell_text(c.label), *[c.counts[s.value] for s in statuses], c.total, c.overdue])
        sheet.append([])
    sheet.column_dimensions["A"].width = 36
    if target is not None:
        wb.save(target)
        return None
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def status_json(rows: list[dict]) -> str:
    """The command's JSON: a list of items (overdue as a boolean, elements as a list)."""
    return json.dumps([{k: row[k] for k in COLUMNS} for row in rows], ensure_ascii=False, indent=2)


def status_csv(rows: list[dict]) -> str:
    """The command's CSV through the safe writer (hostile text stays text)."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(_headers())
    writer.writerows(_flat(row) for row in rows)
    return out.getvalue()
