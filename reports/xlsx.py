"""Excel renderers: XlsxWriter workbooks in constant-memory mode (public API only).

Constant-memory mode keeps one row of a sheet in memory and writes each row to a temporary file
when the next one starts, so a city's workbook (thousands of sheets) is written in about the
memory of one row. The price is that every sheet is written strictly top to bottom: a row's
height is set before its cells, and a merged range is registered while its first row is the
current one (`merge_range` with no data and no format only records the range; the cells inside
it are written in order, row by row, with their borders). Every formula carries its cached
value, computed by the totals selector, so viewers that do not recalculate show the same
numbers; text goes through the spreadsheet-text rule (config/spreadsheet.py) and is always
written as text (`write_string`), never interpreted as a formula or a link.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter
from django.utils.translation import gettext as _
from xlsxwriter.utility import xl_col_to_name

from config.sheet_print import MARGIN_IN, Group, column_points, paginate, printable_height_pt, rubric_groups, text_height
from config.spreadsheet import cell_text, utf16_cut

from .selectors import EvaluationTotals, RoundRow, q2

FONT_NAME = "WenQuanYi Micro Hei"
BODY_PT, TITLE_PT = 9, 14
NUMBER_FORMAT = "0.00"
# Named style parts; a cell's format is one combination of them, created once per workbook.
FONTS = {"body": BODY_PT, "title": TITLE_PT}
FILLS = {None: None, "header": "#E9ECEF", "subtotal": "#F3F3F3"}
# openpyxl's page margins (inches), which the summary sheets have always been printed with.
SUMMARY_MARGIN_IN = {"left": 0.75, "right": 0.75, "top": 1.0, "bottom": 1.0, "header": 0.5, "footer": 0.5}


# Cell kinds (see _Book.cell).
BLANK, TEXT, NUMBER, FORMULA, BOOL = "blank", "text", "number", "formula", "bool"


def _col(index: int) -> str:
    return xl_col_to_name(index)


def _ensure_file_handles(sheets: int) -> None:
    """Constant-memory mode keeps one temporary file open per sheet until the workbook is
    closed; a city's workbook has thousands of sheets, above the usual soft limit of 1,024
    open files. Raise the soft limit towards the hard one when needed (POSIX only)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = sheets + 256
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        if target > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


class _Book:
    """An XlsxWriter workbook in constant-memory mode with our cell formats, written to `target`
    (a path or a binary file object); `save()` closes it."""

    def __init__(self, target=None, *, sheets: int = 1):
        _ensure_file_handles(sheets)
        self.out = io.BytesIO() if target is None else target
        self.wb = xlsxwriter.Workbook(self.out, {
            "constant_memory": True,  # temporary files in TMPDIR, one per sheet, removed on close
            # Text is written with write_string anyway; these keep any stray write() literal too.
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        })
        self.sheets: list[_Sheet] = []
        self._formats: dict[tuple, object] = {}
        self._texts: dict[tuple, tuple] = {}
        self.layouts: dict[tuple, object] = {}  # print layouts, the same for every school sheet

    def sheet(self, title: str) -> "_Sheet":
        sheet = _Sheet(self, self.wb.add_worksheet(title))
        self.sheets.append(sheet)
        return sheet

    def style(self, *, number=False, font="body", fill=None, align=None, border=True):
        key = (number, font, fill, align, border)
        fmt = self._formats.get(key)
        if fmt is None:
            props = {"font_name": FONT_NAME, "font_size": FONTS[font], "valign": "vcenter"}
            if border:
                props.update(border=1, border_color="#000000")
            if number:
                props.update(num_format=NUMBER_FORMAT, align="center")
            elif align == "center":
                props["align"] = "center"
            else:
                props["text_wrap"] = True
            if FILLS[fill]:
                props.update(pattern=1, bg_color=FILLS[fill])
            fmt = self._formats[key] = self.wb.add_format(props)
        return fmt

    def cell(self, value, *, number=False, **style) -> tuple:
        """(format, value, kind): what `_Sheet.append` writes, text already through the spreadsheet-text rule."""
        fmt = self.style(number=number, **style)
        if value is None:
            return (fmt, None, BLANK)
        if isinstance(value, str):
            value = cell_text(value)
            return (fmt, value, TEXT) if value else (fmt, None, BLANK)
        if isinstance(value, bool):
            return (fmt, value, BOOL)
        if isinstance(value, (int, Decimal, float)):
            return (fmt, value, NUMBER)  # Decimal as it is: write_number takes it
        raise TypeError(f"unsupported cell value {value!r}")

    def text(self, value: str, **style) -> tuple:
        """A text cell remembered for the workbook: the rubric's texts repeat on every school's sheet."""
        key = (value, tuple(sorted(style.items())))
        found = self._texts.get(key)
        if found is None:
            found = self._texts[key] = self.cell(value, **style)
        return found

    def formula(self, formula: str, value: Decimal, **style) -> tuple:
        return (self.style(number=True, **style), (formula, value), FORMULA)

    def save(self) -> bytes | None:
        self.wb.close()
        return self.out.getvalue() if isinstance(self.out, io.BytesIO) else None


