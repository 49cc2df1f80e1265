"""Text for spreadsheet cells (xlsx and csv), one rule for every export.

A cell that starts like a formula is run by Excel, WPS and LibreOffice when the file is opened
or edited (CSV/formula injection), so user text with such a start is prefixed with an
apostrophe, the spreadsheet convention for "show as typed". Control characters that XML 1.0
forbids (pasted from Word or a PDF) would make the workbook unreadable, so they are dropped.
Files this system reads back (offline scorecards, rubric workbooks) undo the prefix with
`cell_text_read`, so a note that starts with "=" survives a download and upload unchanged.
"""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def cell_text(value) -> str:
    """User text made safe for a spreadsheet cell."""
    # The characters openpyxl refuses; csv and our own xlsx row writer drop the same ones.
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    # Text already starting with an apostrophe gets one too, so reading back is exact.
    if text.startswith(FORMULA_PREFIXES) or text.startswith("'"):
        return "'" + text
    return text


def cell_text_read(value) -> str:
    """The text a user typed, from a cell written with `cell_text` (or typed by hand)."""
    text = "" if value is None else str(value)
    # Excel and WPS keep a typed leading apostrophe out of the value, so one found here is ours.
    return text[1:] if text.startswith("'") else text
