"""xlsx rendering of the audit log."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from config.spreadsheet import cell_text

from .models import AuditEvent


def audit_events_xlsx(events: Iterable[AuditEvent], *, target=None,
                      progress: Callable[[int], None] | None = None) -> bytes | None:
    """One sheet, one row per event, every text cell neutralized and stored as a string. Written
    row by row (openpyxl's write-only mode) into `target` when given, else returned as bytes;
    `progress(done)` after each row (the background job reports it)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("审计日志"))
    ws.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJ", (20, 16, 16, 22, 18, 22, 10, 30, 8, 60)):
        ws.column_dimensions[column].width = width

    def text_row(values):
        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value=cell_text(value))
            cell.data_type = "s"
            cells.append(cell)
        return cells

    ws.append(text_row([_("时间"), _("用户名"), _("IP 地址"), _("事件"), _("事件说明"), _("对象类型"), _("对象编号"),
                        _("对象"), _("结果"), _("详情")]))
    outcome_labels = dict(AuditEvent.Outcome.choices)
    for done, ev in enumerate(events, start=1):
        ws.append(text_row([
            timezone.localtime(ev.at).strftime("%Y-%m-%d %H:%M:%S"),
            ev.username, ev.ip or "", ev.event, ev.event_label, ev.object_type, ev.object_id, ev.object_repr,
            str(outcome_labels.get(ev.outcome, ev.outcome)),
            ev.detail_text,
        ]))
        if progress is not None:
            progress(done)
    out = target if target is not None else io.BytesIO()
    wb.save(out)
    return None if target is not None else out.getvalue()
