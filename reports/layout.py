"""The official score sheet's row layout, shared by the PDF and the xlsx renderer.

One row per element; the 一级指标, 评估方法 and 二级指标 cells span their elements like the
printed form, and each dimension ends with a subtotal row.
"""

from __future__ import annotations

from dataclasses import dataclass

from .selectors import ElementLine, EvaluationTotals


@dataclass
class SheetRow:
    kind: str  # "element" or "subtotal"
    line: ElementLine | None = None
    dim_span: int = 0  # > 0 on the first element row of a dimension
    ind_span: int = 0  # > 0 on the first element row of an indicator
    dimension: object = None
    subtotal: object = None
    # What a page that starts at this row continues ("A3 …", "B8"): empty on the first row of
    # a dimension, the dimension alone on the first row of an indicator.
    continues: str = ""


def sheet_rows(totals: EvaluationTotals) -> list[SheetRow]:
    rows: list[SheetRow] = []
    by_dim: dict[str, list[ElementLine]] = {}
    for line in totals.lines:
        by_dim.setdefault(line.dimension.code, []).append(line)
    for dim in totals.tree.dimensions:
        lines = by_dim.get(dim.code, [])
        seen_ind = set()
        for i, line in enumerate(lines):
            ind_span = 0
            if line.indicator.code not in seen_ind:
                seen_ind.add(line.indicator.code)
                ind_span = len(line.indicator.elements)
            continues = ""
            if i > 0:
                continues = f"{dim.code} {dim.name}"
                if not ind_span:
                    continues += f" · {line.indicator.code}"
            rows.append(SheetRow(kind="element", line=line, dim_span=len(lines) if i == 0 else 0,
                                 ind_span=ind_span, dimension=dim, continues=continues))
        rows.append(SheetRow(kind="subtotal", dimension=dim, subtotal=totals.dimensions[dim.code]))
    return rows
