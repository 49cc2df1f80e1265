"""xlsx rendering of the audit log."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from config.spreadsheet import cell_text

from .models import AuditEvent


def audit_events_xlsx(events: Iterable[AuditEvent]) -> bytes:
    """One sheet, one row per event, every text cell neutralized and stored as a string."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("审计日志")
    ws.append([_("时间"), _("用户名"), _("IP 地址"), _("事件"), _("事件说明"), _("对象类型"), _("对象编号"), _("对象"), _("结果"), _("详情")])
    outcome_labels = dict(AuditEvent.Outcome.choices)
    for ev in events:
        row = [
            timezone.localtime(ev.at).strftime("%Y-%m-%d %H:%M:%S"),
            ev.username, ev.ip or "", ev.event, ev.event_label, ev.object_type, ev.object_id, ev.object_repr,
            str(outcome_labels.get(ev.outcome, ev.outcome)),
            ev.detail_text,
        ]
        ws.append([cell_text(v) for v in row])
        for cell in ws[ws.max_row]:
            cell.data_type = "s"
    ws.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJ", (20, 16, 16, 22, 18, 22, 10, 30, 8, 60)):
        ws.column_dimensions[column].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
