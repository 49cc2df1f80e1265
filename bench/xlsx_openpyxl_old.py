"""BENCH ONLY: the district workbook writer as it was before issue 17 (openpyxl write-only plus its
private `openpyxl.worksheet._writer` module), kept so bench/bench_xlsx.py can print old vs new in one
run. The product never imports this file."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from config.sheet_print import MARGIN_IN, Group, column_points, paginate, printable_height_pt, rubric_groups, text_height
from config.spreadsheet import cell_text

from reports.selectors import EvaluationTotals, RoundRow, q2

CJK_FONT = Font(name="WenQuanYi Micro Hei", size=9)
TITLE_FONT = Font(name="WenQuanYi Micro Hei", size=14)
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center")
HEADER_FILL = PatternFill("solid", fgColor="E9ECEF")
SUBTOTAL_FILL = PatternFill("solid", fgColor="F3F3F3")
NUMBER_FORMAT = "0.00"


class _Book:
    """A write-only workbook whose rows we serialize ourselves.

    openpyxl builds an ElementTree element per cell (and hashes the style of every styled
    cell), which made the 2,000-school district workbook several times slower than a bare
    write-only dump. openpyxl still owns the package (styles, sheet properties, freeze
    panes, columns, merged ranges, page setup, print titles); only the <sheetData> rows are
    written here, from style ids registered once per workbook. That also lets every formula
    carry its cached value (computed by the totals selector) while it is written, instead
    of patching the saved package afterwards: the formula and the number always agree.
    """

    def __init__(self):
        self.wb = Workbook(write_only=True)
        self.sheets: list[_Sheet] = []
        self._styles: dict[tuple, int] = {}
        self.layouts: dict[tuple, object] = {}  # print layouts, the same for every school sheet

    def sheet(self, title: str) -> "_Sheet":
        sheet = _Sheet(self, self.wb.create_sheet(title=title))
        self.sheets.append(sheet)
        return sheet

    def style(self, *, number=False, font=CJK_FONT, fill=None, align=None, border=True) -> int:
        key = (number, id(font), id(fill), id(align), border)
        sid = self._styles.get(key)
        if sid is None:
            cell = WriteOnlyCell(self.wb.worksheets[0])
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
            sid = self._styles[key] = cell.style_id
        return sid

    def cell(self, value, *, number=False, **style) -> tuple:
        if isinstance(value, str):
            value = cell_text(value)
        return (self.style(number=number, **style), value, False)

    def formula(self, formula: str, value: Decimal, **style) -> tuple:
        return (self.style(number=True, **style), (formula, value), True)

    def save(self) -> bytes:
        for sheet in self.sheets:
            sheet.ws._writer = _RowsWriter(sheet.ws, sheet.parts)
            sheet.ws._writer.write_top()
        out = io.BytesIO()
        self.wb.save(out)
        return out.getvalue()


_COLUMNS = [get_column_letter(i) for i in range(1, 200)]
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def _number(value) -> str:
    # The same formatting openpyxl uses for numeric cells.
    return "%.16g" % value


def _cell_xml(ref: str, cell: tuple) -> str:
    sid, value, is_formula = cell
    s = f' s="{sid}"' if sid else ""
    if is_formula:
        formula, cached = value
        return (f'<c r="{ref}"{s}><f>{formula[1:].translate(_XML_ESCAPES)}</f>'
                f'<v>{format(cached, "f")}</v></c>')
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>' if sid else ""
    if isinstance(value, str):  # through _Book.cell, so already cleaned by cell_text
        text = value[:32767]
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text.translate(_XML_ESCAPES)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, Decimal)):
        return f'<c r="{ref}"{s} t="n"><v>{_number(value)}</v></c>'
    raise TypeError(f"unsupported cell value {value!r}")


class _Sheet:
    """A write-only worksheet plus its rows, serialized as they are appended."""

    def __init__(self, book: _Book, ws):
        self.book, self.ws, self.parts, self.row = book, ws, [], 0

    def __getattr__(self, name):
        return getattr(self.ws, name)

    def __setattr__(self, name, value):
        if name in ("book", "ws", "parts", "row"):
            object.__setattr__(self, name, value)
        else:
            setattr(self.ws, name, value)

    def append(self, cells, *, height: float | None = None):
        self.row += 1
        r = str(self.row)
        body = "".join([_cell_xml(_COLUMNS[i] + r, c) for i, c in enumerate(cells) if c is not None])
        # A set height is what a printout uses; programs do not grow rows to wrapped text.
        ht = f' ht="{height:g}" customHeight="1"' if height else ""
        self.parts.append(f'<row r="{r}"{ht}>{body}</row>' if body else f'<row r="{r}"{ht}/>')


class _RowsWriter(WorksheetWriter):
    """openpyxl's worksheet writer with our pre-serialized rows as <sheetData>."""

    def __init__(self, ws, parts: list[str]):
        super().__init__(ws)
        self._parts = parts

    def write_rows(self):
        xf = self.xf.send(True)
        # et_xmlfile's incremental writer: `_file` is the underlying text writer, the only
        # way to emit markup that is already serialized (and escaped above).
        raw = getattr(xf, "_file", None)
        if raw is None:  # pragma: no cover - only if openpyxl ever switches to lxml here
            raise RuntimeError("openpyxl uses an XML writer without raw output (lxml installed?)")
        with xf.element("sheetData"):
            raw("".join(self._parts))
        self.xf.send(None)


