"""Reads of calibration: the case report and each inspector's calibration standing.

Definitions (the report's help text says the same):
- 与参考分偏差 of an element: the inspector's score minus the reference score; elements the inspector
  left unscored, or without a reference score, are skipped.
- 与同行偏差 of an element: the inspector's score minus the mean of the other submitted inspectors'
  scores of that element (leave-one-out); skipped when nobody else scored it.
- 平均绝对偏差 (MAD): the mean of |与参考分偏差| over the elements counted (n);
  宽严度 (leniency): the mean of the signed 与参考分偏差 (> 0 lenient, < 0 strict).
Only submitted scorecards count; a draft is listed as 未提交.
A round's calibration requirement (Round.calibration_max_mad) is met by an inspector with at least
one submitted calibration whose MAD is at most the threshold; their best MAD is shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from evaluation.models import Round, Score, Scorecard
from rubric.selectors import rubric_tree

from .models import CalibrationCase, ReferenceScore

CENT = Decimal("0.01")


def q2(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Summary:
    n: int
    mad: Decimal | None  # unrounded; q2() for display
    leniency: Decimal | None


def deviation_summary(scores: dict, reference: dict) -> Summary:
    """MAD and leniency of one inspector's scores {element: points|None} against the reference."""
    devs = [scores[k] - reference[k] for k in scores if scores[k] is not None and reference.get(k) is not None]
    if not devs:
        return Summary(0, None, None)
    n = Decimal(len(devs))
    return Summary(len(devs), sum((abs(d) for d in devs), Decimal(0)) / n, sum(devs, Decimal(0)) / n)


def peer_deviations(scores_by_inspector: dict) -> dict:
    """{inspector: {element: score − mean of the others' scores}} (leave-one-out; skipped without others)."""
    out: dict = {}
    for who, scores in scores_by_inspector.items():
        row = {}
        for element, points in scores.items():
            if points is None:
                continue
            others = [s[element] for w, s in scores_by_inspector.items()
                      if w != who and s.get(element) is not None]
            if others:
                row[element] = points - sum(others, Decimal(0)) / Decimal(len(others))
        out[who] = row
    return out


# ---------------------------------------------------------------- the case report


@dataclass
class Cell:
    points: Decimal | None
    dev_ref: Decimal | None
    dev_peer: Decimal | None


@dataclass
class InspectorRow:
    card: Scorecard
    submitted: bool
    summary: Summary
    peer_mean: Decimal | None  # mean signed deviation from peers
    cells: dict = field(default_factory=dict)  # element id → Cell


@dataclass
class CaseReport:
    case: CalibrationCase
    elements: list  # rubric Element rows in order
    reference: dict  # element id → points
    rows: list[InspectorRow]

    @property
    def reference_count(self) -> int:
        return len(self.reference)

    def matrix(self) -> list[tuple]:
        """(element, reference points, [Cell per inspector row]) in rubric order, for the table."""
        return [(e, self.reference.get(e.pk), [r.cells[e.pk] for r in self.rows]) for e in self.elements]


def case_reference(*, case: CalibrationCase) -> dict:
    return dict(ReferenceScore.objects.filter(case=case).values_list("element_id", "points"))


