"""The public reads other pages use: items_for_school, items_by_element, ledger counts, candidates."""

from datetime import date
from decimal import Decimal

from evaluation.models import Round
from rectification import selectors
from tests.rectification.conftest import create, report, review


def test_items_for_school_follow_visibility(rect):
    a = create(rect)
    create(rect, evaluation=rect.other_evaluation, by=rect.admin, problem="碑林")
    assert list(selectors.items_for_school(rect.admin, rect.school)) == [a]
    assert list(selectors.items_for_school(rect.official, rect.school)) == [a]
    assert list(selectors.items_for_school(rect.other_official, rect.school)) == []
    assert list(selectors.items_for_school(rect.school_user, rect.school)) == [a]
    assert list(selectors.items_for_school(rect.other_school_user, rect.school)) == []
    assert list(selectors.items_for_school(rect.alice, rect.school)) == [a]  # on the panel
    assert list(selectors.items_for_school(rect.bob, rect.school)) == []
    Round.objects.filter(pk=rect.round.pk).update(results_published_to_schools=False)
    assert list(selectors.items_for_school(rect.school_user, rect.school)) == []


def test_items_by_element_and_the_last_review(rect):
    a = create(rect, element_codes="C1, C2")
    b = create(rect, element_codes="C2")
    create(rect, element_codes="")
    report(rect, a)
    review(rect, a, outcome="failed", note="再改")
    by_code = selectors.items_by_element(rect.lead, school=rect.school, round=rect.round)
    assert set(by_code) == {"C1", "C2"} and by_code["C1"] == [a] and set(by_code["C2"]) == {a, b}
    assert selectors.last_review(by_code["C1"][0]).outcome == "failed"
    assert selectors.last_review(b) is None
    assert selectors.items_by_element(rect.other_official, school=rect.school, round=rect.round) == {}


def test_low_score_candidates_come_from_the_totals_selector(rect):
    found = selectors.low_score_candidates(evaluation=rect.evaluation, rate=Decimal("60"))
    assert [c.element_codes for c in found] == [["C1"]] and found[0].rate == Decimal("20.00")
    assert selectors.low_score_candidates(evaluation=rect.evaluation, rate=Decimal("20")) == []
    assert selectors.opinion_candidate(evaluation=rect.evaluation).problem == "课程评价机制有待完善。"


def test_ledger_counts_by_status_and_overdue(rect):
    a = create(rect)
    create(rect, deadline=date(2026, 11, 5))
    create(rect, evaluation=rect.other_evaluation, by=rect.admin)
    report(rect, a)
    review(rect, a)
    rows = selectors.ledger(rect.admin, filters=selectors.LedgerFilters(), today=date(2026, 11, 10))
    counts = selectors.ledger_counts(rows, today=date(2026, 11, 10))
    (round_row,) = counts["round"]
    assert round_row.counts == {"pending": 2, "reported": 0, "passed": 1, "failed": 0}
    assert round_row.total == 3 and round_row.overdue == 1
    by_district = {r.label: (r.total, r.overdue) for r in counts["district"]}
    assert by_district == {"雁塔区": (2, 1), "碑林区": (1, 0)}
    assert len(counts["school"]) == 2