def _print_setup(ws, title_rows: str, *, fit_width: bool = True):
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.orientation = "portrait"
    if fit_width:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        # Score sheets are laid out for A4 at 100 % with their own page breaks, which Excel
        # ignores under "fit to page".
        ws.page_setup.scale = 100
        for side, inches in MARGIN_IN.items():
            setattr(ws.page_margins, side, inches)
    ws.print_title_rows = title_rows


def _sheet_title(text: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "_", text)[:28] or "sheet"
    title, n = base, 1
    while title in used:
        n += 1
        title = f"{base[:25]}~{n}"
    used.add(title)
    return title


# Score sheet column widths (characters): they fit A4 portrait at 100 % in every program
# (config/sheet_print.py); texts are measured in the narrowest reading.
SHEET_COLUMNS = (8, 13, 28, 6, 12, 5)
BODY_PT = 9
TITLE_PT = 14
A_PT, B_PT, C_PT, D_PT, E_PT, F_PT = (column_points(w) for w in SHEET_COLUMNS)
FULL_PT = sum(column_points(w) for w in SHEET_COLUMNS)
ONE_LINE = text_height("", width_pt=FULL_PT, font_pt=BODY_PT)


def _scoresheet_pages(tree) -> list[Group]:
    """The score sheet's dimensions as print groups (indicators as blocks), heights measured."""
    return rubric_groups(tree, a_pt=A_PT, b_pt=B_PT, c_pt=C_PT, e_pt=E_PT, font_pt=BODY_PT, continued=_("（续）"))


def _dimension_label(dim, *, continued: bool) -> str:
    label = f"{dim.code} {dim.name}"
    return label + _("（续）") if continued else label


