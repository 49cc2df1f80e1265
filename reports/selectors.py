"""Read-only queries for results: the one place where totals and ranks are computed.

Pages, PDFs, workbooks and the CLI all call `evaluation_totals` / `round_totals`, so the
numbers agree everywhere. Which scores count is the total rule of `evaluation.totals`
(final total: the lead's final scores; provisional total, labelled 暂定: per element the lead's
final score where set, else the consolidation of the submitted scorecards — of every scorecard
while none is submitted). Nothing here hard-codes the rubric's shape: A/B/C codes, counts and
points all come from the round's frozen rubric version.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, IntegerField, Q, Sum
from django.db.models.functions import Cast
from django.db.models.functions import Round as Round2

from evaluation.models import Evaluation, FinalScore, Round, Score, Scorecard
from evaluation.selectors import OpinionView, evaluation_opinion, evaluation_visit_dates, round_status_rows
from evaluation.totals import CENT, RULE, TreeSums, evaluation_points, q2, sum_tree  # noqa: F401 (re-exported)
from rubric.selectors import RubricTree, rubric_tree
from schools.models import School

ZERO = Decimal("0.00")


# --------------------------------------------------------------------------- pure arithmetic


def competition_ranks(totals: list[Decimal]) -> list[int]:
    """Standard competition ranking of the given totals (1, 2, 2, 4), highest first.

    Returns the rank of each input position; the input order is kept.
    """
    order = sorted(range(len(totals)), key=lambda i: totals[i], reverse=True)
    ranks = [0] * len(totals)
    previous = None
    for position, index in enumerate(order, start=1):
        if previous is None or totals[index] != totals[previous]:
            rank = position
        ranks[index] = rank
        previous = index
    return ranks


def _element_dimension_map(tree: RubricTree) -> dict[int, str]:
    return {e.id: dim.code for dim in tree.dimensions for e in dim.elements}


# --------------------------------------------------------------------------- one evaluation


@dataclass
class ElementLine:
    element: object
    indicator: object
    dimension: object
    points: Decimal | None  # final (or provisional consolidated) score
    final_note: str = ""
    inspector_points: list[Decimal | None] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (inspector name, note)

    @property
    def ratio(self) -> Decimal:
        return q2((self.points or 0) / self.element.points * 100)


@dataclass
class InspectorTotals:
    scorecard: Scorecard
    name: str
    is_lead: bool
    submitted: bool
    sums: TreeSums
    scored: int


@dataclass
class EvaluationTotals:
    evaluation: Evaluation
    round: Round
    school: object
    tree: RubricTree
    provisional: bool
    lines: list[ElementLine]
    sums: TreeSums
    inspectors: list[InspectorTotals]

    @property
    def total(self) -> Decimal:
        return self.sums.total

    @property
    def dimensions(self) -> dict[str, Decimal]:
        return self.sums.dimensions

    @property
    def indicators(self) -> dict[str, Decimal]:
        return self.sums.indicators

    @property
    def scored(self) -> int:
        """How many elements count towards the total (0: nothing scored, not ranked)."""
        return self.sums.scored

    @property
    def passed(self) -> bool | None:
        """Whether the total reaches the round's pass mark (认定分数线); None without one or
        while nothing is scored. Provisional while `provisional`."""
        if self.round.pass_mark is None or not self.sums.scored:
            return None
        return self.sums.total >= self.round.pass_mark

    def weakest(self, count: int = 10) -> list[ElementLine]:
        """Elements with the lowest score ratio (ties in rubric order)."""
        scored = [line for line in self.lines if line.points is not None]
        return sorted(scored, key=lambda line: line.ratio)[:count]


def evaluation_totals(*, evaluation: Evaluation, tree: RubricTree | None = None, blank: bool = False) -> EvaluationTotals:
    """B1…, A1… and total of one evaluation, plus each inspector's own totals.

    The per-element points follow the total rule (`evaluation.totals`): final scores once
    finalized; before that (provisional, 暂定) the lead's final scores already set, else the
    consolidation of the submitted scorecards (of all while none is submitted). `blank` gives
    the empty paper form.
    """
    ev = (
        Evaluation.objects.select_related("round__rubric_version", "school__district")
        .get(pk=evaluation.pk)
    )
    tree = tree or rubric_tree(version=ev.round.rubric_version)
    scorecards = list(
        Scorecard.objects.filter(evaluation=ev).select_related("inspector").order_by("-is_lead", "inspector__username")
    )
    per_card: dict[int, dict[int, Score]] = defaultdict(dict)
    finals = {}
    if not blank:
        for score in Score.objects.filter(scorecard__evaluation=ev).only(
            "id", "scorecard_id", "element_id", "points", "note"
        ):
            per_card[score.scorecard_id][score.element_id] = score
        finals = {fs.element_id: fs for fs in FinalScore.objects.filter(evaluation=ev).only("element_id", "points", "note")}
    element_points: dict[int, Decimal] = {}
    if not blank:
        element_points = evaluation_points(
            finalized=ev.is_finalized,
            finals={pk: fs.points for pk, fs in finals.items()},
            scores={card.id: {el: s.points for el, s in per_card[card.id].items()} for card in scorecards},
            cards=[(card.id, card.is_submitted) for card in scorecards],
            method=ev.round.consolidation,
        )

    lines: list[ElementLine] = []
    for dim in tree.dimensions:
        for ind in dim.indicators:
            for el in ind.elements:
                inspector_points = [
                    per_card[card.id][el.id].points if el.id in per_card[card.id] else None for card in scorecards
                ]
                value = element_points.get(el.id)
                notes = [
                    (card.inspector.display_name, per_card[card.id][el.id].note)
                    for card in scorecards
                    if el.id in per_card[card.id] and per_card[card.id][el.id].note.strip()
                ]
                lines.append(
                    ElementLine(
                        element=el,
                        indicator=ind,
                        dimension=dim,
                        points=q2(value) if value is not None else None,
                        final_note=finals[el.id].note if el.id in finals else "",
                        inspector_points=inspector_points,
                        notes=notes,
                    )
                )
    inspectors = []
    for card in scorecards:
        own = {el_id: s.points for el_id, s in per_card[card.id].items()}
        sums = sum_tree(tree, own)
        inspectors.append(
            InspectorTotals(
                scorecard=card,
                name=card.inspector.display_name,
                is_lead=card.is_lead,
                submitted=card.is_submitted,
                sums=sums,
                scored=sums.scored,
            )
        )
    return EvaluationTotals(
        evaluation=ev,
        round=ev.round,
        school=ev.school,
        tree=tree,
        provisional=not blank and not ev.is_finalized,
        lines=lines,
        sums=sum_tree(tree, element_points),
        inspectors=inspectors,
    )


# --------------------------------------------------------------------------- a whole round


@dataclass(frozen=True)
class DistrictInfo:
    id: int
    code: str
    name: str
    order: int

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class SchoolInfo:
    """The school fields results need, read as plain values (thousands of rows per page)."""

    id: int
    code: str
    name: str
    stage: str
    location: str
    district: DistrictInfo

    @property
    def district_id(self) -> int:
        return self.district.id

    def get_stage_display(self) -> str:
        return str(School.Stage(self.stage).label) if self.stage in School.Stage.values else self.stage

    def get_location_display(self) -> str:
        return str(School.Location(self.location).label) if self.location in School.Location.values else self.location

    def __str__(self):
        return f"{self.name}（{self.code}）"


@dataclass
class RoundRow:
    evaluation_id: int
    school: SchoolInfo
    status: str
    provisional: bool
    dimensions: dict[str, Decimal]
    total: Decimal
    rank: int = 0
    district_rank: int = 0  # among the returned rows of the same district
    passed: bool | None = None
    element_points: dict[int, Decimal | None] | None = None


def round_totals(
    *,
    round: Round,
    include_in_progress: bool = False,
    tree: RubricTree | None = None,
    school_filter: Q | None = None,
    with_elements: bool = False,
) -> list[RoundRow]:
    """Totals of every evaluation of a round, ranked, in a fixed number of queries.

    The fast path of `evaluation_totals` (tests/reports/test_totals_rule.py proves them equal).
    Finalized rows are summed by the database (GROUP BY evaluation, dimension) in integer
    cents, so the sums are exact on every backend; in-progress rows (only with
    `include_in_progress`, provisional) follow the same total rule (`evaluation.totals`) in
    Python from two queries. An in-progress evaluation with nothing counted is left out: a
    school with nothing scored is not ranked. Ranks are standard competition ranks over all returned rows;
    `school_filter` (a Q on Evaluation) narrows the schools before ranking.
    """
    tree = tree or rubric_tree(version=round.rubric_version)
    dim_of_element = _element_dimension_map(tree)
    dim_code = {dim.dimension.id: dim.code for dim in tree.dimensions}
    codes = [dim.code for dim in tree.dimensions]

    evaluations = Evaluation.objects.assessed().filter(round_id=round.pk)  # never a calibration case (校准)
    if not include_in_progress:
        evaluations = evaluations.filter(status=Evaluation.Status.FINALIZED)
    if school_filter is not None:
        evaluations = evaluations.filter(school_filter)
    ev_rows = list(evaluations.order_by("school__code").values_list(
        "id", "status", "school_id", "school__code", "school__name", "school__stage", "school__location",
        "school__district_id", "school__district__code", "school__district__name", "school__district__order",
    ))
    districts: dict[int, DistrictInfo] = {}
    finalized = Evaluation.Status.FINALIZED
    has_finalized = any(r[1] == finalized for r in ev_rows)
    progress_ids = {r[0] for r in ev_rows if r[1] != finalized}
    zero = {c: Decimal("0") for c in codes}
    sums: dict[int, dict[str, Decimal]] = {}
    elements: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    unscored: set[int] = set()

    final_q = FinalScore.objects.filter(evaluation__round_id=round.pk, evaluation__status=finalized)
    if school_filter is not None:
        final_q = final_q.filter(evaluation__in=evaluations.values("id"))
    if has_finalized and with_elements:
        for ev_id, el_id, points in final_q.values_list("evaluation_id", "element_id", "points"):
            elements[ev_id][el_id] = points
            row = sums.setdefault(ev_id, dict(zero))
            row[dim_of_element[el_id]] += points
    elif has_finalized:
        cents = Cast(Round2(F("points") * 100), IntegerField())
        grouped = final_q.values_list("evaluation_id", "element__indicator__dimension_id").annotate(
            c=Sum(cents)).order_by()
        cents_by_ev: dict[int, dict[str, int]] = {}
        for ev_id, dim_id, total_cents in grouped:
            per_dim = cents_by_ev.setdefault(ev_id, {})
            per_dim[dim_code[dim_id]] = per_dim.get(dim_code[dim_id], 0) + int(total_cents or 0)
        for ev_id, per_dim in cents_by_ev.items():
            sums[ev_id] = {c: Decimal(per_dim.get(c, 0)).scaleb(-2) for c in codes}

    if progress_ids:
        # The same rule as evaluation_totals, from two queries for all in-progress evaluations.
        scores: dict[int, dict[int, dict[int, Decimal]]] = defaultdict(lambda: defaultdict(dict))
        panels: dict[int, dict[int, bool]] = defaultdict(dict)
        score_q = Score.objects.filter(scorecard__evaluation_id__in=progress_ids).values_list(
            "scorecard__evaluation_id", "scorecard_id", "scorecard__status", "element_id", "points")
        for ev_id, card_id, card_status, el_id, points in score_q:
            panels[ev_id][card_id] = card_status == Scorecard.Status.SUBMITTED
            if points is not None:
                scores[ev_id][card_id][el_id] = points
        # A submitted scorecard is complete (submit requires every element), so it has rows here.
        finals_q = FinalScore.objects.filter(evaluation_id__in=progress_ids).values_list(
            "evaluation_id", "element_id", "points")
        finals: dict[int, dict[int, Decimal]] = defaultdict(dict)
        for ev_id, el_id, points in finals_q:
            finals[ev_id][el_id] = points
        for ev_id in progress_ids:
            points_of = evaluation_points(
                finalized=False, finals=finals.get(ev_id, {}), scores=scores.get(ev_id, {}),
                cards=panels.get(ev_id, {}).items(), method=round.consolidation)
            if not points_of:
                unscored.add(ev_id)  # nothing counted: not ranked
                continue
            row = sums.setdefault(ev_id, dict(zero))
            for el_id, value in points_of.items():
                if with_elements:
                    elements[ev_id][el_id] = value
                row[dim_of_element[el_id]] += value

    rows = []
    for ev_id, status, school_id, code, name, stage, location, d_id, d_code, d_name, d_order in ev_rows:
        if ev_id in unscored:
            continue
        district = districts.get(d_id)
        if district is None:
            district = districts[d_id] = DistrictInfo(id=d_id, code=d_code, name=d_name, order=d_order)
        raw_dims = sums.get(ev_id, zero)
        dims = {c: q2(raw_dims[c]) for c in codes}
        rows.append(
            RoundRow(
                evaluation_id=ev_id,
                school=SchoolInfo(id=school_id, code=code, name=name, stage=stage, location=location,
                                  district=district),
                status=status,
                provisional=ev_id in progress_ids,
                dimensions=dims,
                total=q2(sum(dims.values(), Decimal("0"))),
                element_points=dict(elements[ev_id]) if with_elements else None,
            )
        )
    for row, rank in zip(rows, competition_ranks([r.total for r in rows])):
        row.rank = rank
        row.passed = None if round.pass_mark is None else row.total >= round.pass_mark
    rows.sort(key=lambda r: (r.rank, r.school.code))
    # District officials compare schools within their district as well as city-wide.
    by_district: dict[int, list[RoundRow]] = defaultdict(list)
    for row in rows:
        by_district[row.school.district_id].append(row)
    for group in by_district.values():
        for row, rank in zip(group, competition_ranks([r.total for r in group])):
            row.district_rank = rank
    return rows


# --------------------------------------------------------------------------- overview statistics


def mean(values: list[Decimal]) -> Decimal | None:
    return q2(sum(values, Decimal("0")) / len(values)) if values else None


@dataclass
class Overview:
    count: int
    by_district: list[dict]
    distribution: list[dict]
    by_dimension: list[dict]
    by_location: list[dict]


def round_overview(*, rows: list[RoundRow], tree: RubricTree) -> Overview:
    """Averages per district and dimension, the distribution of totals, and the
    urban/town/rural gap per dimension (as a percentage of the dimension's points)."""
    by_district: dict[str, list[Decimal]] = defaultdict(list)
    for row in rows:
        by_district[row.school.district.name].append(row.total)
    district_rows = [
        {"name": name, "count": len(values), "mean": mean(values)} for name, values in by_district.items()
    ]
    district_rows.sort(key=lambda d: d["mean"], reverse=True)

    top = tree.points or Decimal("100")
    width = top / 10
    buckets = []
    for i in range(10):
        low, high = width * i, width * (i + 1)
        count = sum(1 for r in rows if low <= r.total < high or (i == 9 and r.total == high))
        buckets.append({"label": f"{q2(low).normalize():f}–{q2(high).normalize():f}", "count": count})

    dims = []
    for dim in tree.dimensions:
        values = [r.dimensions[dim.code] for r in rows]
        avg = mean(values)
        dims.append({
            "code": dim.code, "name": dim.name, "points": q2(dim.points), "mean": avg,
            "rate": q2(avg / dim.points * 100) if avg is not None else None,
        })

    locations = []
    for value, label in School.Location.choices:
        subset = [r for r in rows if r.school.location == value]
        rates = {}
        for dim in tree.dimensions:
            avg = mean([r.dimensions[dim.code] for r in subset])
            rates[dim.code] = q2(avg / dim.points * 100) if avg is not None else None
        locations.append({"value": value, "label": str(label), "count": len(subset), "rates": rates})
    for d in dims:
        present = [loc["rates"][d["code"]] for loc in locations if loc["rates"][d["code"]] is not None]
        d["gap"] = q2(max(present) - min(present)) if len(present) >= 2 else None
    return Overview(count=len(rows), by_district=district_rows, distribution=buckets, by_dimension=dims,
                    by_location=locations)


def dimension_means(rows: list[RoundRow], codes: list[str]) -> dict[str, Decimal | None]:
    """The round average of each dimension over the given rows."""
    return {code: mean([r.dimensions[code] for r in rows]) for code in codes}


# --------------------------------------------------------------------------- the officials' round overview

STATUSES = ("not_started", "in_progress", "submitted", "finalized")


@dataclass
class DistrictProgress:
    name: str
    counts: dict[str, int]
    total: int

    @property
    def finalized_pct(self) -> int:
        return round(self.counts["finalized"] * 100 / self.total) if self.total else 0


@dataclass
class RoundProgress:
    round: Round
    total: int
    counts: dict[str, int]
    districts: list[DistrictProgress]
    pass_mark: Decimal | None
    passed: int  # finalized schools at or above the pass mark
    finalized_ranked: int
    passed_provisional: int  # in-progress schools whose provisional total reaches it (暂定)
    provisional_ranked: int


def round_progress(*, round: Round, school_filter: Q | None = None, tree: RubricTree | None = None) -> RoundProgress:
    """What officials see first: the schools in scope by status (not started, in progress, all
    scorecards submitted, finalized), per district, and how many reach the pass mark — final
    totals and, labelled 暂定, provisional ones (the total rule of `round_totals`)."""
    evaluations = Evaluation.objects.assessed().filter(round=round).select_related("school__district")
    if school_filter is not None:
        evaluations = evaluations.filter(school_filter)
    counts = dict.fromkeys(STATUSES, 0)
    by_district: dict[int, tuple[tuple, DistrictProgress]] = {}
    for row in round_status_rows(round=round, evaluations=evaluations):
        counts[row["status"]] += 1
        district = row["evaluation"].school.district
        key = (district.order, district.code)
        entry = by_district.get(district.pk)
        if entry is None:
            entry = by_district[district.pk] = (key, DistrictProgress(name=district.name,
                                                                      counts=dict.fromkeys(STATUSES, 0), total=0))
        entry[1].counts[row["status"]] += 1
        entry[1].total += 1
    rows = round_totals(round=round, include_in_progress=True, tree=tree, school_filter=school_filter)
    final_rows = [r for r in rows if not r.provisional]
    provisional_rows = [r for r in rows if r.provisional]
    return RoundProgress(
        round=round,
        total=sum(counts.values()),
        counts=counts,
        districts=[p for _k, p in sorted(by_district.values(), key=lambda item: item[0])],
        pass_mark=round.pass_mark,
        passed=sum(1 for r in final_rows if r.passed),
        finalized_ranked=len(final_rows),
        passed_provisional=sum(1 for r in provisional_rows if r.passed),
        provisional_ranked=len(provisional_rows),
    )


# --------------------------------------------------------------------------- the school's self-assessment beside


def self_gap(self_points: Decimal | None, panel_points: Decimal | None) -> Decimal | None:
    """自评 − 专家, to the cent: positive where the school rates itself higher than the panel (高估).
    The one gap rule for elements, dimensions and the total (None when either side is missing)."""
    if self_points is None or panel_points is None:
        return None
    return q2(Decimal(self_points) - Decimal(panel_points))


@dataclass
class SelfLine:
    line: ElementLine
    self_points: Decimal | None

    @property
    def gap(self) -> Decimal | None:
        return self_gap(self.self_points, self.line.points)


@dataclass
class SelfDimension:
    dimension: object
    self_sum: Decimal
    panel_sum: Decimal

    @property
    def gap(self) -> Decimal:
        return self_gap(self.self_sum, self.panel_sum)


@dataclass
class SelfComparison:
    """The school's self-scores beside the panel's per element and per A, with the gap (自评 − 专家).
    Both totals come from the total rule (evaluation.totals.sum_tree): the self side summed by it here,
    the panel's taken as evaluation_totals gives it — never re-summed."""

    self_assessment: object
    lines: list[SelfLine]
    dimensions: list[SelfDimension]
    sums: TreeSums
    panel_total: Decimal

    @property
    def self_total(self) -> Decimal:
        return self.sums.total

    @property
    def total_gap(self) -> Decimal:
        return self_gap(self.sums.total, self.panel_total)


def self_comparison(*, totals: EvaluationTotals) -> SelfComparison | None:
    """Self-scores (selfassessment.selectors.self_side) beside the totals of one evaluation; both sums
    come from evaluation.totals.sum_tree. None when the school filed no recommended self-assessment."""
    from selfassessment.selectors import self_side

    side = self_side(evaluation=totals.evaluation)
    if side is None:
        return None
    own = side.points()
    sums = sum_tree(totals.tree, own)
    lines = [SelfLine(line=line, self_points=own.get(line.element.id)) for line in totals.lines]
    dims = [SelfDimension(dimension=d, self_sum=sums.dimensions[d.code], panel_sum=totals.dimensions[d.code])
            for d in totals.tree.dimensions]
    return SelfComparison(self_assessment=side.self_assessment, lines=lines, dimensions=dims, sums=sums,
                          panel_total=totals.total)


# --------------------------------------------------------------------------- 督导评估意见书


@dataclass
class OpinionDocument:
    """What the 督导评估意见书 of one evaluation prints: the totals (by the total rule), the panel's
    opinion, the visit dates and the panel. Renderers only lay this out; nothing is summed there."""

    totals: EvaluationTotals
    opinion: OpinionView
    visit_starts_on: object  # date | None
    visit_ends_on: object  # date | None

    @property
    def evaluation(self) -> Evaluation:
        return self.totals.evaluation

    @property
    def provisional(self) -> bool:
        return self.totals.provisional

    @property
    def lead(self) -> str:
        return next((i.name for i in self.totals.inspectors if i.is_lead), "")

    @property
    def members(self) -> list[str]:
        return [i.name for i in self.totals.inspectors if not i.is_lead]

    @property
    def dimension_rows(self) -> list[tuple]:
        """(dimension node, points) for the A table, in rubric order."""
        return [(d, self.totals.dimensions[d.code]) for d in self.totals.tree.dimensions]


def opinion_document(*, evaluation: Evaluation, tree: RubricTree | None = None,
                     totals: EvaluationTotals | None = None) -> OpinionDocument:
    """The data of one 督导评估意见书 (evaluation_totals + evaluation_opinion + the visit dates);
    `totals` reuses totals already read (the batch export prints the score sheet from the same)."""
    totals = totals or evaluation_totals(evaluation=evaluation, tree=tree)
    starts, ends = evaluation_visit_dates(evaluation=totals.evaluation)
    return OpinionDocument(
        totals=totals,
        opinion=evaluation_opinion(evaluation=totals.evaluation, tree=totals.tree),
        visit_starts_on=starts,
        visit_ends_on=ends,
    )


# --------------------------------------------------------------------------- the district (city) workbook


@dataclass
class DistrictWorkbookData:
    """What the district workbook shows: ranked rows with element points, inspectors per
    evaluation, and the scope's name for the title."""

    round: Round
    tree: RubricTree
    rows: list[RoundRow]
    inspectors: dict[int, list[str]]
    scope_name: str

    @property
    def title(self) -> str:
        from django.utils.translation import gettext as _

        return _("%(round)s %(district)s 评估结果") % {"round": self.round.name, "district": self.scope_name}


def district_workbook_count(*, round: Round, scope, district=None) -> int:
    """How many schools the district workbook of this scope (or one district) has: its finalized
    evaluations (one query; decides whether it is built inline or as a background job)."""
    qs = Evaluation.objects.filter(round=round, status=Evaluation.Status.FINALIZED).filter(scope.school_q())
    if district is not None:
        qs = qs.filter(school__district=district)
    return qs.count()


def district_workbook_data(*, round: Round, scope, district=None) -> DistrictWorkbookData:
    """The rows of the district workbook: the whole scope (accounts.scopes.ResultsScope), or one
    district inside it. Used by the inline download and the background job alike."""
    from django.utils.translation import gettext as _

    tree = rubric_tree(version=round.rubric_version)
    rows = round_totals(round=round, tree=tree, with_elements=True)
    rows = scope.filter_rows(rows)
    if district is not None:
        rows = [r for r in rows if r.school.district_id == district.pk]
    inspectors: dict[int, list[str]] = {}
    cards = Scorecard.objects.filter(evaluation_id__in=[r.evaluation_id for r in rows]).select_related(
        "inspector").order_by("-is_lead", "inspector__username")
    for card in cards:
        inspectors.setdefault(card.evaluation_id, []).append(card.inspector.display_name)
    name = district.name if district else (_("全市") if scope.city_wide else "、".join(d.name for d in scope.districts()))
    return DistrictWorkbookData(round=round, tree=tree, rows=rows, inspectors=inspectors, scope_name=name)
