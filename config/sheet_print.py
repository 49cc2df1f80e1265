"""Print geometry for the xlsx score sheets: row heights that fit wrapped text, and page
breaks between groups of merged rows.

Spreadsheet programs do not grow a row to fit wrapped text written by a library: a row keeps
its default height and the rest of the text is drawn over the neighbouring rows when printed
(seen in LibreOffice: element texts drawn over each other, codes unreadable). A merged cell
that runs across a page break is drawn again under the repeated header, over the first rows of
the next page. So the writers set every row's height from its texts here, and `paginate`
decides where pages break: between dimensions when one fits a page, otherwise between
indicators, repeating the dimension's label and methods on the continued part.

The measures are estimates (no font is read at run time): a CJK character is one em wide, any
other character 0.6 em, lines are 1.4 em apart, all rounded up; the LibreOffice print test
(`tests/printing.py`) checks them against the real program.

Column widths are stored in characters of the workbook's default font, which each program
turns into points with whatever font it has: Excel with Calibri prints a character 7 px wide,
LibreOffice without Calibri falls back to DejaVu Sans, about 9.4 px. So heights are computed
for the narrow reading (more wrapping, taller rows) and the sheet must fit the page in the wide
one: the printout is legible in both, with some air in the wider.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

# Excel column widths count characters of the default font's digit (Calibri 11: 7 px).
NARROW_PX_PER_CHAR, WIDE_PX_PER_CHAR, _PX_PAD, _PT_PER_PX = 7, 9.5, 5, 0.75
CELL_PAD_PT = 6.0  # left + right inner margin of a cell, and more than the border needs
LINE_EM = 1.3
ROW_PAD_PT = 5.0
MAX_ROW_PT = 409.0  # the largest row height Excel accepts

# A4 in points, and the margins the sheets use (inches, as openpyxl stores them).
A4_WIDTH_PT, A4_HEIGHT_PT = 595.0, 842.0
MARGIN_IN = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6, "header": 0.3, "footer": 0.3}
# Kept free on every page: the estimate may run short by a line here and there.
PAGE_SLACK_PT = 36.0


def column_points(width: float, *, wide: bool = False) -> float:
    """How wide an Excel column of `width` characters prints, in points (narrow reading
    unless `wide`)."""
    return (width * (WIDE_PX_PER_CHAR if wide else NARROW_PX_PER_CHAR) + _PX_PAD) * _PT_PER_PX


def fits_page_width(widths, *, landscape: bool = False) -> bool:
    """Whether columns of these widths (characters) fit A4 in the wide reading."""
    return sum(column_points(w, wide=True) for w in widths) <= printable_width_pt(landscape=landscape)


def printable_width_pt(*, landscape: bool = False) -> float:
    return (A4_HEIGHT_PT if landscape else A4_WIDTH_PT) - (MARGIN_IN["left"] + MARGIN_IN["right"]) * 72


def printable_height_pt(*, landscape: bool = False) -> float:
    page = A4_WIDTH_PT if landscape else A4_HEIGHT_PT
    return page - (MARGIN_IN["top"] + MARGIN_IN["bottom"]) * 72 - PAGE_SLACK_PT


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def text_lines(text: str, *, width_pt: float, font_pt: float) -> int:
    """How many lines `text` takes wrapped in a cell `width_pt` wide."""
    usable = max(width_pt - CELL_PAD_PT, font_pt)
    lines = 0
    for paragraph in (text or "").split("\n"):
        # CJK wraps at any character; Latin words wrap at spaces, which can waste part of a
        # line, so they count a little wider.
        ems = sum(1.0 if _wide(ch) else 0.7 for ch in paragraph)
        lines += max(1, math.ceil(ems * font_pt / usable))
    return lines


def text_height(text: str, *, width_pt: float, font_pt: float) -> float:
    """The row height (points) a wrapped text needs, capped at Excel's maximum."""
    lines = text_lines(text, width_pt=width_pt, font_pt=font_pt)
    return min(MAX_ROW_PT, math.ceil(lines * font_pt * LINE_EM + ROW_PAD_PT))


@dataclass
class Block:
    """Rows that must stay on one page (an indicator's elements, merged in column B).

    `rows` are the rows' own heights; `need` is what the merged cell's text needs in total.
    """

    rows: list[float]
    need: float = 0.0
    payload: object = None
    items: list = field(default_factory=list)  # what each row shows (an element per row)
    continued: bool = False  # a later piece of a block too tall for one page

    def heights(self) -> list[float]:
        return _stretch(self.rows, self.need)

    def pieces(self, page: float) -> list["Block"]:
        """The block split into pieces that each fit a page (itself when it fits)."""
        if sum(self.heights()) <= page or len(self.rows) < 2:
            return [self]
        pieces, start, used = [], 0, 0.0
        items = self.items or [None] * len(self.rows)
        for i, h in enumerate(self.rows):
            if i > start and (used + h > page or sum(_stretch(self.rows[start:i + 1], self.need)) > page):
                pieces.append(Block(rows=self.rows[start:i], need=self.need, payload=self.payload,
                                    items=items[start:i], continued=bool(pieces)))
                start, used = i, 0.0
            used += h
        pieces.append(Block(rows=self.rows[start:], need=self.need, payload=self.payload,
                            items=items[start:], continued=bool(pieces)))
        return pieces