def _write_scoresheet(book: _Book, ws, *, tree, points: dict[int, Decimal | None], dimensions: dict[str, Decimal],
                      total: Decimal, school, round_obj, inspectors: list[str], provisional: bool,
                      blank: bool = False):
    """The official table: title, school line, header, element rows with merged A/B/methods
    cells, A subtotals and the total (formulas with cached values).

    Every number comes from the totals selector (`points`, `dimensions`, `total`); the
    formulas are there for whoever edits the sheet. Rows get heights that fit their wrapped
    texts and pages break between dimensions (or indicators, repeating the dimension), so a
    printout has no text drawn over another (config/sheet_print.py).
    """
    for i, width in enumerate(SHEET_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    _print_setup(ws, "3:3", fit_width=False)
    ws.freeze_panes = "A4"
    title = f"{round_obj.rubric_version.name} {_('评分表')}"
    ws.append([book.cell(title, font=TITLE_FONT, border=False, align=CENTER)],
              height=text_height(title, width_pt=FULL_PT, font_pt=TITLE_PT))
    ws.merged_cells.add("A1:F1")
    info = f"{_('学校')}：{school.name}（{school.code}）  {_('区县')}：{school.district.name}  {_('评估批次')}：{round_obj.name}"
    if provisional:
        info += "  " + _("暂定（评估尚未定稿）")
        # Printed: every page says 暂定, not only the first (the info row does not repeat).
        ws.oddHeader.center.text = _("暂定（评估尚未定稿）")
    info_height = text_height(info, width_pt=FULL_PT, font_pt=BODY_PT)
    ws.append([book.cell(info, border=False)], height=info_height)
    ws.merged_cells.add("A2:F2")
    headers = [_("一级指标"), _("二级指标"), _("评估要素"), _("标准分"), _("评估方法"), _("得分")]
    header_height = max(text_height(h, width_pt=column_points(w), font_pt=BODY_PT)
                        for h, w in zip(headers, SHEET_COLUMNS))
    ws.append([book.cell(h, fill=HEADER_FILL, align=CENTER) for h in headers], height=header_height)

    people = f"{_('督导专家')}：" + "、".join(inspectors)
    signature = [
        ONE_LINE,  # 总分
        ONE_LINE,  # blank
        text_height(people, width_pt=FULL_PT, font_pt=BODY_PT),
        ONE_LINE * 1.5,
        ONE_LINE * 1.5,
    ]
    page = printable_height_pt() - header_height
    first_page = page - text_height(title, width_pt=FULL_PT, font_pt=TITLE_PT) - info_height
    # The rubric's texts are the same on every school's sheet: measure and paginate once.
    key = (id(tree), first_page, page, sum(signature))
    if key not in book.layouts:
        book.layouts[key] = paginate(_scoresheet_pages(tree), first_page=first_page, page=page, end=sum(signature))
    parts, break_before_end = book.layouts[key]
    row = 4
    subtotal_rows = []
    dim_start = row
    for part in parts:
        dim = part.group.payload
        if not part.continued:
            dim_start = row
        if part.page_break_before:
            ws.row_breaks.append(Break(id=row - 1))
        start = row
        for block, heights in zip(part.blocks, part.heights):
            ind = block.payload
            ind_label = f"{ind.code} {ind.text}" + (_("（续）") if block.continued else "")
            ind_start = row
            for el, height in zip(block.items, heights):
                value = None if blank else points.get(el.id)
                ws.append([
                    book.cell(_dimension_label(dim, continued=part.continued) if row == start else None),
                    book.cell(ind_label if row == ind_start else None),
                    book.cell(f"{el.code} {el.text}"),
                    book.cell(el.points, number=True),
                    book.cell(dim.methods if row == start else None),
                    book.cell(q2(value) if value is not None else None, number=True),
                ], height=height)
                row += 1
            if row - 1 > ind_start:
                ws.merged_cells.add(f"B{ind_start}:B{row - 1}")
        if row - 1 > start:
            ws.merged_cells.add(f"A{start}:A{row - 1}")
            ws.merged_cells.add(f"E{start}:E{row - 1}")
        if not part.last:
            continue
        end = row - 1
        ws.append([
            book.cell(f"{dim.code} {_('小计')}", fill=SUBTOTAL_FILL), book.cell(None, fill=SUBTOTAL_FILL),
            book.cell(None, fill=SUBTOTAL_FILL),
            book.formula(f"=SUM(D{dim_start}:D{end})", q2(dim.points), fill=SUBTOTAL_FILL),
            book.cell(None, fill=SUBTOTAL_FILL),
            (book.cell(None, fill=SUBTOTAL_FILL) if blank else
             book.formula(f"=SUM(F{dim_start}:F{end})", dimensions.get(dim.code, Decimal("0")), fill=SUBTOTAL_FILL)),
        ], height=ONE_LINE)
        ws.merged_cells.add(f"A{row}:C{row}")
        subtotal_rows.append(row)
        row += 1
    if break_before_end:
        ws.row_breaks.append(Break(id=row - 1))
    refs_d = ",".join(f"D{r}" for r in subtotal_rows)
    refs_f = ",".join(f"F{r}" for r in subtotal_rows)
    ws.append([
        book.cell(_("总分"), fill=HEADER_FILL), book.cell(None, fill=HEADER_FILL), book.cell(None, fill=HEADER_FILL),
        book.formula(f"=SUM({refs_d})", q2(tree.points), fill=HEADER_FILL),
        book.cell(None, fill=HEADER_FILL),
        (book.cell(None, fill=HEADER_FILL) if blank else
         book.formula(f"=SUM({refs_f})", total, fill=HEADER_FILL)),
    ], height=signature[0])
    ws.merged_cells.add(f"A{row}:C{row}")
    row += 1
    ws.append([], height=signature[1])
    ws.append([book.cell(people, border=False)], height=signature[2])
    ws.merged_cells.add(f"A{row + 1}:F{row + 1}")
    ws.append([book.cell(f"{_('组长签字')}：________________    {_('专家签字')}：________________", border=False)],
              height=signature[3])
    ws.merged_cells.add(f"A{row + 2}:F{row + 2}")
    ws.append([book.cell(f"{_('日期')}：________________", border=False)], height=signature[4])
    ws.merged_cells.add(f"A{row + 3}:F{row + 3}")
    return total


def scoresheet_xlsx(totals: EvaluationTotals, *, blank: bool = False) -> bytes:
    """One school's score sheet as a workbook with a single sheet."""
    book = _Book()
    ws = book.sheet(_sheet_title(totals.school.code, set()))
    points = {line.element.id: line.points for line in totals.lines}
    _write_scoresheet(
        book, ws, tree=totals.tree, points=points, dimensions=totals.dimensions, total=totals.total,
        school=totals.school, round_obj=totals.round,
        inspectors=[i.name for i in totals.inspectors], provisional=totals.provisional, blank=blank,
    )
    return book.save()


SUMMARY_FIXED_COLUMNS = [6, 12, 28, 10, 10, 8, 8]
SUMMARY_TAIL_COLUMNS = [9, 10, 8]


def _summary_sheet(book: _Book, ws, *, rows: list[RoundRow], tree, round_obj, title: str, empty: str):
    """The ranked table; with no rows, the sentence `empty` instead of an empty table.

    Rows are as high as their longest wrapped text (a school name can take two lines), so a
    printout never draws one row's text over the next (config/sheet_print.py).
    """
    codes = [d.code for d in tree.dimensions]
    headers = [_("排名"), _("学校代码"), _("学校名称"), _("区县"), _("学段"), _("城乡类别"), _("状态"),
               *codes, _("总分"), _("达到认定分数线"), _("区县内排名")]
    n = len(headers)
    last_col = get_column_letter(n)
    widths = SUMMARY_FIXED_COLUMNS + [8] * len(codes) + SUMMARY_TAIL_COLUMNS
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    _print_setup(ws, "2:2")
    ws.page_setup.orientation = "landscape"
    full = sum(column_points(w) for w in widths)
    ws.append([book.cell(title, font=TITLE_FONT, border=False, align=CENTER)],
              height=text_height(title, width_pt=full, font_pt=TITLE_PT))
    ws.merged_cells.add(f"A1:{last_col}1")
    if not rows:
        ws.append([book.cell(empty, border=False)], height=text_height(empty, width_pt=full, font_pt=BODY_PT))
        ws.merged_cells.add(f"A2:{last_col}2")
        return ws
    ws.freeze_panes = "D3"
    ws.append([book.cell(h, fill=HEADER_FILL, align=CENTER) for h in headers],
              height=max(text_height(h, width_pt=column_points(w), font_pt=BODY_PT) for h, w in zip(headers, widths)))
    first_dim = get_column_letter(8)
    last_dim = get_column_letter(7 + len(codes))
    name_pt, code_pt, district_pt = column_points(widths[2]), column_points(widths[1]), column_points(widths[3])
    for r, row in enumerate(rows, start=3):
        passed = "" if row.passed is None else (_("是") if row.passed else _("否"))
        status = _("暂定") if row.provisional else _("已定稿")
        school = row.school
        height = max(text_height(school.name, width_pt=name_pt, font_pt=BODY_PT),
                     text_height(school.code, width_pt=code_pt, font_pt=BODY_PT),
                     text_height(school.district.name, width_pt=district_pt, font_pt=BODY_PT))
        ws.append([
            book.cell(row.rank, number=True),
            book.cell(school.code),
            book.cell(school.name),
            book.cell(school.district.name),
            book.cell(school.get_stage_display()),
            book.cell(school.get_location_display()),
            book.cell(status),
            *[book.cell(row.dimensions[c], number=True) for c in codes],
            book.formula(f"=SUM({first_dim}{r}:{last_dim}{r})", row.total),
            book.cell(passed, align=CENTER),
            book.cell(row.district_rank, number=True),
        ], height=height)
    return ws


def ranking_xlsx(*, rows: list[RoundRow], tree, round_obj, title: str) -> bytes:
    """The ranking page's current view as a one-sheet workbook."""
    book = _Book()
    _summary_sheet(book, book.sheet(_("排名")), rows=rows, tree=tree, round_obj=round_obj, title=title,
                   empty=_("没有符合筛选条件的学校。"))
    return book.save()


def district_workbook_xlsx(*, rows: list[RoundRow], tree, round_obj, title: str,
                           inspectors: dict[int, list[str]]) -> bytes:
    """A ranked summary sheet plus one detail score sheet per school.

    `rows` must come from round_totals(with_elements=True) so no per-school query is needed.
    """
    book = _Book()
    _summary_sheet(book, book.sheet(_("汇总")), rows=rows, tree=tree, round_obj=round_obj, title=title,
                   empty=_("所选范围内还没有已定稿的学校评估结果，汇总表为空；学校的评估定稿后再导出。"))
    used = {_("汇总")}
    for row in rows:
        ws = book.sheet(_sheet_title(f"{row.rank}-{row.school.code}", used))
        _write_scoresheet(
            book, ws, tree=tree, points=row.element_points or {}, dimensions=row.dimensions, total=row.total,
            school=row.school, round_obj=round_obj,
            inspectors=inspectors.get(row.evaluation_id, []), provisional=row.provisional,
        )
    return book.save()
