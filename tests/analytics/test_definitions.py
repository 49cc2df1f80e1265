"""Each analytics definition against a hand-computed example (missing values and ties included)."""

from decimal import Decimal as D

import numpy as np
import pytest

from analytics.selectors import (
    dimension_agreement,
    element_agreement,
    element_rates,
    inspector_leniency,
    round_cv,
    strongest_elements,
    total_agreement,
    weakest_elements,
)
from analytics.stats import dec, interval_alpha, mean_ci, t_quantile_975

from .helpers import round_row, rows, tree


# --------------------------------------------------------------------------- stats


@pytest.mark.parametrize("df,expected", [(1, "12.7062"), (2, "4.3027"), (3, "3.1824"), (10, "2.2281"),
                                         (30, "2.0423"), (100, "1.9840"), (5000, "1.9604")])
def test_t_quantile_matches_the_printed_tables(df, expected):
    assert dec(t_quantile_975(df)) == D(expected)


def test_alpha_of_a_hand_computed_example_with_a_missing_value():
    # Values 1,1 | 2,3 | 3,3 | 4 (unpaired): Do = 2/6, De = 58/30, alpha = 1 − 15/87 = 24/29.
    assert dec(interval_alpha([[1, 1], [2, 3], [3, 3], [4]])) == dec(24 / 29) == D("0.8276")


def test_alpha_is_empty_without_pairs_or_without_variation():
    assert interval_alpha([[1], [2]]) is None
    assert interval_alpha([[2, 2], [2, 2]]) is None


def test_mean_ci_has_no_interval_for_one_value():
    assert mean_ci(np.array([0.5])) == (0.5, None, None)


# --------------------------------------------------------------------------- agreement


@pytest.fixture
def agreement_case():
    t = tree({"A1": [("C1", "4", "0.5"), ("C2", "2", "0.5")], "A2": [("C3", "4", "1")]})
    data = {
        (1, 1): {"C1": "1", "C2": "2", "C3": "1"}, (1, 2): {"C1": "1", "C2": "2", "C3": "2"},
        (2, 1): {"C1": "2", "C2": "2", "C3": "3"}, (2, 2): {"C1": "3", "C2": "2", "C3": "3"},
        (3, 1): {"C1": "3", "C2": "2", "C3": "2"}, (3, 2): {"C1": "3", "C2": "2", "C3": "4"},
        (4, 1): {"C1": "4"},  # a panel of one (and an incomplete card): nothing to pair
    }
    return t, rows(t, data)


def test_element_agreement_by_hand(agreement_case):
    t, r = agreement_case
    c1, c2, c3 = element_agreement(rows=r, tree=t)
    assert (c1.alpha, c1.units, c1.exact_share, c1.within_step_share) == (D("0.8276"), 3, D("0.6667"), D("0.6667"))
    # Every pair agrees on the same value: alpha is 0/0 (empty), the plain shares say "all agree".
    assert (c2.alpha, c2.units, c2.exact_share, c2.within_step_share) == (None, 3, D("1.0000"), D("1.0000"))
    # 1,2 | 3,3 | 2,4: Do = 10/6, De = 66/30, alpha = 1 − (5/3)/2.2; step 1 keeps 1,2 "within one step".
    assert (c3.alpha, c3.units, c3.exact_share, c3.within_step_share) == (D("0.2424"), 3, D("0.3333"), D("0.6667"))


def test_dimension_and_total_agreement_by_hand(agreement_case):
    t, r = agreement_case
    a1, a2 = dimension_agreement(rows=r, tree=t)
    # A1 subtotals 3,3 | 4,5 | 5,5 (evaluation 4's card lacks C2: no subtotal): C1's data shifted by 2.
    assert (a1.alpha, a1.units, a1.exact_share, a1.within_step_share) == (D("0.8276"), 3, D("0.6667"), D("0.6667"))
    assert a2.alpha == D("0.2424")
    total = total_agreement(rows=r, tree=t)
    # Totals 4,5 | 7,8 | 7,9: Do = 12/6, De = 208/30; step = the largest element step (1).
    assert (total.alpha, total.units, total.exact_share, total.within_step_share) == (
        D("0.7115"), 3, D("0.0000"), D("0.6667"))


def test_agreement_matches_the_package_on_the_same_matrix(agreement_case):
    import krippendorff

    t, r = agreement_case
    matrix = [[1, 2, 3, 4], [1, 3, 3, np.nan]]  # coders × units for C1
    assert element_agreement(rows=r, tree=t)[0].alpha == dec(
        krippendorff.alpha(reliability_data=matrix, level_of_measurement="interval").item())


# --------------------------------------------------------------------------- leniency


def test_leniency_leave_one_out_by_hand():
    t = tree({"A1": [("C1", "2", "0.5")], "A2": [("C2", "2", "0.5")]})
    data = {
        (1, 1): {"C1": "2", "C2": "2"}, (1, 2): {"C1": "1", "C2": "1.5"}, (1, 3): {"C1": "1.5", "C2": "1"},
        (2, 1): {"C1": "1", "C2": "1.5"}, (2, 2): {"C1": "1", "C2": "1"},
        (3, 1): {"C1": "2", "C2": "2"},  # alone on the panel: skipped
    }
    u1 = inspector_leniency(rows=rows(t, data), tree=t, share=D("0.1"))[0]
    assert u1.username == "u1"
    # C1: 2 − (1+1.5)/2 = 0.75, 1 − 1 = 0; C2: 2 − 1.25 = 0.75, 1.5 − 1 = 0.5 → mean 0.5, sd √0.125.
    o = u1.overall
    assert (o.n, o.mean_deviation, o.ci_low, o.ci_high) == (4, D("0.5000"), D("-0.0626"), D("1.0626"))
    assert o.threshold == D("0.2000") and not o.flagged  # the interval contains 0
    a1 = u1.by_dimension["A1"]
    assert (a1.n, a1.mean_deviation, a1.ci_low, a1.ci_high) == (2, D("0.3750"), D("-4.3898"), D("5.1398"))