def _column_width(width: float) -> float:
    # XlsxWriter takes the width Excel's dialog shows and stores it with the cell padding added
    # (5 px of Calibri's 7 px digit); the sheets were laid out for the stored width (what
    # config/sheet_print measures and LibreOffice prints), so hand over that width less the padding.
    return width - 5 / 7


class _Sheet:
    """One worksheet written top to bottom: `append` writes the next row."""

    def __init__(self, book: _Book, ws):
        self.book, self.ws, self.row = book, ws, 0  # self.row: rows written so far (1-based last row)
        self.breaks: list[int] = []
        # A cell's writer by its kind (see _Book.cell); formulas take one more argument.
        self.writers = {TEXT: ws.write_string, NUMBER: ws.write_number, BLANK: ws.write_blank, BOOL: ws.write_boolean}

    def columns(self, widths) -> None:
        for i, width in enumerate(widths):
            self.ws.set_column(i, i, _column_width(width))

    def append(self, cells, *, height: float | None = None, merge=()):
        """Write the next row; `merge` lists ranges that start on this row as (first column,
        last row, last column): columns 0-based, rows 1-based as in "A4:A6" = (0, 6, 0)."""
        r = self.row
        self.row += 1
        ws = self.ws
        if height:
            # A set height is what a printout uses; programs do not grow rows to wrapped text.
            # Pixels keep the height exact (set_row rounds points to whole pixels).
            ws.set_row_pixels(r, height * 4 / 3)
        for first_col, last_row, last_col in merge:
            # Registers the range only (no data, no format): the cells are written below and on
            # the following rows, in order.
            ws.merge_range(r, first_col, last_row - 1, last_col, None)
        writers = self.writers
        for c, (fmt, value, kind) in enumerate(cells):
            if kind is FORMULA:
                ws.write_formula(r, c, value[0], fmt, value[1])
            else:
                writers[kind](r, c, value, fmt)
        if not cells:
            # An empty row is only written out (with its height) when a cell of it is written.
            ws.write_blank(r, 0, None, self.book.style(border=False))

    def page_break_before_next(self) -> None:
        # XlsxWriter numbers a break by the last row above it (1-based), as the file format does.
        self.breaks.append(self.row)

    def finish(self) -> None:
        if self.breaks:
            self.ws.set_h_pagebreaks(self.breaks)


def _print_setup(sheet: _Sheet, title_row: int, *, fit_width: bool = True, landscape: bool = False,
                 header: str = ""):
    ws = sheet.ws
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    if fit_width:
        ws.fit_to_pages(1, 0)
        m = SUMMARY_MARGIN_IN
    else:
        # Score sheets are laid out for A4 at 100 % with their own page breaks, which Excel
        # ignores under "fit to page".
        m = MARGIN_IN
    ws.set_margins(left=m["left"], right=m["right"], top=m["top"], bottom=m["bottom"])
    # "&" starts a header code; the texts here are ours, but keep them literal anyway.
    ws.set_header(f"&C{header.replace('&', '&&')}" if header else "", margin=m["header"])
    ws.set_footer("", margin=m["footer"])
    ws.repeat_rows(title_row - 1)


def _sheet_title(text: str, used: set[str]) -> str:
    """A unique, valid sheet name (Excel compares names case-insensitively; `used` holds them lowered)."""
    base = utf16_cut(re.sub(r"[\[\]:*?/\\']", "_", text), 28) or "sheet"
    title, n = base, 1
    while title.lower() in used or title.lower() == "history":  # Excel reserves "History"
        n += 1
        title = f"{utf16_cut(base, 25)}~{n}"
    used.add(title.lower())
    return title


