"""Small statistics the analytics figures need, kept pure (no database) so they are tested alone.

NumPy computes inside (alpha in closed form, tested equal to the `krippendorff` package); every figure leaves as a Decimal
(`dec`), so pages, JSON and workbooks show the same digits.
"""

from __future__ import annotations

import math
from decimal import Decimal
from functools import lru_cache

import numpy as np

PLACES = Decimal("0.0001")


def dec(value, places: Decimal = PLACES) -> Decimal | None:
    """A computed number as a Decimal of fixed places; None for a missing or undefined one."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value.quantize(places)
    if not math.isfinite(value):
        return None
    # repr of a float is the shortest string that reads back to it: no binary noise is added.
    return Decimal(repr(value if isinstance(value, float) else np.float64(value).item())).quantize(places)


def _t_two_sided_mass(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with integer df (Abramowitz & Stegun 26.7.3–26.7.4, exact series)."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    s = math.sin(theta)
    if df % 2 == 1:
        if df == 1:
            return 2 * theta / math.pi
        term, total = math.cos(theta), math.cos(theta)
        for k in range(3, df - 1, 2):  # 2·4…(k−1) / 1·3…k · cos^k
            term *= c2 * (k - 1) / k
            total += term
        return 2 / math.pi * (theta + s * total)
    term, total = 1.0, 1.0
    for k in range(2, df - 1, 2):  # 1·3…(k−1) / 2·4…k · cos^k
        term *= c2 * (k - 1) / k
        total += term
    return s * total


@lru_cache(maxsize=4096)
def t_quantile_975(df: int) -> float:
    """The 97.5 % quantile of Student's t with df degrees of freedom (for a 95 % two-sided interval).

    Exact series plus bisection up to df 2000; beyond that the Cornish–Fisher expansion, whose
    error there is far below the four places shown.
    """
    if df < 1:
        raise ValueError("df must be at least 1")
    if df > 2000:
        z = 1.959963984540054
        return (z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
                + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3))
    low, high = 0.0, 1000.0
    for _ in range(100):
        mid = (low + high) / 2
        if _t_two_sided_mass(mid, df) < 0.95:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def mean_ci(values: np.ndarray) -> tuple[float, float | None, float | None]:
    """Mean and 95 % t-interval (sample SD, n − 1 degrees of freedom); no interval below n = 2."""
    n = len(values)
    mean = np.mean(values).item() if n else math.nan
    if n < 2:
        return mean, None, None
    half = t_quantile_975(n - 1) * np.std(values, ddof=1).item() / math.sqrt(n)
    return mean, mean - half, mean + half


def interval_alpha(units: list[list]) -> float | None:
    """Krippendorff's alpha, interval metric, for units given as their lists of values.

    Units with fewer than two values are not pairable and do not enter; None when no unit is
    pairable or every pairable value is the same (alpha is 0/0 then: nothing to tell apart).

    Computed in closed form, which for the interval metric (δ² = (c − k)²) is the coincidence
    matrix formula of `krippendorff.alpha` summed out: with n pairable values and m_u values in unit u,
    D_o = Σ_u Σ_{i≠j∈u} (v_i − v_j)² / (m_u − 1) / n and D_e = Σ_{i≠j} (v_i − v_j)² / (n(n − 1)),
    where Σ_{i≠j} (v_i − v_j)² = 2(m Σv² − (Σv)²). The package's coincidence matrix grows with the
    number of distinct values (slow for totals); tests prove both equal on random matrices.
    """
    pairable = [u for u in units if len(u) >= 2]
    if not pairable:
        return None
    sizes = np.fromiter((len(u) for u in pairable), dtype=np.int64, count=len(pairable))
    values = np.fromiter((float(v) for u in pairable for v in u), dtype=np.float64, count=int(sizes.sum()))
    return _alpha_flat(np.repeat(np.arange(len(pairable)), sizes), values)


def _alpha_flat(unit: np.ndarray, values: np.ndarray) -> float | None:
    """interval_alpha of values labelled by dense unit ids (every unit already has ≥ 2 values)."""
    if len(values) < 2 or values.max() == values.min():
        return None
    m = np.bincount(unit).astype(np.float64)
    s1 = np.bincount(unit, weights=values)
    s2 = np.bincount(unit, weights=values * values)
    n = float(len(values))
    d_o = np.sum(2 * (m * s2 - s1 * s1) / (m - 1)) / n
    mean = values.mean()
    d_e = 2 * n * np.sum((values - mean) ** 2) / (n * (n - 1))  # = 2(nΣv² − (Σv)²)/(n(n−1)), stably
    return float(1 - d_o / d_e)
