"""Reads of 整改与复核, always through the one visibility rule (accounts.scopes.rectification_items_visible_to).

Public selectors other apps may use (the school story page, the scoring workspace):
- `items_for_school(user, school)`: the items of one school the user may see, every round.
- `items_by_element(user, *, school, round)`: {element code: [items]} of one school in one round.
- `ledger(user, filters, today)` and `ledger_counts(rows)`: the 整改台账 and its counts.
- `low_score_candidates(evaluation, rate)`: elements whose final score rate is below a rate (from the
  one totals selector, reports.selectors.evaluation_totals; never re-summed here).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q

from accounts import scopes
from reports.selectors import evaluation_totals

from .models import RectificationItem, RectificationReview

STATUSES = RectificationItem.Status


def with_last_review(qs):
    return qs.prefetch_related(Prefetch("reviews", queryset=RectificationReview.objects.order_by("at", "id"),
                                        to_attr="review_list"))


def last_review(item) -> RectificationReview | None:
    """The latest 复核 of an item (from the prefetched list when there is one)."""
    reviews = getattr(item, "review_list", None)
    if reviews is None:
        return item.reviews.order_by("-at", "-id").first()
    return reviews[-1] if reviews else None


def items_for_school(user, school):
    """Items of one school the user may see, every round, oldest round first, with their reviews."""
    qs = scopes.rectification_items_visible_to(user).filter(evaluation__school=school)
    return with_last_review(qs).order_by("evaluation__round__year", "evaluation__round_id", "deadline", "id")


def items_by_element(user, *, school, round) -> dict[str, list[RectificationItem]]:
    """{element code: [items on it]} of one school in one round, as the user may see them."""
    out: dict[str, list[RectificationItem]] = defaultdict(list)
    qs = scopes.rectification_items_visible_to(user).filter(evaluation__school=school, evaluation__round=round)
    for item in with_last_review(qs).order_by("deadline", "id"):
        for code in item.element_codes:
            out[code].append(item)
    return dict(out)


def items_on_elements(evaluation) -> dict[str, list[RectificationItem]]:
    """{element code: [items]} raised on one finalized evaluation, for the school's next round's scoring
    pages (registered as evaluation.hooks' previous-element notes). Not filtered by user: whoever may
    open the later round's scorecard or consolidation (checked by that view) sees what the school was
    asked to rectify on the element. One query."""
    out: dict[str, list[RectificationItem]] = defaultdict(list)
    for item in RectificationItem.objects.filter(evaluation=evaluation).order_by("deadline", "id"):
        for code in item.element_codes:
            out[code].append(item)
    return dict(out)


def creatable_evaluations(user):
    """Finalized evaluations the user may raise items on: an admin any, a lead (while an inspector) theirs."""
    from accounts import roles
    from evaluation.models import Evaluation

    qs = Evaluation.objects.assessed().filter(status=Evaluation.Status.FINALIZED).select_related("round", "school__district")
    if not roles.is_admin(user):
        if not roles.is_inspector(user):
            return qs.none()
        qs = qs.filter(scorecards__inspector=user, scorecards__is_lead=True)
    return qs.order_by("-round__year", "-round_id", "school__district__order", "school__code")


def items_of_evaluation(*, evaluation):
    """Every item raised on one evaluation (the creation page lists them)."""
    return RectificationItem.objects.filter(evaluation=evaluation).order_by("deadline", "id")


def item_history(*, item) -> dict:
    """An item's reports (with their files), reviews and transitions, oldest first."""
    return {
        "reports": list(item.reports.select_related("by").prefetch_related("evidence")),
        "reviews": list(item.reviews.select_related("by")),
        "transitions": list(item.transitions.select_related("by")),
    }


@dataclass
class Candidate:
    """A proposal on the creation page: the opinion's 存在问题 or one low-scoring element."""

    source: str
    problem: str
    element_codes: list[str] = field(default_factory=list)
    rate: Decimal | None = None
    points: Decimal | None = None
    standard: Decimal | None = None


def low_score_candidates(*, evaluation, rate: Decimal) -> list[Candidate]:
    """Elements whose final score is below `rate` percent of their standard points (lowest first)."""
    totals = evaluation_totals(evaluation=evaluation)
    lines = [line for line in totals.lines if line.points is not None and line.ratio < rate]
    lines.sort(key=lambda line: line.ratio)
    return [Candidate(source=RectificationItem.Source.LOW_SCORE, problem=line.element.text,
                      element_codes=[line.element.code], rate=line.ratio, points=line.points,
                      standard=line.element.points) for line in lines]


def opinion_candidate(*, evaluation) -> Candidate | None:
    """The panel opinion's 存在问题, when written."""
    from evaluation.models import PanelOpinion

    opinion = PanelOpinion.objects.filter(evaluation=evaluation).first()
    if opinion is None or not opinion.problems.strip():
        return None
    return Candidate(source=RectificationItem.Source.OPINION, problem=opinion.problems)


# ---------------------------------------------------------------- 整改台账


@dataclass(frozen=True)
class LedgerFilters:
    round_id: int | None = None
    district_id: int | None = None
    school_id: int | None = None
    status: str = ""
    overdue_only: bool = False


def ledger(user, *, filters: LedgerFilters, today: date):
    """The 整改台账 rows the user may see, filtered; each with its last review prefetched."""
    qs = scopes.rectification_items_visible_to(user)
    if filters.round_id:
        qs = qs.filter(evaluation__round_id=filters.round_id)
    if filters.district_id:
        qs = qs.filter(evaluation__school__district_id=filters.district_id)
    if filters.school_id:
        qs = qs.filter(evaluation__school_id=filters.school_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.overdue_only:
        qs = qs.filter(overdue_q(today))
    return list(with_last_review(qs))


def overdue_q(today: date) -> Q:
    """逾期 as a filter: deadline passed, not 复核通过 (RectificationItem.is_overdue)."""
    return Q(deadline__lt=today) & ~Q(status=STATUSES.PASSED)


@dataclass
class CountRow:
    label: str
    counts: dict[str, int]
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def ledger_counts(rows, *, today: date) -> dict[str, list[CountRow]]:
    """Counts by status (and overdue) per round, per district and per school, of the given ledger rows."""
    groups = {
        "round": lambda i: i.evaluation.round.name,
        "district": lambda i: i.evaluation.school.district.name,
        "school": lambda i: f"{i.evaluation.school.district.name} · {i.evaluation.school.name}",
    }
    out = {}
    for name, key in groups.items():
        by: dict[str, CountRow] = {}
        for item in rows:
            label = key(item)
            row = by.setdefault(label, CountRow(label=label, counts={s: 0 for s in STATUSES.values}))
            row.counts[item.status] += 1
            row.overdue += item.is_overdue(today)
        out[name] = list(by.values())
    return out


def status_rows(items, *, today: date) -> list[dict]:
    """The plain rows the CLI and exports write: one per item."""
    rows = []
    for item in items:
        review = last_review(item)
        rows.append({
            "school": item.evaluation.school.name,
            "school_code": item.evaluation.school.code,
            "district": item.evaluation.school.district.name,
            "round": item.evaluation.round.name,
            "elements": list(item.element_codes),
            "problem": item.problem,
            "deadline": item.deadline.isoformat(),
            "status": item.get_status_display(),
            "overdue": item.is_overdue(today),
            "last_review": review.get_outcome_display() if review else "",
        })
    return rows