# Score sheet column widths (characters): they fit A4 portrait at 100 % in every program
# (config/sheet_print.py); texts are measured in the narrowest reading.
SHEET_COLUMNS = (8, 13, 28, 6, 12, 5)
A_PT, B_PT, C_PT, D_PT, E_PT, F_PT = (column_points(w) for w in SHEET_COLUMNS)
FULL_PT = sum(column_points(w) for w in SHEET_COLUMNS)
ONE_LINE = text_height("", width_pt=FULL_PT, font_pt=BODY_PT)


def _scoresheet_pages(tree) -> list[Group]:
    """The score sheet's dimensions as print groups (indicators as blocks), heights measured."""
    return rubric_groups(tree, a_pt=A_PT, b_pt=B_PT, c_pt=C_PT, e_pt=E_PT, font_pt=BODY_PT, continued=_("（续）"))


def _dimension_label(dim, *, continued: bool) -> str:
    label = f"{dim.code} {dim.name}"
    return label + _("（续）") if continued else label


@dataclass(frozen=True)
class _TemplateRow:
    """A row of the score sheet's body, the same on every school's sheet but for its score cell:
    `slot` says what goes there ("element", id) / ("dimension", code, formula) / ("total", formula)."""

    height: float
    merge: tuple
    cells: tuple
    slot: tuple
    break_before: bool = False


@dataclass(frozen=True)
class _Template:
    rows: tuple[_TemplateRow, ...]
    break_before_end: bool
    subtotal_rows: tuple[int, ...]


def _scoresheet_template(book: _Book, tree, *, first_page: float, page: float, end: float) -> _Template:
    """The score sheet's body rows (elements, A subtotals, the total) laid out once per workbook:
    measured, paginated and turned into cells, so each school's sheet only adds its scores."""
    key = ("template", id(tree), first_page, page, end)
    found = book.layouts.get(key)
    if found is not None:
        return found
    parts, break_before_end = paginate(_scoresheet_pages(tree), first_page=first_page, page=page, end=end)
    cell, blank_cell = book.cell, book.cell(None)
    rows: list[_TemplateRow] = []
    row = 4
    subtotal_rows = []
    dim_start = row
    for part in parts:
        dim = part.group.payload
        if not part.continued:
            dim_start = row
        start = row
        part_end = start + sum(len(block.items) for block in part.blocks) - 1
        dim_label = book.text(_dimension_label(dim, continued=part.continued))
        methods = book.text(dim.methods)
        for block, heights in zip(part.blocks, part.heights):
            ind = block.payload
            ind_label = book.text(f"{ind.code} {ind.text}" + (_("（续）") if block.continued else ""))
            ind_start = row
            ind_end = row + len(block.items) - 1
            for el, height in zip(block.items, heights):
                merge = []
                if row == start and part_end > start:
                    merge += [(0, part_end, 0), (4, part_end, 4)]
                if row == ind_start and ind_end > ind_start:
                    merge.append((1, ind_end, 1))
                rows.append(_TemplateRow(
                    height=height, merge=tuple(merge),
                    cells=(
                        dim_label if row == start else blank_cell,
                        ind_label if row == ind_start else blank_cell,
                        book.text(f"{el.code} {el.text}"),
                        book.text(el.points, number=True),
                        methods if row == start else blank_cell,
                    ),
                    slot=("element", el.id),
                    break_before=part.page_break_before and row == start,
                ))
                row += 1
        if not part.last:
            continue
        sub = {"fill": "subtotal"}
        rows.append(_TemplateRow(
            height=ONE_LINE, merge=((0, row, 2),),
            cells=(
                cell(f"{dim.code} {_('小计')}", **sub), cell(None, **sub), cell(None, **sub),
                book.formula(f"=SUM(D{dim_start}:D{row - 1})", q2(dim.points), **sub),
                cell(None, **sub),
            ),
            slot=("dimension", dim.code, f"=SUM(F{dim_start}:F{row - 1})"),
        ))
        subtotal_rows.append(row)
        row += 1
    head = {"fill": "header"}
    refs_d = ",".join(f"D{r}" for r in subtotal_rows)
    rows.append(_TemplateRow(
        height=ONE_LINE, merge=((0, row, 2),),
        cells=(cell(_("总分"), **head), cell(None, **head), cell(None, **head),
               book.formula(f"=SUM({refs_d})", q2(tree.points), **head), cell(None, **head)),
        slot=("total", "=SUM({})".format(",".join(f"F{r}" for r in subtotal_rows))),
        break_before=break_before_end,
    ))
    found = book.layouts[key] = _Template(rows=tuple(rows), break_before_end=break_before_end,
                                          subtotal_rows=tuple(subtotal_rows))
    return found


