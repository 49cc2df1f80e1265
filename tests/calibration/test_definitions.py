"""The calibration figures against hand-computed examples (unscored elements, missing references)."""

from decimal import Decimal as D

import pytest

from calibration import selectors, services
from tests.calibration.helpers import card_of, make_case, score


def test_deviation_summary_skips_unscored_and_unreferenced_elements():
    scores = {1: D("1"), 2: None, 3: D("0.5"), 4: D("2")}
    reference = {1: D("0.5"), 2: D("1"), 3: D("0.5")}  # 4 has no reference; 2 is unscored
    s = selectors.deviation_summary(scores, reference)
    # deviations: +0.5 (1), 0 (3) → MAD (0.5 + 0) / 2, leniency (0.5 + 0) / 2
    assert (s.n, s.mad, s.leniency) == (2, D("0.25"), D("0.25"))


def test_deviation_summary_without_common_elements_is_empty():
    assert selectors.deviation_summary({1: D("1")}, {}) == selectors.Summary(0, None, None)


def test_peer_deviation_is_leave_one_out():
    devs = selectors.peer_deviations({
        "a": {1: D("1"), 2: None},
        "b": {1: D("0.5"), 2: D("1")},
        "c": {1: D("0"), 2: D("0.5")},
    })
    assert devs["a"] == {1: D("0.75")}  # 1 − mean(0.5, 0); element 2 unscored
    assert devs["b"] == {1: D("0"), 2: D("0.5")}  # 0.5 − mean(1, 0); 1 − 0.5 (a unscored)
    assert devs["c"] == {1: D("-0.75"), 2: D("-0.5")}


def test_peer_deviation_skipped_without_others():
    assert selectors.peer_deviations({"a": {1: D("1")}}) == {"a": {}}


@pytest.mark.django_db
def test_case_report_hand_computed(world):
    case = make_case(world, inspectors=[world.alice, world.bob, world.lead])
    services.reference_save(case=case, values={"C1": "1", "C2": "0.5", "C3": "0"}, by=world.admin)
    score(card_of(case, world.alice), {"C1": "0.5", "C2": "1", "C3": "0"}, rest="0", submit=True)
    score(card_of(case, world.bob), {"C1": "1", "C2": "1", "C3": "1"}, rest="0", submit=True)
    score(card_of(case, world.lead), {"C1": "0"})  # a draft: listed, never counted, never a peer
    report = selectors.case_report(case=case)
    rows = {r.card.inspector.username: r for r in report.rows}
    alice, bob, lead = rows["alice"], rows["bob"], rows["lead"]
    # alice: −0.5, +0.5, 0 → MAD 1/3, leniency 0; bob: 0, +0.5, +1 → MAD 0.5, leniency 0.5
    assert alice.summary.n == 3 and selectors.q2(alice.summary.mad) == D("0.33") and alice.summary.leniency == 0
    assert (bob.summary.n, bob.summary.mad, bob.summary.leniency) == (3, D("0.5"), D("0.5"))
    assert not lead.submitted and lead.summary.mad is None
    e = {el.code: el.pk for el in report.elements}
    assert alice.cells[e["C1"]].dev_ref == D("-0.5") and alice.cells[e["C1"]].dev_peer == D("-0.5")
    assert alice.cells[e["C3"]].dev_peer == D("-1") and bob.cells[e["C3"]].dev_peer == D("1")
    assert alice.cells[e["C4"]].dev_ref is None and alice.cells[e["C4"]].dev_peer == 0  # no reference for C4
    assert lead.cells[e["C2"]].points is None and lead.cells[e["C2"]].dev_ref is None  # unscored
    assert alice.peer_mean == D("-1.5") / 84 and bob.peer_mean == D("1.5") / 84
    # the inspector's own results (the mine page and the round requirement) agree with the report
    mine = selectors.inspector_results(inspector_ids=[world.alice.pk, world.bob.pk, world.lead.pk])
    assert [r.summary.mad for r in mine[world.bob.pk]] == [D("0.5")]
    assert world.lead.pk not in mine
