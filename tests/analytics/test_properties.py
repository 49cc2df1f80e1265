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


@settings(max_examples=40, deadline=None)
@given(matrices)
def test_exact_and_within_step_shares_equal_a_plain_recomputation(units):
    t = tree({"A1": [("C1", "4", "0.5")]})
    ours = element_agreement(rows=rows(t, _data(units)), tree=t)[0]
    pairable = [[v for v in unit if v is not None] for unit in units]
    pairable = [u for u in pairable if len(u) >= 2]
    if not pairable:
        assert ours.exact_share is None and ours.within_step_share is None
        return
    exact = sum(1 for u in pairable if len(set(u)) == 1) / len(pairable)
    within = sum(1 for u in pairable if max(u) - min(u) <= D("0.5")) / len(pairable)
    assert abs(ours.exact_share - D(repr(exact))) <= TOL and abs(ours.within_step_share - D(repr(within))) <= TOL


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.none() | st.tuples(HALF_STEPS, HALF_STEPS), min_size=3, max_size=3),
                min_size=1, max_size=6))
def test_leniency_per_dimension_equals_a_plain_recomputation(units):
    """Per A: each inspector's A subtotal (complete cards only) minus the others' mean subtotal."""
    t = tree({"A1": [("C1", "4", "0.5"), ("C2", "4", "0.5")]})
    data = {(u + 1, c + 1): {"C1": str(v[0]), "C2": str(v[1])}
            for u, unit in enumerate(units) for c, v in enumerate(unit) if v is not None}
    # one incomplete card: it counts for its element but not for the A subtotal
    data[(len(units) + 1, 1)] = {"C1": "1"}
    data[(len(units) + 1, 2)] = {"C1": "2", "C2": "2"}
    result = {x.inspector_id: x.by_dimension["A1"] for x in inspector_leniency(rows=rows(t, data), tree=t,
                                                                                share=D("0.1"))}
    for inspector, got in result.items():
        devs = []
        for ev in {k[0] for k in data}:
            subtotal = {c: sum(map(D, s.values())) for (e, c), s in data.items() if e == ev and len(s) == 2}
            if inspector in subtotal and len(subtotal) >= 2:
                others = [v for c, v in subtotal.items() if c != inspector]
                devs.append(subtotal[inspector] - sum(others) / len(others))
        assert got.n == len(devs)
        if devs:
            mean = np.array([str(v) for v in devs]).astype(np.float64).mean().item()
            assert abs(got.mean_deviation - D(repr(mean))) <= TOL
            assert got.threshold == D("0.8000")


LOCATIONS = st.sampled_from(["urban", "town", "rural"])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(LOCATIONS, st.lists(st.none() | HALF_STEPS, min_size=2, max_size=2)),
                min_size=1, max_size=12))
def test_element_rates_equal_numpy(schools):
    from analytics.selectors import element_rates

    t = tree({"A1": [("C1", "4", "0.5"), ("C2", "2", "0.5")]})
    ids = [e.id for e in t.elements]
    points = [4.0, 2.0]
    totals = [round_row(i + 1, "0", location=loc,
                        elements={ids[k]: (None if v is None else min(v, D(points[k]))) for k, v in enumerate(values)})
              for i, (loc, values) in enumerate(schools)]
    got = element_rates(rows=totals, tree=t)
    for k, rate in enumerate(got):
        values = [min(float(v), points[k]) for _loc, vs in schools if (v := vs[k]) is not None]
        assert rate.n == len(values)
        if values:
            assert abs(rate.rate - D(repr(np.mean(np.array(values) / points[k]).item()))) <= TOL
        else:
            assert rate.rate is None
        for loc in ("urban", "town", "rural"):
            mine = [min(float(v), points[k]) for place, vs in schools if place == loc and (v := vs[k]) is not None]
            if mine:
                assert abs(rate.by_location[loc].rate - D(repr(np.mean(np.array(mine) / points[k]).item()))) <= TOL
            else:
                assert loc not in rate.by_location


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["雁塔区", "碑林区"]), st.sampled_from(["primary", "junior"]),
                          st.integers(min_value=1, max_value=10000).map(lambda c: D(c) / 100)),
                min_size=1, max_size=20))
def test_cv_of_every_group_equals_numpy(schools):
    totals = [round_row(i + 1, str(v), {"A1": str(v / 2)}, district=d, stage=s) for i, (d, s, v) in enumerate(schools)]
    for g in round_cv(rows=totals, codes=["A1"], min_n=3):
        members = [v for d, s, v in schools if (g.district is None or d == g.district) and (g.stage is None or s == g.stage)]
        values = np.array([str(v) for v in members]).astype(np.float64)
        assert g.n == len(members) and g.small == (len(members) < 3)
        assert abs(g.cv - D(repr((values.std() / values.mean()).item()))) <= TOL
        assert abs(g.by_dimension["A1"].cv - D(repr(((values / 2).std() / (values / 2).mean()).item()))) <= TOL


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.none() | st.integers(min_value=5000, max_value=10000).map(lambda c: D(c) / 100),
                         min_size=3, max_size=3), min_size=2, max_size=40))
def test_closed_form_alpha_equals_the_package_on_totals(units):
    """Totals have many distinct values (the package's slow case): the closed form still agrees."""
    from analytics.stats import interval_alpha

    ours = interval_alpha([[v for v in unit if v is not None] for unit in units])
    reliability = np.array([[np.nan if v is None else float(v) for v in col] for col in zip(*units)])
    try:
        with np.errstate(all="ignore"):
            expected = krippendorff.alpha(reliability_data=reliability, level_of_measurement="interval").item()
    except ValueError:
        expected = None
    if expected is None or not np.isfinite(expected):
        assert ours is None
    else:
        assert abs(ours - expected) <= 1e-9
