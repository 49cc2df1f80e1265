"""The total rule: which scores make an evaluation's total, and how they are summed.

**Final total** (定稿): the sum of the lead's final scores (FinalScore) of a finalized evaluation.
**Provisional total** (暂定, before finalization): per element, the lead's final score where one is
already set; otherwise the round's consolidation (mean or median, half-up to 0.01) of the
*submitted* scorecards' scores — or, while no scorecard of the panel is submitted yet, of every
scorecard's current scores. An evaluation with no element counted has no total and is not ranked.

Why this rule: it is what finalizing would produce if the lead finalized now (finalize requires every
scorecard submitted and fills unset elements with the consolidation), so the lead's consolidation
page, the school page, the PDF, the workbooks and the ranking all show the figure the lead is about
to sign. A draft is an inspector's unfinished work: once a colleague has submitted, it no longer
pulls the figure around (the seen defect: a lead's all-zero draft halved a submitted full-marks
score on every page but the lead's own); before anyone submits, the drafts are all there is, and
the figure is labelled 暂定.

This module is pure (no queries) and lives in `evaluation/` so that both the lead's page
(evaluation) and every report (reports/selectors.py, which wraps it in the totals selectors) use
the same code while data keeps flowing one way (reports → evaluation, never back).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .consolidation import consolidate

CENT = Decimal("0.01")

RULE = (
    "已定稿：总分为组长最终得分之和；评估中（暂定）：逐要素取组长已设定的最终得分，未设定的取已提交评分表得分的合议值"
    "（尚无评分表提交时取各专家当前评分的合议值）；没有任何要素计分的学校不参与排名。"
)


def q2(value) -> Decimal:
    """Two decimal places, half-up: how every subtotal is shown and compared."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class TreeSums:
    """B, A and overall sums of one set of per-element points, plus how many elements counted."""

    indicators: dict[str, Decimal]
    dimensions: dict[str, Decimal]
    total: Decimal
    scored: int = 0


def sum_tree(tree, points: Mapping[int, Decimal | None]) -> TreeSums:
    """B, A and total from per-element points (missing or None counts as 0): the one summation."""
    indicators: dict[str, Decimal] = {}
    dimensions: dict[str, Decimal] = {}
    scored = 0
    for dim in tree.dimensions:
        dim_sum = Decimal("0")
        for ind in dim.indicators:
            ind_sum = Decimal("0")
            for element in ind.elements:
                value = points.get(element.id)
                if value is not None:
                    ind_sum += Decimal(value)
                    scored += 1
            indicators[ind.code] = q2(ind_sum)
            dim_sum += ind_sum
        dimensions[dim.code] = q2(dim_sum)
    total = q2(sum(dimensions.values(), Decimal("0")))
    return TreeSums(indicators=indicators, dimensions=dimensions, total=total, scored=scored)


def counted_scorecards(cards: Iterable[tuple[int, bool]]) -> set[int]:
    """Ids of the scorecards whose scores count, from (id, is_submitted) pairs: the submitted
    ones, or every one while none is submitted."""
    cards = list(cards)
    submitted = {pk for pk, is_submitted in cards if is_submitted}
    return submitted or {pk for pk, _s in cards}


def consensus_points(
    *, scores: Mapping[int, Mapping[int, Decimal | None]], cards: Iterable[tuple[int, bool]], method: str
) -> dict[int, Decimal]:
    """Per element, the consolidation of the counted scorecards' scores (elements nobody counted
    scored are absent). `scores` is {scorecard id: {element id: points}}."""
    counted = counted_scorecards(cards)
    by_element: dict[int, list[Decimal]] = {}
    for card_id in counted:
        for element_id, value in scores.get(card_id, {}).items():
            if value is not None:
                by_element.setdefault(element_id, []).append(value)
    return {element_id: consolidate(values, method) for element_id, values in by_element.items()}


def evaluation_points(
    *,
    finalized: bool,
    finals: Mapping[int, Decimal],
    scores: Mapping[int, Mapping[int, Decimal | None]] | None = None,
    cards: Iterable[tuple[int, bool]] = (),
    method: str = "mean",
) -> dict[int, Decimal]:
    """The per-element points an evaluation's total is made of (see the module docstring)."""
    if finalized:
        return {element_id: value for element_id, value in finals.items() if value is not None}
    points = consensus_points(scores=scores or {}, cards=cards, method=method)
    points.update({element_id: value for element_id, value in finals.items() if value is not None})
    return points
