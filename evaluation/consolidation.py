"""How several inspectors' scores for one element become one (合议).

Pure Decimal arithmetic, shared by the lead's default final score and the provisional
totals of evaluations still in progress.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from statistics import median

CENT = Decimal("0.01")


def consolidate(values: list[Decimal], method: str = "mean") -> Decimal | None:
    """Mean (default) or median of the given scores, rounded half-up to 0.01; None if empty."""
    values = [Decimal(v) for v in values if v is not None]
    if not values:
        return None
    if method == "median":
        result = median(sorted(values))
    else:
        result = sum(values, Decimal("0")) / len(values)
    return Decimal(result).quantize(CENT, rounding=ROUND_HALF_UP)


def spread(values: list[Decimal]) -> Decimal:
    """Max minus min; the lead's screen flags an element when this is ≥ half its points."""
    values = [Decimal(v) for v in values if v is not None]
    return (max(values) - min(values)) if values else Decimal("0")


def is_flagged(values: list[Decimal], points: Decimal) -> bool:
    """分歧: at least two scores whose spread reaches half the element's standard points."""
    values = [v for v in values if v is not None]
    return len(values) > 1 and spread(values) * 2 >= points