def _write_scoresheet(book: _Book, ws: _Sheet, *, tree, points: dict[int, Decimal | None],
                      dimensions: dict[str, Decimal], total: Decimal, school, round_obj, inspectors: list[str],
                      provisional: bool, blank: bool = False):
    """The official table: title, school line, header, element rows with merged A/B/methods
    cells, A subtotals and the total (formulas with cached values).

    Every number comes from the totals selector (`points`, `dimensions`, `total`); the
    formulas are there for whoever edits the sheet. Rows get heights that fit their wrapped
    texts and pages break between dimensions (or indicators, repeating the dimension), so a
    printout has no text drawn over another (config/sheet_print.py). The body is laid out once
    per workbook (`_scoresheet_template`); a school's sheet adds its title, scores and signatures.
    """
    ws.columns(SHEET_COLUMNS)
    # Printed: every page says 暂定, not only the first (the info row does not repeat).
    _print_setup(ws, 3, fit_width=False, header=_("暂定（评估尚未定稿）") if provisional else "")
    ws.ws.freeze_panes(3, 0)
    cell = book.cell
    title = f"{round_obj.rubric_version.name} {_('评分表')}"
    ws.append([book.text(title, font="title", border=False, align="center")],
              height=text_height(title, width_pt=FULL_PT, font_pt=TITLE_PT), merge=((0, 1, 5),))
    info = f"{_('学校')}：{school.name}（{school.code}）  {_('区县')}：{school.district.name}  {_('评估批次')}：{round_obj.name}"
    if provisional:
        info += "  " + _("暂定（评估尚未定稿）")
    info_height = text_height(info, width_pt=FULL_PT, font_pt=BODY_PT)
    ws.append([cell(info, border=False)], height=info_height, merge=((0, 2, 5),))
    headers = [_("一级指标"), _("二级指标"), _("评估要素"), _("标准分"), _("评估方法"), _("得分")]
    header_height = max(text_height(h, width_pt=column_points(w), font_pt=BODY_PT)
                        for h, w in zip(headers, SHEET_COLUMNS))
    ws.append([book.text(h, fill="header", align="center") for h in headers], height=header_height)

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
    template = _scoresheet_template(book, tree, first_page=first_page, page=page, end=sum(signature))
    score_format = book.style(number=True)
    sub_format = book.style(number=True, fill="subtotal")
    total_format = book.style(number=True, fill="header")
    blank_score = (score_format, None, BLANK)
    append = ws.append
    for spec in template.rows:
        slot = spec.slot
        if spec.break_before:
            ws.page_break_before_next()
        if slot[0] == "element":
            value = None if blank else points.get(slot[1])
            score = blank_score if value is None else (score_format, q2(value), NUMBER)
        elif slot[0] == "dimension":
            score = ((sub_format, None, BLANK) if blank else
                     (sub_format, (slot[2], q2(dimensions.get(slot[1], Decimal("0")))), FORMULA))
        else:
            score = (total_format, None, BLANK) if blank else (total_format, (slot[1], q2(total)), FORMULA)
        append((*spec.cells, score), height=spec.height, merge=spec.merge)
    row = ws.row
    ws.append([], height=signature[1])
    ws.append([cell(people, border=False)], height=signature[2], merge=((0, row + 2, 5),))
    ws.append([book.text(f"{_('组长签字')}：________________    {_('专家签字')}：________________", border=False)],
              height=signature[3], merge=((0, row + 3, 5),))
    ws.append([book.text(f"{_('日期')}：________________", border=False)], height=signature[4],
              merge=((0, row + 4, 5),))
    ws.finish()
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


