"""Excel renderers (openpyxl, write-only mode so that large workbooks stay fast).

openpyxl writes formulas without cached results; spreadsheet viewers that do not
recalculate (and our own read-back) would then show empty totals. So every formula we
write is registered with the value we computed via the totals selector, and the saved
package is patched to carry that cached value: the formula and the number always agree.
"""

from __future__ import annotations

import io
import re
import zipfile
from copy import copy
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .layout import sheet_rows
from .selectors import EvaluationTotals, RoundRow, q2

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CJK_FONT = Font(name="WenQuanYi Micro Hei", size=10)
TITLE_FONT = Font(name="WenQuanYi Micro Hei", size=14)
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center")
HEADER_FILL = PatternFill("solid", fgColor="E9ECEF")
SUBTOTAL_FILL = PatternFill("solid", fgColor="F3F3F3")
NUMBER_FORMAT = "0.00"


def safe_text(value) -> str:
    """Neutralize text a spreadsheet would run as a formula: prefix it with an apostrophe.

    Applies to every piece of user-entered text (school, district, people, notes, rubric
    texts) written to xlsx or csv.
    """
    text = "" if value is None else str(value)
    if text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text


class _Book:
    """A write-only workbook that remembers the cached value of each formula it holds."""

    def __init__(self):
        _STYLE_CACHE.clear()  # style ids belong to one workbook
        self.wb = Workbook(write_only=True)
        self.cached: dict[int, dict[str, Decimal]] = {}

    def sheet(self, title: str):
        ws = self.wb.create_sheet(title=title)
        self.cached[len(self.wb.worksheets)] = {}
        return ws

    def formula(self, ws, ref: str, formula: str, value: Decimal, **style) -> WriteOnlyCell:
        self.cached[self.wb.worksheets.index(ws) + 1][ref] = value
        return _cell(ws, formula, number=True, **style)

    def save(self) -> bytes:
        raw = io.BytesIO()
        self.wb.save(raw)
        return _patch_cached_values(raw.getvalue(), self.cached)


_CELL_RE = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*)><f>([^<]*)</f>(?:<v\s*/>|<v></v>)')


