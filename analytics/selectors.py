"""Read-only figures that show whether a round's results are fair and where schools are weakest.

The definitions (the same words are on the page's help text and in README):

- **Data.** The submitted inspectors' scores of the round's evaluations: draft scorecards are
  excluded, and so are scores left empty. (Calibration evaluations do not exist yet; when they
  do they are excluded here.) Finalized totals and final element scores come from
  `reports.selectors.round_totals`, the one total rule; nothing here re-sums a total.
- **Agreement per element:** Krippendorff's alpha, interval metric, units = evaluations, coders =
  inspectors, missing values allowed (panels differ), with the number of pairable units (units
  with at least two submitted scores); also per A on complete A subtotals and for the total.
  Plain figures beside it: the share of pairable units whose panel agrees exactly, and the share
  within one step (highest − lowest ≤ the element's 评分步长; for an A subtotal or the total, the
  largest step among its elements). Alpha is empty when no unit is pairable or every value is
  the same (0/0).
- **Leniency of an inspector:** over every (evaluation, element) they scored, the mean of their
  score minus the mean of the other submitted panel members' scores for that element
  (leave-one-out; evaluations with no other submitted member are skipped), overall and per A (the
  deviation of their A subtotal from the others' mean A subtotal, over evaluations), with the
  count n and a 95 % t-interval. Flagged when the interval excludes 0 and |deviation| exceeds
  `ANALYTICS_LENIENCY_SHARE` × the points at stake (per A: the A's points; overall: the mean
  standard points of the elements counted).
- **差异系数 (coefficient of variation):** population standard deviation ÷ mean of the finalized
  totals (and of each A's score) of the schools of a district and stage, of each district, and of
  the city, with n; groups with fewer than `ANALYTICS_CV_MIN_SCHOOLS` schools are kept but
  marked `small`.
- **Element score rate:** per element, the mean of final points ÷ standard points over the
  finalized evaluations, overall and by district, stage and location (城区/镇区/乡村), with n.
  Weakest and strongest are the lowest and highest rates, ties in rubric order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext

from evaluation.models import Round, Score, Scorecard
from reports.selectors import RoundRow, round_totals
from rubric.selectors import RubricTree, rubric_tree
from schools.models import School

from .stats import dec, interval_alpha, mean_ci

RATE_PLACES = Decimal("0.0001")


# --------------------------------------------------------------------------- data


class ScoreRow(NamedTuple):
    """One submitted inspector score, as plain values (a tuple: hundreds of thousands per round)."""

    evaluation_id: int
    school_code: str
    district: str
    stage: str
    location: str
    inspector_id: int
    username: str
    inspector_name: str
    element_id: int
    element_code: str
    points: Decimal
    submitted_at: datetime | None


def round_submitted_scores(*, round: Round, school_filter: Q | None = None) -> list[ScoreRow]:
    """Every submitted inspector score of the round (drafts and empty scores excluded), one query.

    `school_filter` is a Q on Evaluation (e.g. a results scope's `school_filter()`).
    """
    qs = Score.objects.filter(
        scorecard__evaluation__round_id=round.pk,
        scorecard__evaluation__round__kind=Round.Kind.ASSESSMENT,  # a calibration case (校准) is never counted
        scorecard__status=Scorecard.Status.SUBMITTED,
        points__isnull=False,
    )
    if school_filter is not None:
        from evaluation.models import Evaluation

        qs = qs.filter(scorecard__evaluation__in=Evaluation.objects.filter(school_filter).values("pk"))
    fields = (
        "scorecard__evaluation_id", "scorecard__evaluation__school__code",
        "scorecard__evaluation__school__district__name", "scorecard__evaluation__school__stage",
        "scorecard__evaluation__school__location", "scorecard__inspector_id", "scorecard__inspector__username",
        "scorecard__inspector__name", "element_id", "element__code", "points", "scorecard__submitted_at",
    )
    ordered = qs.order_by("scorecard__evaluation__school__code", "scorecard__inspector__username",
                          "element__order", "element_id")
    return [ScoreRow(*values) for values in ordered.values_list(*fields)]


def _figure_rows(*, round_id: int, school_filter: Q | None = None) -> list[ScoreRow]:
    """The submitted scores the figures need (ids, inspector, points), one lean query, no order.

    Same rows as round_submitted_scores; the school and time columns (CSV only) are left empty.
    """
    qs = Score.objects.filter(scorecard__evaluation__round_id=round_id,
                              scorecard__evaluation__round__kind=Round.Kind.ASSESSMENT,  # never a 校准 case
                              scorecard__status=Scorecard.Status.SUBMITTED, points__isnull=False)
    if school_filter is not None:
        from evaluation.models import Evaluation

        qs = qs.filter(scorecard__evaluation__in=Evaluation.objects.filter(school_filter).values("pk"))
    values = qs.order_by().values_list("scorecard__evaluation_id", "scorecard__inspector_id",
                                       "scorecard__inspector__username", "scorecard__inspector__name",
                                       "element_id", "points")
    # The ORM's SQL, read through the cursor: a score has a handful of distinct values (its steps), so
    # each raw value becomes a Decimal once (the field's converter would run once per row).
    sql, params = values.query.sql_with_params()
    decimals: dict = {}
    places = Decimal("0.01")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    out = []
    for ev, insp, username, name, el, points in raw:
        value = decimals.get(points)
        if value is None:
            value = decimals[points] = (points if isinstance(points, Decimal) else Decimal(str(points))).quantize(places)
        out.append(ScoreRow(ev, "", "", "", "", insp, username, name, el, "", value, None))
    return out


# --------------------------------------------------------------------------- agreement


@dataclass
class Agreement:
    code: str
    label: str
    step: Decimal
    alpha: Decimal | None
    units: int  # pairable units (evaluations with ≥ 2 submitted scores)
    exact_share: Decimal | None
    within_step_share: Decimal | None


def _share(count: int, total: int) -> Decimal | None:
    return (Decimal(count) / Decimal(total)).quantize(RATE_PLACES) if total else None


def agreement_of(*, code: str, label: str, step: Decimal, units: dict[int, list[Decimal]]) -> Agreement:
    """Alpha (interval), pairable units, exact and within-one-step shares of one set of units."""
    pairable = [values for values in units.values() if len(values) >= 2]
    exact = sum(1 for values in pairable if max(values) == min(values))
    within = sum(1 for values in pairable if max(values) - min(values) <= step)
    return Agreement(
        code=code, label=label, step=step, alpha=dec(interval_alpha(pairable)), units=len(pairable),
        exact_share=_share(exact, len(pairable)), within_step_share=_share(within, len(pairable)),
    )


def _cards(rows: list[ScoreRow]) -> dict[tuple[int, int], dict[int, Decimal]]:
    cards: dict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)
    for r in rows:
        cards[(r.evaluation_id, r.inspector_id)][r.element_id] = r.points
    return cards


def _subtotals(cards, element_ids: list[int]) -> dict[tuple[int, int], Decimal]:
    """Each card's sum over the given elements, only where the card scored all of them."""
    out = {}
    for key, points in cards.items():
        if all(el in points for el in element_ids):
            out[key] = sum((points[el] for el in element_ids), Decimal("0"))
    return out


def _units(subtotals: dict[tuple[int, int], Decimal]) -> dict[int, list[Decimal]]:
    units: dict[int, list[Decimal]] = defaultdict(list)
    for (ev_id, _inspector), value in subtotals.items():
        units[ev_id].append(value)
    return units


def element_agreement(*, rows: list[ScoreRow], tree: RubricTree) -> list[Agreement]:
    """Agreement per element, in rubric order (the page sorts worst first)."""
    by_element: dict[int, dict[int, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        by_element[r.element_id][r.evaluation_id].append(r.points)
    return [agreement_of(code=el.code, label=el.text, step=el.step, units=by_element.get(el.id, {}))
            for el in tree.elements]


def dimension_agreement(*, rows: list[ScoreRow], tree: RubricTree,
                        cards: dict | None = None) -> list[Agreement]:
    """Agreement on each inspector's A subtotals (complete subtotals only)."""
    cards = cards if cards is not None else _cards(rows)
    out = []
    for dim in tree.dimensions:
        ids = [el.id for el in dim.elements]
        step = max((el.step for el in dim.elements), default=Decimal("0"))
        out.append(agreement_of(code=dim.code, label=dim.name, step=step, units=_units(_subtotals(cards, ids))))
    return out


def total_agreement(*, rows: list[ScoreRow], tree: RubricTree, cards: dict | None = None) -> Agreement:
    """Agreement on each inspector's total (complete scorecards only)."""
    cards = cards if cards is not None else _cards(rows)
    ids = [el.id for el in tree.elements]
    step = max((el.step for el in tree.elements), default=Decimal("0"))
    return agreement_of(code="total", label=gettext("总分"), step=step, units=_units(_subtotals(cards, ids)))


# --------------------------------------------------------------------------- leniency


@dataclass
class Deviation:
    mean_deviation: Decimal | None
    ci_low: Decimal | None
    ci_high: Decimal | None
    n: int
    threshold: Decimal | None
    flagged: bool


@dataclass
class Leniency:
    inspector_id: int
    username: str
    name: str
    overall: Deviation
    by_dimension: dict[str, Deviation] = field(default_factory=dict)


def _loo(groups: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Leave-one-out deviation of each value from the mean of the others in its group.

    Returns (mask of values that have at least one other in their group, deviations).
    """
    _uniq, inverse = np.unique(groups, return_inverse=True)
    sums = np.bincount(inverse, weights=values)
    counts = np.bincount(inverse)[inverse]
    ok = counts >= 2
    others = np.zeros_like(values)
    others[ok] = (sums[inverse][ok] - values[ok]) / (counts[ok] - 1)
    return ok, values - others


def deviation_of(values: np.ndarray, *, threshold: Decimal | None) -> Deviation:
    """Mean deviation, 95 % t-interval, n, and the flag (interval excludes 0 and |mean| > threshold)."""
    if len(values) == 0:
        return Deviation(None, None, None, 0, threshold, False)
    mean, low, high = mean_ci(values)
    mean_d, low_d, high_d = dec(mean), dec(low), dec(high)
    excludes_zero = low_d is not None and (low_d > 0 or high_d < 0)
    flagged = bool(excludes_zero and threshold is not None and abs(mean_d) > threshold)
    return Deviation(mean_d, low_d, high_d, len(values), threshold, flagged)


def inspector_leniency(*, rows: list[ScoreRow], tree: RubricTree, share: Decimal | None = None,
                       cards: dict | None = None) -> list[Leniency]:
    """Each inspector's leave-one-out deviation, overall and per A, by username."""
    share = settings.ANALYTICS_LENIENCY_SHARE if share is None else share
    if not rows:
        return []
    points_of = {el.id: el.points for el in tree.elements}
    n_el = max(points_of, default=0) + 1
    ev = np.array([r.evaluation_id for r in rows], dtype=np.int64)
    el = np.array([r.element_id for r in rows], dtype=np.int64)
    insp = np.array([r.inspector_id for r in rows], dtype=np.int64)
    # float(Decimal) is the nearest double, as parsing its string would be.
    vals = np.fromiter((float(r.points) for r in rows), dtype=np.float64, count=len(rows))
    std_float = {k: float(v) for k, v in points_of.items()}
    std_pts = np.fromiter((std_float.get(r.element_id, 0.0) for r in rows), dtype=np.float64, count=len(rows))
    ok, devs = _loo(ev * n_el + el, vals)

    people = {}
    for r in rows:
        people.setdefault(r.inspector_id, (r.username, r.inspector_name))

    cards = cards if cards is not None else _cards(rows)
    per_dim: dict[str, dict[int, np.ndarray]] = {}
    for dim in tree.dimensions:
        subtotals = _subtotals(cards, [e.id for e in dim.elements])
        if not subtotals:
            per_dim[dim.code] = {}
            continue
        keys = list(subtotals)
        d_ev = np.array([k[0] for k in keys], dtype=np.int64)
        d_insp = np.array([k[1] for k in keys], dtype=np.int64)
        d_vals = np.array([str(subtotals[k]) for k in keys]).astype(np.float64)
        d_ok, d_devs = _loo(d_ev, d_vals)
        per_dim[dim.code] = {pid: d_devs[d_ok & (d_insp == pid)] for pid in people}

    out = []
    for pid, (username, name) in people.items():
        mine = ok & (insp == pid)
        threshold = None
        if mine.any():
            threshold = (share * dec(np.mean(std_pts[mine]).item())).quantize(RATE_PLACES)
        by_dimension = {}
        for dim in tree.dimensions:
            dim_threshold = (share * dim.points).quantize(RATE_PLACES)
            values = per_dim[dim.code].get(pid, np.array([]))
            by_dimension[dim.code] = deviation_of(values, threshold=dim_threshold)
        out.append(Leniency(inspector_id=pid, username=username, name=name or username,
                            overall=deviation_of(devs[mine], threshold=threshold), by_dimension=by_dimension))
    out.sort(key=lambda x: x.username)
    return out


# --------------------------------------------------------------------------- 差异系数


@dataclass
class Spread:
    n: int
    mean: Decimal | None
    sd: Decimal | None
    cv: Decimal | None


@dataclass
class CVGroup:
    level: str  # "district_stage", "district" or "city"
    district: str | None
    stage: str | None
    stage_label: str | None
    n: int
    small: bool
    total: Spread
    by_dimension: dict[str, Spread]
    schools: list[str]

    @property
    def mean(self):
        return self.total.mean

    @property
    def sd(self):
        return self.total.sd

    @property
    def cv(self):
        return self.total.cv


def spread(values: list[Decimal]) -> Spread:
    """Mean, population SD and CV (SD ÷ mean) of Decimal values, in Decimal arithmetic."""
    n = len(values)
    if not n:
        return Spread(0, None, None, None)
    mean = sum(values, Decimal("0")) / n
    variance = sum(((v - mean) ** 2 for v in values), Decimal("0")) / n
    sd = variance.sqrt()
    cv = (sd / mean).quantize(RATE_PLACES) if mean else None
    return Spread(n, mean.quantize(RATE_PLACES), sd.quantize(RATE_PLACES), cv)


def _group(level, district, stage, rows: list[RoundRow], codes, min_n) -> CVGroup:
    return CVGroup(
        level=level, district=district, stage=stage,
        stage_label=str(School.Stage(stage).label) if stage in School.Stage.values else stage,
        n=len(rows), small=len(rows) < min_n, total=spread([r.total for r in rows]),
        by_dimension={c: spread([r.dimensions[c] for r in rows]) for c in codes},
        schools=[r.school.code for r in sorted(rows, key=lambda r: r.school.code)],
    )


def round_cv(*, rows: list[RoundRow], codes: list[str], min_n: int | None = None) -> list[CVGroup]:
    """差异系数 of finalized totals per district+stage, per district (after its stages), then the city."""
    min_n = settings.ANALYTICS_CV_MIN_SCHOOLS if min_n is None else min_n
    final = [r for r in rows if not r.provisional]
    districts: dict[int, list[RoundRow]] = defaultdict(list)
    for r in final:
        districts[r.school.district.id].append(r)
    stages = list(School.Stage.values)
    out = []
    for _d_id, group in sorted(districts.items(), key=lambda item: (item[1][0].school.district.order,
                                                                    item[1][0].school.district.code)):
        name = group[0].school.district.name
        by_stage: dict[str, list[RoundRow]] = defaultdict(list)
        for r in group:
            by_stage[r.school.stage].append(r)
        for stage in sorted(by_stage, key=lambda s: stages.index(s) if s in stages else len(stages)):
            out.append(_group("district_stage", name, stage, by_stage[stage], codes, min_n))
        out.append(_group("district", name, None, group, codes, min_n))
    out.append(_group("city", None, None, final, codes, min_n))
    return out


# --------------------------------------------------------------------------- element score rates


@dataclass
class Rate:
    rate: Decimal | None
    n: int


@dataclass
class ElementRate:
    code: str
    text: str
    points: Decimal
    order: int  # position in the rubric, for ties
    rate: Decimal | None
    n: int
    by_district: dict[str, Rate]
    by_stage: dict[str, Rate]
    by_location: dict[str, Rate]


def _rate(values: list[Decimal], points: Decimal) -> Rate:
    if not values:
        return Rate(None, 0)
    return Rate((sum(values, Decimal("0")) / (len(values) * points)).quantize(RATE_PLACES), len(values))


def element_rates(*, rows: list[RoundRow], tree: RubricTree) -> list[ElementRate]:
    """Mean score rate (final ÷ standard points) of each element over finalized evaluations."""
    final = [r for r in rows if not r.provisional and r.element_points is not None]
    out = []
    for position, el in enumerate(tree.elements):
        values: list[Decimal] = []
        groups: dict[str, dict[str, list[Decimal]]] = {"district": defaultdict(list), "stage": defaultdict(list),
                                                       "location": defaultdict(list)}
        for r in final:
            value = r.element_points.get(el.id)
            if value is None:
                continue
            values.append(value)
            groups["district"][r.school.district.name].append(value)
            groups["stage"][r.school.stage].append(value)
            groups["location"][r.school.location].append(value)
        total = _rate(values, el.points)
        out.append(ElementRate(
            code=el.code, text=el.text, points=el.points, order=position, rate=total.rate, n=total.n,
            by_district={k: _rate(v, el.points) for k, v in groups["district"].items()},
            by_stage={s: _rate(groups["stage"][s], el.points) for s in School.Stage.values if s in groups["stage"]},
            by_location={loc: _rate(groups["location"][loc], el.points)
                         for loc in School.Location.values if loc in groups["location"]},
        ))
    return out


def weakest_elements(rates: list[ElementRate], count: int = 10) -> list[ElementRate]:
    """The lowest score rates (elements without finalized scores left out), ties in rubric order."""
    return sorted((r for r in rates if r.rate is not None), key=lambda r: (r.rate, r.order))[:count]


def strongest_elements(rates: list[ElementRate], count: int = 10) -> list[ElementRate]:
    """The highest score rates, ties in rubric order."""
    return sorted((r for r in rates if r.rate is not None), key=lambda r: (-r.rate, r.order))[:count]


# --------------------------------------------------------------------------- the whole document


@dataclass
class RoundAnalytics:
    round: Round
    tree: RubricTree
    agreement: list[Agreement]
    agreement_by_dimension: list[Agreement]
    agreement_total: Agreement
    leniency: list[Leniency]
    cv: list[CVGroup]
    elements: list[ElementRate]
    totals: list[RoundRow] = field(default_factory=list, repr=False)  # the round's rows, for filtered rates

    @property
    def agreement_worst_first(self) -> list[Agreement]:
        """Lowest alpha first; elements without an alpha last, each in rubric order."""
        ranked = [a for a in self.agreement if a.alpha is not None]
        return sorted(ranked, key=lambda a: a.alpha) + [a for a in self.agreement if a.alpha is None]

    def district_names(self) -> list[str]:
        """The districts of the finalized schools in view, in the districts' order (the filter's choices)."""
        seen = {r.school.district.name: (r.school.district.order, r.school.district.code)
                for r in self.totals if not r.provisional}
        return sorted(seen, key=lambda name: seen[name])

    def elements_where(self, *, district: str = "", stage: str = "", location: str = "") -> list[ElementRate]:
        """Element score rates over the finalized schools of one district, stage and/or location (empty = all)."""
        if not (district or stage or location):
            return self.elements
        rows = [r for r in self.totals
                if (not district or r.school.district.name == district) and (not stage or r.school.stage == stage)
                and (not location or r.school.location == location)]
        return element_rates(rows=rows, tree=self.tree)

    @property
    def weakest(self) -> list[ElementRate]:
        return weakest_elements(self.elements)

    @property
    def strongest(self) -> list[ElementRate]:
        return strongest_elements(self.elements)


def round_analytics(*, round: Round, school_filter: Q | None = None, tree: RubricTree | None = None,
                    leniency_share: Decimal | None = None, cv_min_schools: int | None = None) -> RoundAnalytics:
    """Agreement, leniency, 差异系数 and element rates of a round in a constant number of queries.

    `school_filter` (a Q on Evaluation) narrows everything to a results scope.
    """
    tree = tree or rubric_tree(version=round.rubric_version)
    rows = _figure_rows(round_id=round.pk, school_filter=school_filter)
    cards = _cards(rows)
    totals = round_totals(round=round, tree=tree, school_filter=school_filter, with_elements=True)
    codes = [d.code for d in tree.dimensions]
    return RoundAnalytics(
        round=round,
        tree=tree,
        agreement=element_agreement(rows=rows, tree=tree),
        agreement_by_dimension=dimension_agreement(rows=rows, tree=tree, cards=cards),
        agreement_total=total_agreement(rows=rows, tree=tree, cards=cards),
        leniency=inspector_leniency(rows=rows, tree=tree, share=leniency_share, cards=cards),
        cv=round_cv(rows=totals, codes=codes, min_n=cv_min_schools),
        elements=element_rates(rows=totals, tree=tree),
        totals=totals,
    )


# --------------------------------------------------------------------------- the lead's consolidation page


def consolidation_hints(evaluation, tree: RubricTree) -> dict[str, dict]:
    """Each element's agreement in the round so far and each panel member's leniency, for the lead's page.

    Registered as evaluation.hooks' round quality. Same data and definitions as the analytics page
    (submitted scores of the whole round, all districts: the lead weighs their panel against it), read
    in one query of plain ids and points.
    """
    rows = _figure_rows(round_id=evaluation.round_id)
    return {
        "elements": {a.code: a for a in element_agreement(rows=rows, tree=tree)},
        "inspectors": {x.inspector_id: x.overall for x in inspector_leniency(rows=rows, tree=tree)},
    }
