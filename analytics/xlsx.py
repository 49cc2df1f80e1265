"""Workbooks of the analytics tables: one sheet each, text through the spreadsheet text rule."""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook

from config.spreadsheet import cell_text, table_sheet

from .selectors import RoundAnalytics


def _value(value):
    """Numbers stay numbers (Decimal); everything else is text made safe for a cell."""
    if value is None:
        return ""
    if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return value
    return cell_text(value)


def _workbook(title: str, heading: str, header: list[str], rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    table_sheet(ws, heading, header, rows, value=_value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _yes(flag: bool) -> str:
    return _("是") if flag else ""


def agreement_xlsx(a: RoundAnalytics) -> bytes:
    """Agreement per element (worst first), then per A and the total."""
    header = [_("编号"), _("内容"), _("α（区间）"), _("可比学校数"), _("完全一致比例"), _("相差一档以内比例"), _("步长")]
    rows = [[x.code, x.label, x.alpha, x.units, x.exact_share, x.within_step_share, x.step]
            for x in a.agreement_worst_first + a.agreement_by_dimension + [a.agreement_total]]
    return _workbook(_("评分一致性"), f"{a.round.name} · {_('评分一致性')}", header, rows)


def leniency_xlsx(a: RoundAnalytics) -> bytes:
    """Each inspector's mean deviation with its interval, overall and per A."""
    codes = [d.code for d in a.tree.dimensions]
    header = [_("账号"), _("姓名"), _("平均偏差"), _("95%区间下限"), _("95%区间上限"), _("n"), _("标记")]
    header += [f"{c} {_('平均偏差')}" for c in codes]
    rows = []
    for x in a.leniency:
        o = x.overall
        rows.append([x.username, x.name, o.mean_deviation, o.ci_low, o.ci_high, o.n, _yes(o.flagged)]
                    + [x.by_dimension[c].mean_deviation for c in codes])
    return _workbook(_("专家宽严度"), f"{a.round.name} · {_('专家宽严度')}", header, rows)


def cv_xlsx(a: RoundAnalytics) -> bytes:
    """差异系数 per district and stage, district and city, with each A's CV."""
    codes = [d.code for d in a.tree.dimensions]
    header = [_("区县"), _("学段"), _("学校数"), _("平均分"), _("标准差"), _("差异系数"), _("样本少")]
    header += [f"{c} {_('差异系数')}" for c in codes]
    rows = [[g.district or _("全市"), g.stage_label or _("全部学段"), g.n, g.mean, g.sd, g.cv, _yes(g.small)]
            + [g.by_dimension[c].cv for c in codes] for g in a.cv]
    return _workbook(_("差异系数"), f"{a.round.name} · {_('差异系数')}", header, rows)


def elements_xlsx(a: RoundAnalytics, rates=None) -> bytes:
    """Every element's score rate with n, weakest first (`rates`: the page's filtered rates; default all)."""
    header = [_("编号"), _("内容"), _("标准分"), _("得分率"), _("学校数")]
    rates = a.elements if rates is None else rates
    ranked = sorted((e for e in rates if e.rate is not None), key=lambda e: (e.rate, e.order))
    rows = [[e.code, e.text, e.points, e.rate, e.n] for e in ranked]
    return _workbook(_("要素得分率"), f"{a.round.name} · {_('要素得分率')}", header, rows)