@dataclass
class Group:
    """Blocks merged together in some columns (a dimension: its name and methods), followed
    by `tail` rows (its subtotal). `need` is what the merged texts need on every page part."""

    blocks: list[Block]
    need: float = 0.0
    tail: list[float] = field(default_factory=list)
    payload: object = None

    @property
    def tail_height(self) -> float:
        return sum(self.tail)


@dataclass
class Part:
    """The blocks of one group printed on one page; `continued` when an earlier page holds
    the group's first part."""

    group: Group
    blocks: list[Block]
    heights: list[list[float]]  # per block, its rows' final heights
    continued: bool
    last: bool
    page_break_before: bool = False


def _stretch(rows: list[float], need: float) -> list[float]:
    """Rows grown evenly so that together they are at least `need` high."""
    total = sum(rows)
    if not rows or total >= need:
        return list(rows)
    extra = math.ceil((need - total) / len(rows) * 10) / 10
    return [min(MAX_ROW_PT, h + extra) for h in rows]


def _part(group: Group, blocks: list[Block], *, continued: bool, last: bool) -> Part:
    heights = [b.heights() for b in blocks]
    flat = [h for hs in heights for h in hs]
    stretched = _stretch(flat, group.need)
    # Write the stretched heights back per block.
    out, i = [], 0
    for hs in heights:
        out.append(stretched[i:i + len(hs)])
        i += len(hs)
    return Part(group=group, blocks=blocks, heights=out, continued=continued, last=last)


def _height(part: Part) -> float:
    return sum(h for hs in part.heights for h in hs) + (sum(part.group.tail) if part.last else 0)


def paginate(groups: list[Group], *, first_page: float, page: float, end: float = 0.0) -> tuple[list[Part], bool]:
    """Split groups into page parts; returns (parts, break before the `end` rows).

    `first_page` and `page` are the heights left for these rows on the first and on every
    other page (after titles and the repeated header); `end` is the height of rows after the
    last group that should not be separated from it (the total and signature lines).
    """
    parts: list[Part] = []
    left = first_page
    for group in groups:
        # A block taller than a page is cut at rows; its label repeats on the next page.
        blocks = [piece for block in group.blocks for piece in block.pieces(page - group.tail_height)]
        whole = _part(group, blocks, continued=False, last=True)
        h = _height(whole)
        if h <= left:
            parts.append(whole)
            left -= h
            continue
        if h <= page and parts:  # a later group that fits a fresh page starts one
            whole.page_break_before = True
            parts.append(whole)
            left = page - h
            continue
        # Taller than a page: fill pages indicator by indicator, the label repeated on each.
        current: list[Block] = []
        continued = False
        for i, block in enumerate(blocks):
            last = i == len(blocks) - 1
            trial = _part(group, current + [block], continued=continued, last=last)
            if _height(trial) <= left:
                current.append(block)
                continue
            if current:
                done = _part(group, current, continued=continued, last=False)
                parts.append(done)
                continued = True
            current = [block]
            left = page
            # The next part starts a page (also when nothing of this group fitted before).
            parts.append(None)  # marker: break before the next part
        final = _part(group, current, continued=continued, last=True)
        parts.append(final)
        left -= _height(final)
    # Resolve the break markers.
    resolved: list[Part] = []
    pending = False
    for part in parts:
        if part is None:
            pending = True
            continue
        if pending:
            part.page_break_before = True
            pending = False
        resolved.append(part)
    return resolved, end > left


def rubric_groups(tree, *, a_pt: float, b_pt: float, c_pt: float, e_pt: float, font_pt: float,
                  continued: str, row_texts=None) -> list[Group]:
    """A rubric tree as print groups: a dimension (its label in A and methods in E merged) of
    indicator blocks (label in B merged) of element rows (text in C, and `row_texts(element)`:
    more (text, width) pairs on the row). A subtotal row of one line follows each dimension;
    `continued` is the suffix a repeated label gets (its room is reserved)."""
    one_line = text_height("", width_pt=c_pt, font_pt=font_pt)
    groups = []
    for dim in tree.dimensions:
        blocks = []
        for ind in dim.indicators:
            rows = []
            for el in ind.elements:
                texts = [(f"{el.code} {el.text}", c_pt), *(row_texts(el) if row_texts else [])]
                rows.append(max(one_line, *(text_height(t, width_pt=w, font_pt=font_pt) for t, w in texts)))
            need = text_height(f"{ind.code} {ind.text}{continued}", width_pt=b_pt, font_pt=font_pt)
            blocks.append(Block(rows=rows, need=need, payload=ind, items=list(ind.elements)))
        need = max(text_height(f"{dim.code} {dim.name}{continued}", width_pt=a_pt, font_pt=font_pt),
                   text_height(dim.methods, width_pt=e_pt, font_pt=font_pt))
        groups.append(Group(blocks=blocks, need=need, tail=[one_line], payload=dim))
    return groups