def _patch_cached_values(data: bytes, cached: dict[int, dict[str, Decimal]]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            match = re.fullmatch(r"xl/worksheets/sheet([0-9]+)\.xml", item.filename)
            if match and cached.get(int(match.group(1))):
                values = cached[int(match.group(1))]

                def repl(m, values=values):
                    value = values.get(m.group(1).decode())
                    if value is None:
                        return m.group(0)
                    return b'<c r="%s"%s><f>%s</f><v>%s</v>' % (
                        m.group(1), m.group(2), m.group(3), format(value, "f").encode())

                body = _CELL_RE.sub(repl, body)
            dst.writestr(item, body)
    return out.getvalue()


_STYLE_CACHE: dict[tuple, object] = {}


def _cell(ws, value, *, number=False, font=CJK_FONT, fill=None, align=None, border=True):
    if isinstance(value, str) and not (number and value.startswith("=")):
        value = safe_text(value)
    cell = WriteOnlyCell(ws, value=value)
    # Setting font/border/… hashes the style objects on every cell, which dominated the
    # time of large workbooks; the resulting style ids are computed once per workbook and
    # per combination, then copied.
    key = (id(ws.parent), number, id(font), id(fill), id(align), border)
    cached = _STYLE_CACHE.get(key)
    if cached is not None:
        cell._style = copy(cached)
        return cell
    cell.font = font
    if border:
        cell.border = BORDER
    if number:
        cell.number_format = NUMBER_FORMAT
        cell.alignment = CENTER
    elif align is not None:
        cell.alignment = align
    else:
        cell.alignment = WRAP
    if fill is not None:
        cell.fill = fill
    _STYLE_CACHE[key] = copy(cell._style)
    return cell


def _print_setup(ws, title_rows: str):
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows


def _sheet_title(text: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "_", text)[:28] or "sheet"
    title, n = base, 1
    while title in used:
        n += 1
        title = f"{base[:25]}~{n}"
    used.add(title)
    return title


def _write_scoresheet(book: _Book, ws, *, tree, points: dict[int, Decimal | None], school, round_obj,
                      inspectors: list[str], provisional: bool, blank: bool = False):
    """The official table: title, school line, header, element rows with merged A/B/methods
    cells, A subtotals and the total (formulas with cached values)."""
    widths = [16, 24, 48, 8, 30, 9]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    _print_setup(ws, "3:3")
    ws.freeze_panes = "A4"
    title = f"{round_obj.rubric_version.name} {_('评分表')}"
    ws.append([_cell(ws, title, font=TITLE_FONT, border=False, align=CENTER)])
    ws.merged_cells.add("A1:F1")
    info = f"{_('学校')}：{school.name}（{school.code}）  {_('区县')}：{school.district.name}  {_('评估批次')}：{round_obj.name}"
    if provisional:
        info += "  " + _("暂定（评估尚未定稿）")
    ws.append([_cell(ws, info, border=False)])
    ws.merged_cells.add("A2:F2")
    headers = [_("一级指标"), _("二级指标"), _("评估要素"), _("标准分"), _("评估方法"), _("得分")]
    ws.append([_cell(ws, h, fill=HEADER_FILL, align=CENTER) for h in headers])
    row = 4
    subtotal_rows = []
    for dim in tree.dimensions:
        start = row
        dim_points = Decimal("0")
        dim_score = Decimal("0")
        for ind in dim.indicators:
            ind_start = row
            for el in ind.elements:
                value = None if blank else points.get(el.id)
                dim_points += el.points
                dim_score += value or 0
                ws.append([
                    _cell(ws, f"{dim.code} {dim.name}" if row == start else None),
                    _cell(ws, f"{ind.code} {ind.text}" if row == ind_start else None),
                    _cell(ws, f"{el.code} {el.text}"),
                    _cell(ws, el.points, number=True),
                    _cell(ws, dim.methods if row == start else None),
                    _cell(ws, q2(value) if value is not None else None, number=True),
                ])
                row += 1
            if row - 1 > ind_start:
                ws.merged_cells.add(f"B{ind_start}:B{row - 1}")
        end = row - 1
        if end > start:
            ws.merged_cells.add(f"A{start}:A{end}")
            ws.merged_cells.add(f"E{start}:E{end}")
        ws.append([
            _cell(ws, f"{dim.code} {_('小计')}", fill=SUBTOTAL_FILL), _cell(ws, None, fill=SUBTOTAL_FILL),
            _cell(ws, None, fill=SUBTOTAL_FILL),
            book.formula(ws, f"D{row}", f"=SUM(D{start}:D{end})", q2(dim_points), fill=SUBTOTAL_FILL),
            _cell(ws, None, fill=SUBTOTAL_FILL),
            (_cell(ws, None, fill=SUBTOTAL_FILL) if blank else
             book.formula(ws, f"F{row}", f"=SUM(F{start}:F{end})", q2(dim_score), fill=SUBTOTAL_FILL)),
        ])
        ws.merged_cells.add(f"A{row}:C{row}")
        subtotal_rows.append((row, dim_points, dim_score))
        row += 1
    refs_d = ",".join(f"D{r}" for r, _p, _s in subtotal_rows)
    refs_f = ",".join(f"F{r}" for r, _p, _s in subtotal_rows)
    total_points = q2(sum((p for _r, p, _s in subtotal_rows), Decimal("0")))
    total_score = q2(sum((s for _r, _p, s in subtotal_rows), Decimal("0")))
    ws.append([
        _cell(ws, _("总分"), fill=HEADER_FILL), _cell(ws, None, fill=HEADER_FILL), _cell(ws, None, fill=HEADER_FILL),
        book.formula(ws, f"D{row}", f"=SUM({refs_d})", total_points, fill=HEADER_FILL),
        _cell(ws, None, fill=HEADER_FILL),
        (_cell(ws, None, fill=HEADER_FILL) if blank else
         book.formula(ws, f"F{row}", f"=SUM({refs_f})", total_score, fill=HEADER_FILL)),
    ])
    ws.merged_cells.add(f"A{row}:C{row}")
    row += 1
    ws.append([])
    ws.append([_cell(ws, f"{_('督导专家')}：" + "、".join(inspectors), border=False)])
    ws.merged_cells.add(f"A{row + 1}:F{row + 1}")
    ws.append([_cell(ws, f"{_('组长签字')}：________________    {_('专家签字')}：________________", border=False)])
    ws.merged_cells.add(f"A{row + 2}:F{row + 2}")
    ws.append([_cell(ws, f"{_('日期')}：________________", border=False)])
    ws.merged_cells.add(f"A{row + 3}:F{row + 3}")
    return total_score


def scoresheet_xlsx(totals: EvaluationTotals, *, blank: bool = False) -> bytes:
    """One school's score sheet as a workbook with a single sheet."""
    book = _Book()
    ws = book.sheet(_sheet_title(totals.school.code, set()))
    points = {line.element.id: line.points for line in totals.lines}
    _write_scoresheet(
        book, ws, tree=totals.tree, points=points, school=totals.school, round_obj=totals.round,
        inspectors=[i.name for i in totals.inspectors], provisional=totals.provisional, blank=blank,
    )
    return book.save()


def _summary_sheet(book: _Book, ws, *, rows: list[RoundRow], tree, round_obj, title: str):
    codes = [d.code for d in tree.dimensions]
    headers = [_("排名"), _("学校代码"), _("学校名称"), _("区县"), _("学段"), _("城乡类别"), _("状态"),
               *codes, _("总分"), _("达到认定分数线")]
    n = len(headers)
    last_col = get_column_letter(n)
    for i, width in enumerate([6, 12, 28, 10, 10, 8, 8] + [8] * len(codes) + [9, 10], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    _print_setup(ws, "2:2")
    ws.page_setup.orientation = "landscape"
    ws.freeze_panes = "D3"
    ws.append([_cell(ws, title, font=TITLE_FONT, border=False, align=CENTER)])
    ws.merged_cells.add(f"A1:{last_col}1")
    ws.append([_cell(ws, h, fill=HEADER_FILL, align=CENTER) for h in headers])
    first_dim = get_column_letter(8)
    last_dim = get_column_letter(7 + len(codes))
    total_col = get_column_letter(8 + len(codes))
    for r, row in enumerate(rows, start=3):
        passed = "" if row.passed is None else (_("是") if row.passed else _("否"))
        status = _("暂定") if row.provisional else _("已定稿")
        ws.append([
            _cell(ws, row.rank, number=True),
            _cell(ws, row.school.code),
            _cell(ws, row.school.name),
            _cell(ws, row.school.district.name),
            _cell(ws, row.school.get_stage_display()),
            _cell(ws, row.school.get_location_display()),
            _cell(ws, status),
            *[_cell(ws, row.dimensions[c], number=True) for c in codes],
            book.formula(ws, f"{total_col}{r}", f"=SUM({first_dim}{r}:{last_dim}{r})", row.total),
            _cell(ws, passed, align=CENTER),
        ])
    return ws


def ranking_xlsx(*, rows: list[RoundRow], tree, round_obj, title: str) -> bytes:
    """The ranking page's current view as a one-sheet workbook."""
    book = _Book()
    _summary_sheet(book, book.sheet(_("排名")), rows=rows, tree=tree, round_obj=round_obj, title=title)
    return book.save()


def district_workbook_xlsx(*, rows: list[RoundRow], tree, round_obj, title: str,
                           inspectors: dict[int, list[str]]) -> bytes:
    """A ranked summary sheet plus one detail score sheet per school.

    `rows` must come from round_totals(with_elements=True) so no per-school query is needed.
    """
    book = _Book()
    _summary_sheet(book, book.sheet(_("汇总")), rows=rows, tree=tree, round_obj=round_obj, title=title)
    used = {_("汇总")}
    for row in rows:
        ws = book.sheet(_sheet_title(f"{row.rank}-{row.school.code}", used))
        _write_scoresheet(
            book, ws, tree=tree, points=row.element_points or {}, school=row.school, round_obj=round_obj,
            inspectors=inspectors.get(row.evaluation_id, []), provisional=row.provisional,
        )
    return book.save()
