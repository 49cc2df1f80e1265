"""Text for spreadsheet cells (xlsx and csv), one rule for every export.

A cell that starts like a formula is run by Excel, WPS and LibreOffice when the file is opened
or edited (CSV/formula injection), so user text with such a start is prefixed with an
apostrophe, the spreadsheet convention for "show as typed". Control characters that XML 1.0
forbids (pasted from Word or a PDF) would make the workbook unreadable, so they are dropped.
Files this system reads back (offline scorecards, rubric workbooks) undo the prefix with
`cell_text_read`, so a note that starts with "=" survives a download and upload unchanged.
A cell holds at most 32,767 characters (Excel; a longer one makes Excel "repair" the file and
drop it): longer text is cut there and ends with a visible mark, never silently.
"""

import csv

from django.utils.translation import gettext as _

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .text import NONCHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
CELL_MAX_CHARS = 32767  # Excel's limit for one cell, in characters


def cell_text(value) -> str:
    """User text made safe for a spreadsheet cell."""
    # The characters openpyxl refuses, and the non-characters (U+FFFE, U+FFFF …) it lets through
    # although no XML reader accepts them; csv and our own xlsx row writer drop the same ones.
    text = NONCHARACTERS_RE.sub("", ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value)))
    # Text already starting with an apostrophe gets one too, so reading back is exact.
    if text.startswith(FORMULA_PREFIXES) or text.startswith("'"):
        text = "'" + text
    # Excel counts UTF-16 units (a character outside the BMP is two); only long text is measured.
    if len(text) > CELL_MAX_CHARS // 2 and len(text.encode("utf-16-le")) // 2 > CELL_MAX_CHARS:
        mark = _("…（超出单元格上限，已截断）")
        text = utf16_cut(text, CELL_MAX_CHARS - len(mark)) + mark
    return text


def utf16_cut(text: str, units: int) -> str:
    """The longest start of `text` that is at most `units` UTF-16 units long (never half a character)."""
    out, used = [], 0
    for ch in text:
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > units:
            break
        out.append(ch)
    return "".join(out)


def cell_text_read(value) -> str:
    """The text a user typed, from a cell written with `cell_text` (or typed by hand)."""
    text = "" if value is None else str(value)
    # Excel and WPS keep a typed leading apostrophe out of the value, so one found here is ours.
    return text[1:] if text.startswith("'") else text


def _safe_row(row):
    # Numbers stay numbers; every piece of text goes through the same rule as an xlsx cell.
    return [cell_text(v) if isinstance(v, str) else v for v in row]


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow(_safe_row(row))

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


class _SafeDictWriter(_SafeWriter):
    def writeheader(self):
        return self._writer.writeheader()

    def writerow(self, row):
        return self._writer.writerow({k: cell_text(v) if isinstance(v, str) else v for k, v in row.items()})


# Python's csv module quotes a field only for the characters of its own line terminator: with
# "\n" a lone "\r" inside a name went out unquoted and split the row. RFC 4180's CRLF quotes both.
_CSV_OPTIONS = {"lineterminator": "\r\n"}


def csv_writer(stream) -> _SafeWriter:
    """csv.writer whose text cells are neutralized like xlsx cells: every CSV the product writes uses it."""
    return _SafeWriter(csv.writer(stream, **_CSV_OPTIONS))


def csv_dict_writer(stream, fieldnames) -> _SafeDictWriter:
    """csv.DictWriter with the same rule as `csv_writer`."""
    return _SafeDictWriter(csv.DictWriter(stream, fieldnames=fieldnames, **_CSV_OPTIONS))


def table_sheet(ws, heading: str, header: list, rows, value) -> None:
    """A plain report table on an openpyxl sheet: a bold heading row, a bold header row, the rows (each
    value through `value`, which applies cell_text to text), panes frozen below the header. The analytics
    and calibration workbooks share it."""
    from openpyxl.styles import Font

    ws.append([cell_text(heading)])
    ws["A1"].font = Font(bold=True)
    ws.append([cell_text(h) for h in header])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([value(v) for v in row])
    ws.freeze_panes = "A3"
