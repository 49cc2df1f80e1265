"""Property tests: alpha against the `krippendorff` package, leniency and 差异系数 against a
straightforward NumPy recomputation. Example counts are modest (the CI machine is shared)."""

from decimal import Decimal as D

import krippendorff
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.selectors import element_agreement, inspector_leniency, round_cv
from analytics.stats import t_quantile_975

from .helpers import round_row, rows, tree

HALF_STEPS = st.integers(min_value=0, max_value=8).map(lambda k: D(k) / 2)  # 0 … 4 in steps of 0.5
TOL = D("0.0001")

# coders × units, None = this inspector was not on the panel
matrices = st.integers(min_value=2, max_value=5).flatmap(
    lambda coders: st.lists(st.lists(st.none() | HALF_STEPS, min_size=coders, max_size=coders),
                            min_size=1, max_size=8))


def _data(units):
    return {(u + 1, c + 1): {"C1": str(v)} for u, unit in enumerate(units) for c, v in enumerate(unit) if v is not None}


@settings(max_examples=40, deadline=None)
@given(matrices)
def test_alpha_equals_the_package(units):
    t = tree({"A1": [("C1", "4", "0.5")]})
    ours = element_agreement(rows=rows(t, _data(units)), tree=t)[0]
    reliability = np.array([[np.nan if v is None else int(v * 2) / 2 for v in col] for col in zip(*units)])
    try:
        with np.errstate(all="ignore"):  # the package divides 0/0 when every value is the same
            expected = krippendorff.alpha(reliability_data=reliability, level_of_measurement="interval").item()
    except ValueError:  # no pairable unit or a single value: undefined
        expected = None
    if expected is None or not np.isfinite(expected):
        assert ours.alpha is None
    else:
        assert abs(ours.alpha - D(repr(expected))) <= TOL
    assert ours.units == sum(1 for unit in units if sum(v is not None for v in unit) >= 2)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.none() | HALF_STEPS, min_size=3, max_size=3), min_size=1, max_size=6),
       st.lists(st.lists(st.none() | HALF_STEPS, min_size=3, max_size=3), min_size=1, max_size=6))
def test_leniency_equals_a_plain_recomputation(c1_units, c2_units):
    t = tree({"A1": [("C1", "4", "0.5")], "A2": [("C2", "4", "0.5")]})
    data: dict = {}
    for code, units in (("C1", c1_units), ("C2", c2_units)):
        for u, unit in enumerate(units):
            for c, v in enumerate(unit):
                if v is not None:
                    data.setdefault((u + 1, c + 1), {})[code] = str(v)
    result = {x.inspector_id: x.overall for x in inspector_leniency(rows=rows(t, data), tree=t, share=D("0.1"))}
    for inspector in range(1, 4):
        devs = []
        for code in ("C1", "C2"):
            for ev in {k[0] for k in data}:
                mine = data.get((ev, inspector), {}).get(code)
                others = [data[(ev, o)][code] for o in range(1, 4)
                          if o != inspector and code in data.get((ev, o), {})]
                if mine is not None and others:
                    devs.append(D(mine) - sum(map(D, others)) / len(others))
        if inspector not in result:
            assert not devs
            continue
        got = result[inspector]
        assert got.n == len(devs)
        if not devs:
            continue
        values = np.array([str(v) for v in devs]).astype(np.float64)
        assert abs(got.mean_deviation - D(repr(values.mean().item()))) <= TOL
        if len(devs) >= 2:
            half = t_quantile_975(len(devs) - 1) * values.std(ddof=1).item() / np.sqrt(len(devs)).item()
            assert abs(got.ci_low - D(repr(values.mean().item() - half))) <= TOL
            assert abs(got.ci_high - D(repr(values.mean().item() + half))) <= TOL


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10000).map(lambda c: D(c) / 100), min_size=1, max_size=30))
def test_cv_equals_numpy(totals):
    city = round_cv(rows=[round_row(i + 1, str(v), {"A1": str(v)}) for i, v in enumerate(totals)],
                    codes=["A1"], min_n=5)[-1]
    values = np.array([str(v) for v in totals]).astype(np.float64)
    assert city.n == len(totals) and city.small == (len(totals) < 5)
    assert abs(city.sd - D(repr(values.std(ddof=0).item()))) <= TOL
    if values.mean() == 0:
        assert city.cv is None
    else:
        assert abs(city.cv - D(repr((values.std(ddof=0) / values.mean()).item()))) <= TOL
