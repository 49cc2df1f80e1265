"""The reference-score workbook: the offline scorecard layout (evaluation.xlsx) with 参考分 and 说明."""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from evaluation.xlsx import ELEMENT_CODE_RE, find_header, offline_workbook, read_scorecard_rows

LABELS = ("参考分", "说明")


def reference_template(*, title: str, tree, reference: dict) -> bytes:
    """The workbook to fill in: every element, the current reference scores filled in."""
    items = {e.pk: _Item(reference.get(e.pk)) for e in tree.elements}
    return offline_workbook(title=title, sheet="参考分", tree=tree, items=items, labels=LABELS)


class _Item:
    def __init__(self, points):
        self.points, self.note = points, ""


def formula_cells(file) -> list[str]:
    """Element rows whose 参考分 cell holds a formula: its cached value is never imported. (The 小计 and
    总分 rows of our own workbook are formulas too; they are never read, so they are left alone.)"""
    try:
        wb = load_workbook(file, read_only=True, data_only=False)
    except Exception:  # not a workbook: the reader says so
        file.seek(0)
        return []
    try:
        ws = wb.worksheets[0]
        found = find_header(ws, LABELS[0])
        if found is None:
            return []
        header_row, names = found
        code_i, score_i = names["评估要素"], names[LABELS[0]]
        errors = []
        for row in ws.iter_rows(min_row=header_row + 1, max_col=max(code_i, score_i) + 1):
            cells = list(row)
            if len(cells) <= max(code_i, score_i):
                continue
            label, cell = cells[code_i], cells[score_i]
            if getattr(cell, "data_type", None) == "f" and ELEMENT_CODE_RE.match(str(label.value or "")):
                errors.append(_("单元格 %(cell)s 是公式，导入只接受数值：请改成要导入的参考分。") % {"cell": cell.coordinate})
        return errors
    finally:
        wb.close()
        file.seek(0)


def read_reference_workbook(file, *, version_id: int):
    """({code: points}, errors): every error names its cell; formulas refused."""
    errors = formula_cells(file)
    if errors:
        return {}, errors
    rows, errors = read_scorecard_rows(file, version_id=version_id, labels=LABELS)
    return {code: points for code, (points, _note, _cell) in rows.items()}, errors
