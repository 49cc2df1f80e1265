"""The one rule for user text in spreadsheet cells (config/spreadsheet.py)."""

import pytest

from config.spreadsheet import cell_text, cell_text_read


@pytest.mark.parametrize("raw,expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("\n=1", "'\n=1"), ("＝1", "'＝1"), ("－1", "'－1"),
    ("'quoted", "''quoted"), ("normal", "normal"), ("", ""), (None, ""), ("a=b", "a=b"), (12, "12"),
])
def test_formula_starts_are_prefixed_with_an_apostrophe(raw, expected):
    assert cell_text(raw) == expected


def test_control_characters_xml_forbids_are_dropped_but_line_breaks_kept():
    assert cell_text("查阅\x0b档案\x00\x1f，\n访谈\t教师") == "查阅档案，\n访谈\t教师"
    # a control character in front of "=" must not hide the formula start
    assert cell_text("\x07=HYPERLINK(1)") == "'=HYPERLINK(1)"


@pytest.mark.parametrize("typed", ["=HYPERLINK(\"http://x\")", "-2 分：记录不全", "普通备注", "'引号开头", "''=x", "", "@张老师"])
def test_reading_back_gives_what_was_typed(typed):
    assert cell_text_read(cell_text(typed)) == typed


def test_text_longer_than_a_cell_holds_is_cut_with_a_visible_mark():
    from config.spreadsheet import CELL_MAX_CHARS

    megabyte = "=HYPERLINK(" + "长" * 1_000_000
    text = cell_text(megabyte)
    assert len(text.encode("utf-16-le")) // 2 == CELL_MAX_CHARS
    assert text.startswith("'=HYPERLINK(长") and text.endswith("（超出单元格上限，已截断）")
    # characters outside the BMP count twice, as in Excel, and are never cut in half
    wide = cell_text("𠀀" * 20_000)
    assert len(wide.encode("utf-16-le")) // 2 <= CELL_MAX_CHARS and wide.endswith("已截断）")
    assert "\ud840" not in wide and wide.replace("…（超出单元格上限，已截断）", "") == "𠀀" * len(wide.replace("…（超出单元格上限，已截断）", ""))
    # exactly at the limit: kept whole
    assert cell_text("a" * CELL_MAX_CHARS) == "a" * CELL_MAX_CHARS
