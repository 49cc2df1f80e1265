"""xlsx renderers of 满意度问卷: aggregates per school, group and item; the anonymous raw answers.

Every text cell goes through config.spreadsheet.cell_text: an open answer that looks like a formula stays text.
"""

from __future__ import annotations

import io
from itertools import groupby

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from config.spreadsheet import cell_text

from .models import SCALE_LABELS, Answer, CampaignGroup, Item, Response


def _num(value):
    return None if value is None else float(value)


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def results_xlsx(results, *, title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("汇总")
    ws.append([cell_text(title)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([_("学校代码"), _("学校名称"), _("调查对象"), _("发放答题码"), _("答卷数"), _("回收率"), _("满意率"),
               _("95%区间下限"), _("95%区间上限")])
    for cr in results:
        for gr in cr.groups:
            ws.append([cell_text(cr.campaign.school.code), cell_text(cr.campaign.school.name), gr.label, gr.issued,
                       gr.responses, _num(gr.response_rate), _num(gr.rate), _num(gr.low), _num(gr.high)])
    items = wb.create_sheet(_("各题"))
    items.append([_("学校代码"), _("学校名称"), _("调查对象"), _("题号"), _("题目"), _("关联评估要素"), _("作答人数"),
                  _("选项分布"), _("满意率"), _("95%区间下限"), _("95%区间上限")])
    for cr in results:
        for gr in cr.groups:
            for ir in gr.items:
                if not ir.item.is_rated:
                    continue
                dist = "；".join(f"{label}{n}" for _v, label, n in ir.counts)
                items.append([cell_text(cr.campaign.school.code), cell_text(cr.campaign.school.name), gr.label,
                              ir.item.order, cell_text(ir.item.text), ir.item.elements_label, ir.answered, dist,
                              _num(ir.rate), _num(ir.low), _num(ir.high)])
    for sheet in (ws, items):
        sheet.column_dimensions["B"].width = 30
    return _save(wb)


def answers_xlsx(campaign, *, target=None, progress=None) -> bytes | None:
    """One sheet per group: one row per anonymous response (the hour it arrived), one column per item.
    Written row by row (openpyxl's write-only mode; answers read in chunks) into `target` when given,
    else returned as bytes; `progress(done)` after each response (the background job reports it)."""
    wb = Workbook(write_only=True)
    done = 0
    for group in CampaignGroup.objects.filter(campaign=campaign).select_related("questionnaire"):
        ws = wb.create_sheet(str(group.get_group_display()))
        items = list(Item.objects.filter(questionnaire=group.questionnaire).order_by("order"))
        ws.append([_("答卷"), _("提交时间（到小时）"), *[cell_text(f"{i.order}. {i.text}") for i in items]])
        labels = {i.pk: dict(SCALE_LABELS.get(i.kind, ())) for i in items}
        # Answers and responses both in response order: each response takes its run of answers.
        runs = groupby(Answer.objects.filter(response__group=group).order_by("response_id", "id")
                       .iterator(chunk_size=2000), key=lambda a: a.response_id)
        run = next(runs, None)
        responses = Response.objects.filter(group=group).order_by("id").values_list("pk", "submitted_hour")
        for n, (response_id, hour) in enumerate(responses, start=1):
            while run is not None and run[0] < response_id:
                run = next(runs, None)
            got = {}
            if run is not None and run[0] == response_id:
                got = {a.item_id: a for a in run[1]}
                run = next(runs, None)
            row = [n, hour.strftime("%Y-%m-%d %H:00")]
            for i in items:
                a = got.get(i.pk)
                if a is None:
                    row.append("")
                elif i.kind == Item.Kind.OPEN:
                    row.append(cell_text(a.text))
                else:
                    row.append(str(labels[i.pk].get(a.value, a.value)))
            ws.append(row)
            done += 1
            if progress is not None:
                progress(done)
    if not wb.sheetnames:
        wb.create_sheet(_("答卷"))
    if target is not None:
        wb.save(target)
        return None
    return _save(wb)