def test_a_consistent_bias_is_flagged_and_a_lone_value_has_no_interval():
    t = tree({"A1": [("C1", "4", "0.5")]})
    data = {(1, 1): {"C1": "3"}, (1, 2): {"C1": "2"}, (2, 1): {"C1": "3.5"}, (2, 2): {"C1": "2.5"},
            (3, 1): {"C1": "4"}, (3, 2): {"C1": "2.5"}, (4, 3): {"C1": "1"}, (4, 1): {"C1": "1"}}
    by_user = {x.username: x for x in inspector_leniency(rows=rows(t, data), tree=t, share=D("0.1"))}
    lenient = by_user["u1"].overall  # +1, +1, +1.5 and a tie (0) with u3
    assert (lenient.n, lenient.mean_deviation) == (4, D("0.8750"))
    strict = by_user["u2"].overall  # −1, −1, −1.5: mean −7/6, sd √(1/12), half 4.3027 · sd/√3
    assert (strict.n, strict.mean_deviation, strict.ci_low, strict.ci_high) == (
        3, D("-1.1667"), D("-1.8838"), D("-0.4496"))
    assert strict.threshold == D("0.4000") and strict.flagged
    # The same bias under a share that makes 1.17 points small is not flagged.
    relaxed = {x.username: x for x in inspector_leniency(rows=rows(t, data), tree=t, share=D("0.5"))}
    assert not relaxed["u2"].overall.flagged
    lone = by_user["u3"].overall
    assert (lone.n, lone.mean_deviation, lone.ci_low, lone.flagged) == (1, D("0.0000"), None, False)


# --------------------------------------------------------------------------- 差异系数


def test_cv_by_district_stage_district_and_city_by_hand():
    totals = [round_row(1, "80", {"A1": "40"}), round_row(2, "90", {"A1": "45"}), round_row(3, "100", {"A1": "50"}),
              round_row(4, "70", {"A1": "35"}, stage="junior"), round_row(5, "60", {"A1": "30"}, district="碑林区")]
    groups = round_cv(rows=totals, codes=["A1"], min_n=2)
    key = {(g.level, g.district, g.stage): g for g in groups}
    primary = key[("district_stage", "雁塔区", "primary")]
    assert (primary.n, primary.mean, primary.sd, primary.cv, primary.small) == (
        3, D("90.0000"), D("8.1650"), D("0.0907"), False)
    assert primary.by_dimension["A1"].mean == D("45.0000") and primary.by_dimension["A1"].cv == D("0.0907")
    junior = key[("district_stage", "雁塔区", "junior")]
    assert (junior.n, junior.sd, junior.cv, junior.small) == (1, D("0.0000"), D("0.0000"), True)
    yanta = key[("district", "雁塔区", None)]
    assert (yanta.n, yanta.mean, yanta.sd, yanta.cv) == (4, D("85.0000"), D("11.1803"), D("0.1315"))
    city = groups[-1]
    assert (city.level, city.n, city.mean, city.sd, city.cv) == ("city", 5, D("80.0000"), D("14.1421"), D("0.1768"))
    assert key[("district", "碑林区", None)].small


def test_cv_of_a_zero_mean_is_empty():
    groups = round_cv(rows=[round_row(1, "0", {"A1": "0"}), round_row(2, "0", {"A1": "0"})], codes=["A1"], min_n=1)
    assert groups[-1].cv is None and groups[-1].sd == D("0.0000")


# --------------------------------------------------------------------------- element rates


def test_element_rates_with_a_missing_score_and_a_tie():
    t = tree({"A1": [("C1", "2", "0.5"), ("C2", "4", "0.5"), ("C3", "1", "0.5")]})
    c1, c2, c3 = (e.id for e in t.elements)
    totals = [round_row(1, "4.5", elements={c1: D("2"), c2: D("2"), c3: D("0.5")}),
              round_row(2, "3", district="碑林区", stage="junior", location="rural", elements={c1: D("1"), c2: D("2")})]
    r1, r2, r3 = element_rates(rows=totals, tree=t)
    assert (r1.rate, r1.n) == (D("0.7500"), 2)
    assert (r2.rate, r2.n) == (D("0.5000"), 2)
    assert (r3.rate, r3.n) == (D("0.5000"), 1)
    assert r1.by_location["urban"].rate == D("1.0000") and r1.by_location["rural"].rate == D("0.5000")
    assert r1.by_stage["junior"].n == 1 and r2.by_district["碑林区"].rate == D("0.5000")
    # C2 and C3 tie at 0.5: rubric order decides.
    assert [e.code for e in weakest_elements([r1, r2, r3])] == ["C2", "C3", "C1"]
    assert [e.code for e in strongest_elements([r1, r2, r3], count=2)] == ["C1", "C2"]
