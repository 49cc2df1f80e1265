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