def case_report(*, case: CalibrationCase) -> CaseReport:
    """Per inspector and element: score, deviation from the reference and from peers; per inspector
    the summary. A fixed number of queries whatever the number of inspectors."""
    tree = rubric_tree(version=case.round.rubric_version)
    elements = tree.elements
    reference = case_reference(case=case)
    cards = list(Scorecard.objects.filter(evaluation_id=case.evaluation_id).select_related("inspector")
                 .order_by("inspector__username"))
    scores: dict = {c.pk: {} for c in cards}
    for card_id, element_id, points in Score.objects.filter(scorecard__in=cards).values_list(
            "scorecard_id", "element_id", "points"):
        scores[card_id][element_id] = points
    submitted = {c.pk: scores[c.pk] for c in cards if c.is_submitted}
    peers = peer_deviations(submitted)
    rows = []
    for card in cards:
        own = scores[card.pk]
        peer = peers.get(card.pk, {})
        cells = {}
        for e in elements:
            p = own.get(e.pk)
            ref = reference.get(e.pk)
            cells[e.pk] = Cell(p, None if p is None or ref is None else p - ref, peer.get(e.pk))
        peer_values = list(peer.values())
        rows.append(InspectorRow(
            card=card, submitted=card.is_submitted,
            summary=deviation_summary(own, reference) if card.is_submitted else Summary(0, None, None),
            peer_mean=(sum(peer_values, Decimal(0)) / len(peer_values)) if peer_values else None,
            cells=cells,
        ))
    return CaseReport(case=case, elements=elements, reference=reference, rows=rows)


def cases_overview():
    """Every case with its round, school and counts (admin list)."""
    from django.db.models import Count, Q

    return (CalibrationCase.objects.select_related("round__rubric_version", "evaluation__school")
            .annotate(members=Count("evaluation__scorecards", distinct=True),
                      submitted=Count("evaluation__scorecards", distinct=True,
                                      filter=Q(evaluation__scorecards__status=Scorecard.Status.SUBMITTED)),
                      reference_count=Count("references", distinct=True)))


# ---------------------------------------------------------------- standing of inspectors


@dataclass
class Result:
    case_id: int
    title: str
    summary: Summary


def inspector_results(*, inspector_ids) -> dict[int, list[Result]]:
    """Each inspector's submitted calibrations with their summary (three queries)."""
    cards = list(Scorecard.objects.filter(
        inspector_id__in=list(inspector_ids), status=Scorecard.Status.SUBMITTED,
        evaluation__round__kind=Round.Kind.CALIBRATION,
    ).values_list("pk", "inspector_id", "evaluation_id"))
    cases = {ev_id: (pk, name) for pk, ev_id, name in CalibrationCase.objects.filter(
        evaluation_id__in={c[2] for c in cards}).values_list("pk", "evaluation_id", "round__name")}
    refs: dict = defaultdict(dict)
    for case_id, element_id, points in ReferenceScore.objects.filter(case_id__in=[c[0] for c in cases.values()]
                                                                     ).values_list("case_id", "element_id", "points"):
        refs[case_id][element_id] = points
    scores: dict = defaultdict(dict)
    for card_id, element_id, points in Score.objects.filter(scorecard_id__in=[c[0] for c in cards]).values_list(
            "scorecard_id", "element_id", "points"):
        scores[card_id][element_id] = points
    out: dict = defaultdict(list)
    for card_id, inspector_id, ev_id in cards:
        if ev_id not in cases:
            continue
        case_id, title = cases[ev_id]
        out[inspector_id].append(Result(case_id, title, deviation_summary(scores[card_id], refs[case_id])))
    return out


def best_mad(results: list[Result]) -> Decimal | None:
    values = [r.summary.mad for r in results if r.summary.mad is not None]
    return min(values) if values else None


def round_ineligible_inspectors(round, inspectors) -> dict[int, str]:
    """evaluation.hooks provider: who does not meet the round's calibration requirement, and why."""
    threshold = getattr(round, "calibration_max_mad", None)
    if threshold is None or round.is_calibration:
        return {}
    inspectors = list(inspectors)
    results = inspector_results(inspector_ids=[u.pk for u in inspectors])
    out = {}
    for user in inspectors:
        best = best_mad(results.get(user.pk, []))
        if best is None:
            out[user.pk] = _("未完成校准评估")
        elif q2(best) > threshold:
            out[user.pk] = _("校准平均绝对偏差 %(mad)s > %(max)s") % {"mad": f"{q2(best):.2f}", "max": f"{threshold:.2f}"}
    return out