def _summary_sheet(book: _Book, ws: _Sheet, *, rows: list[RoundRow], tree, round_obj, title: str, empty: str,
                   progress=None):
    """The ranked table; with no rows, the sentence `empty` instead of an empty table.

    Rows are as high as their longest wrapped text (a school name can take two lines), so a
    printout never draws one row's text over the next (config/sheet_print.py).
    """
    codes = [d.code for d in tree.dimensions]
    headers = [_("排名"), _("学校代码"), _("学校名称"), _("区县"), _("学段"), _("城乡类别"), _("状态"),
               *codes, _("总分"), _("达到认定分数线"), _("区县内排名")]
    last = len(headers) - 1
    widths = SUMMARY_FIXED_COLUMNS + [8] * len(codes) + SUMMARY_TAIL_COLUMNS
    ws.columns(widths)
    _print_setup(ws, 2, landscape=True)
    full = sum(column_points(w) for w in widths)
    cell = book.cell
    ws.append([cell(title, font="title", border=False, align="center")],
              height=text_height(title, width_pt=full, font_pt=TITLE_PT), merge=((0, 1, last),))
    if not rows:
        ws.append([cell(empty, border=False)], height=text_height(empty, width_pt=full, font_pt=BODY_PT),
                  merge=((0, 2, last),))
        ws.finish()
        return ws
    ws.ws.freeze_panes(2, 3)
    ws.append([cell(h, fill="header", align="center") for h in headers],
              height=max(text_height(h, width_pt=column_points(w), font_pt=BODY_PT) for h, w in zip(headers, widths)))
    first_dim = _col(7)
    last_dim = _col(6 + len(codes))
    name_pt, code_pt, district_pt = column_points(widths[2]), column_points(widths[1]), column_points(widths[3])
    status_text = {True: cell(_("暂定")), False: cell(_("已定稿"))}
    passed_text = {None: cell("", align="center"), True: cell(_("是"), align="center"),
                   False: cell(_("否"), align="center")}
    for r, row in enumerate(rows, start=3):
        school = row.school
        height = max(text_height(school.name, width_pt=name_pt, font_pt=BODY_PT),
                     text_height(school.code, width_pt=code_pt, font_pt=BODY_PT),
                     text_height(school.district.name, width_pt=district_pt, font_pt=BODY_PT))
        ws.append([
            cell(row.rank, number=True),
            cell(school.code),
            cell(school.name),
            cell(school.district.name),
            cell(school.get_stage_display()),
            cell(school.get_location_display()),
            status_text[bool(row.provisional)],
            *[cell(row.dimensions[c], number=True) for c in codes],
            book.formula(f"=SUM({first_dim}{r}:{last_dim}{r})", row.total),
            passed_text[row.passed],
            cell(row.district_rank, number=True),
        ], height=height)
        if progress is not None:
            progress(r - 2)
    ws.finish()
    return ws


def ranking_xlsx(*, rows: list[RoundRow], tree, round_obj, title: str, target=None,
                 progress=None) -> bytes | None:
    """The ranking page's current view as a one-sheet workbook (written to `target` when given,
    row by row in constant memory; else returned as bytes); `progress(done)` after each row."""
    book = _Book(target)
    _summary_sheet(book, book.sheet(_("排名")), rows=rows, tree=tree, round_obj=round_obj, title=title,
                   empty=_("没有符合筛选条件的学校。"), progress=progress)
    return book.save()


def district_workbook_xlsx(*, rows: list[RoundRow], tree, round_obj, title: str,
                           inspectors: dict[int, list[str]], target=None, progress=None) -> bytes | None:
    """A ranked summary sheet plus one detail score sheet per school.

    `rows` must come from round_totals(with_elements=True) so no per-school query is needed.
    Written to `target` (a path or binary file; returns None) or returned as bytes.
    `progress(done)` is called after each school's sheet (background jobs report it).
    """
    book = _Book(target, sheets=len(rows) + 1)
    _summary_sheet(book, book.sheet(_("汇总")), rows=rows, tree=tree, round_obj=round_obj, title=title,
                   empty=_("所选范围内还没有已定稿的学校评估结果，汇总表为空；学校的评估定稿后再导出。"))
    used = {_("汇总").lower()}
    for done, row in enumerate(rows, start=1):
        ws = book.sheet(_sheet_title(f"{row.rank}-{row.school.code}", used))
        _write_scoresheet(
            book, ws, tree=tree, points=row.element_points or {}, dimensions=row.dimensions, total=row.total,
            school=row.school, round_obj=round_obj,
            inspectors=inspectors.get(row.evaluation_id, []), provisional=row.provisional,
        )
        if progress is not None:
            progress(done)
    return book.save()
