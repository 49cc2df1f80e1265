"""Read queries for rounds and evaluations."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from rubric.models import Element
from rubric.selectors import RubricTree, rubric_tree

from . import hooks
from .consolidation import is_flagged, spread
from .models import (
    Evaluation,
    Evidence,
    FinalScore,
    InspectorObservation,
    PanelOpinion,
    Round,
    Score,
    Scorecard,
    Transition,
)
from .totals import consensus_points, evaluation_points, sum_tree


class RoundNotFound(ObjectDoesNotExist):
    pass


def round_with_results() -> Round | None:
    """The newest round with at least one finalized evaluation, else the newest round.

    Results pages and exports default to it: creating next year's empty round must not switch
    every official's ranking and dashboard to a round with nothing to show.
    """
    rounds = Round.objects.select_related("rubric_version").order_by("-year", "-created_at", "-id")
    with_results = rounds.filter(evaluations__status=Evaluation.Status.FINALIZED).distinct().first()
    return with_results or rounds.first()


def round_resolve(value: str | int | None = None, *, results: bool = False) -> Round:
    """A round by id or by name; when value is empty the most recent round, or with `results`
    the most recent round with finalized results (`round_with_results`).

    Every command that takes --round uses this, so they all accept the same spellings.
    """
    rounds = Round.objects.select_related("rubric_version")
    if value in (None, ""):
        found = round_with_results() if results else rounds.order_by("-year", "-created_at", "-id").first()
        if found is None:
            raise RoundNotFound("还没有任何评估批次。")
        return found
    text = str(value).strip()
    if text.isdigit():
        found = rounds.filter(pk=int(text)).first()
        if found is not None:
            return found
    found = rounds.filter(name=text).first()
    if found is None:
        raise RoundNotFound(f"找不到评估批次“{text}”（可填写批次编号或名称）。")
    return found


class ScorecardNotFound(Exception):
    """No such member of that school's panel; str() is the Chinese message."""


def scorecard_of_member(*, round: Round, school_code: str, username: str) -> Scorecard:
    """One panel member's scorecard, found the way the commands name it (school code, username)."""
    card = (
        Scorecard.objects.select_related(
            "inspector", "evaluation__round__rubric_version", "evaluation__school__district"
        )
        .filter(evaluation__round=round, evaluation__school__code=school_code.strip(), inspector__username=username)
        .first()
    )
    if card is None:
        raise ScorecardNotFound(
            _("在批次“%(round)s”中，%(user)s 不是学校 %(school)s 的专家组成员。")
            % {"round": round.name, "user": username, "school": school_code}
        )
    return card


# ---------------------------------------------------------------- visibility

def evaluations_visible_to(user):
    """Evaluations a user may look at (kept here for callers; the rule is accounts.scopes)."""
    from accounts import scopes

    return scopes.evaluations_visible_to(user)


def scorecard_for(*, pk: int):
    """One scorecard with everything the access checks and the page header need (one query)."""
    return (
        Scorecard.objects.select_related(
            "inspector", "evaluation__round__rubric_version", "evaluation__school__district"
        )
        .filter(pk=pk)
        .first()
    )


# ---------------------------------------------------------------- inspector home

def inspector_scorecards(*, user):
    """The user's scorecards in open rounds, newest round first, by school code (a queryset to page)."""
    return (
        Scorecard.objects.filter(inspector=user, evaluation__round__status=Round.Status.OPEN)
        .select_related("evaluation__round__rubric_version", "evaluation__school__district")
        .order_by("-evaluation__round__year", "-evaluation__round_id", "evaluation__school__code", "pk")
    )


def inspector_assignments(*, user, cards: list[Scorecard] | None = None) -> list[Scorecard]:
    """The user's scorecards in open rounds (or the given ones, e.g. one page of
    `inspector_scorecards`), each with `scored`, `element_count` and `total`
    (their own running total by the one summation, as on the scorecard page) and `editable`
    (Scorecard.is_editable_by: 评分 or 查看). Two queries plus three per rubric version,
    whatever the number of assignments."""
    cards = list(inspector_scorecards(user=user)) if cards is None else cards
    own: dict[int, dict[int, Decimal]] = {card.pk: {} for card in cards}
    for card_id, element_id, points in Score.objects.filter(
        scorecard__in=list(own), points__isnull=False
    ).values_list("scorecard_id", "element_id", "points"):
        own[card_id][element_id] = points
    trees: dict[int, RubricTree] = {}
    for card in cards:
        version = card.evaluation.round.rubric_version
        if version.pk not in trees:
            trees[version.pk] = rubric_tree(version=version)
        tree = trees[version.pk]
        totals = totals_for(tree=tree, points_by_element=own[card.pk])
        card.total, card.scored, card.element_count = totals["total"], totals["scored"], len(tree.elements)
        card.editable = card.is_editable_by(user)
    return cards


# ---------------------------------------------------------------- totals

def totals_for(*, tree: RubricTree, points_by_element: dict[int, Decimal]) -> dict:
    """Per-B, per-A and overall totals plus the scored count, as a dict for templates and JSON.

    The summing itself is `evaluation.totals.sum_tree`, the one summation every total uses.
    """
    sums = sum_tree(tree, points_by_element)
    return {"total": sums.total, "scored": sums.scored, "A": sums.dimensions, "B": sums.indicators}


def totals_json(totals: dict) -> dict:
    """Totals as the save endpoint sends them: {"total", "A1"…, "B1"…, "scored"} as strings."""
    out = {"total": f"{totals['total']:.2f}", "scored": totals["scored"]}
    for code, value in [*totals["A"].items(), *totals["B"].items()]:
        out[code] = f"{value:.2f}"
    return out


def scorecard_totals(*, scorecard: Scorecard, tree: RubricTree | None = None) -> dict:
    """Running totals of one inspector's own scorecard (sent after every autosave)."""
    tree = tree or rubric_tree(version=scorecard.evaluation.round.rubric_version)
    own = dict(
        Score.objects.filter(scorecard=scorecard, points__isnull=False).values_list("element_id", "points")
    )
    return totals_for(tree=tree, points_by_element=own)


# ---------------------------------------------------------------- the scoring workspace

@dataclass
class WorkspaceItem:
    element: Element
    score: Score | None = None
    evidence: list = field(default_factory=list)

    @property
    def points(self):
        return self.score.points if self.score else None

    @property
    def note(self) -> str:
        return self.score.note if self.score else ""

    @property
    def version(self) -> int:
        return self.score.version if self.score else 0

    @property
    def scored(self) -> bool:
        return self.points is not None


@dataclass
class Workspace:
    scorecard: Scorecard
    tree: RubricTree
    items: dict[int, WorkspaceItem]
    totals: dict


def scorecard_workspace(*, scorecard: Scorecard) -> Workspace:
    """Rubric tree, this scorecard's scores and evidence, totals: five queries in all."""
    tree = rubric_tree(version=scorecard.evaluation.round.rubric_version)
    items = {e.pk: WorkspaceItem(element=e) for e in tree.elements}
    for score in Score.objects.filter(scorecard=scorecard).select_related("updated_by"):
        if score.element_id in items:
            items[score.element_id].score = score
    for ev in Evidence.objects.filter(scorecard=scorecard).order_by("uploaded_at", "id"):
        if ev.element_id in items:
            items[ev.element_id].evidence.append(ev)
    totals = totals_for(
        tree=tree, points_by_element={pk: i.points for pk, i in items.items() if i.points is not None}
    )
    return Workspace(scorecard=scorecard, tree=tree, items=items, totals=totals)


def score_history(*, scorecard: Scorecard, element: Element):
    """Every recorded state of one element's score, newest first, with who changed it."""
    return (
        Score.history.filter(scorecard_id=scorecard.pk, element_id=element.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )


# ---------------------------------------------------------------- the lead's reconcile page

@dataclass
class ReconcileRow:
    element: Element
    scores: list  # one entry per scorecard (None when missing), in panel order
    default: Decimal | None
    spread: Decimal
    flagged: bool
    final: FinalScore | None
    notes: list = field(default_factory=list)  # each inspector's 备注, in panel order ("" when none)
    evidence: list = field(default_factory=list)  # each inspector's evidence files, in panel order
    note_required: bool = False  # a 合议说明 is needed before finalizing (flagged, or final ≠ 合议值)

    @property
    def cells(self) -> list[dict]:
        """One cell per inspector, in panel order: score, 备注 and evidence files."""
        return [
            {"points": p, "note": n, "evidence": e} for p, n, e in zip(self.scores, self.notes, self.evidence)
        ]

    @property
    def differs(self) -> bool:
        """The lead set a final score other than the consolidated value."""
        return bool(self.final and not self.final.follows_default and self.final.points != self.default)

    @property
    def needs_note(self) -> bool:
        """Required and still missing: what blocks finalizing."""
        return self.note_required and not (self.final and self.final.note.strip())


@dataclass
class Reconcile:
    evaluation: Evaluation
    tree: RubricTree
    scorecards: list
    rows: dict[int, ReconcileRow]
    final_totals: dict
    card_totals: dict
    provisional: bool = True


def evaluation_reconcile(*, evaluation: Evaluation) -> Reconcile:
    """Every inspector's score per element side by side, the consolidated default, disagreement flags.

    The default and the page's total follow the total rule (evaluation/totals.py), so this page
    shows the same figure as the school page, the PDF and the ranking. Flags compare submitted
    scorecards only. Six queries in all.
    """
    tree = rubric_tree(version=evaluation.round.rubric_version)
    cards = list(evaluation.scorecards.select_related("inspector").order_by("-is_lead", "inspector__username"))
    by_card: dict[int, dict[int, Decimal]] = {c.pk: {} for c in cards}
    notes: dict[tuple[int, int], str] = {}
    for card_id, element_id, points, note in Score.objects.filter(scorecard__evaluation=evaluation).values_list(
        "scorecard_id", "element_id", "points", "note"
    ):
        if points is not None:
            by_card.setdefault(card_id, {})[element_id] = points
        notes[(card_id, element_id)] = note
    files: dict[tuple[int, int], list] = {}
    for ev in Evidence.objects.filter(scorecard__evaluation=evaluation).order_by("uploaded_at", "id"):
        files.setdefault((ev.scorecard_id, ev.element_id), []).append(ev)
    finals = {f.element_id: f for f in FinalScore.objects.filter(evaluation=evaluation).select_related("updated_by")}
    method = evaluation.round.consolidation
    panel = [(c.pk, c.is_submitted) for c in cards]
    defaults = consensus_points(scores=by_card, cards=panel, method=method)
    notes_required = evaluation.round.require_consolidation_notes
    rows = {}
    for element in tree.elements:
        scores = [by_card[c.pk].get(element.pk) for c in cards]
        submitted = [by_card[c.pk].get(element.pk) for c in cards if c.is_submitted]
        submitted = [v for v in submitted if v is not None]
        row = ReconcileRow(
            element=element,
            scores=scores,
            default=defaults.get(element.pk),
            spread=spread(submitted),
            flagged=is_flagged(submitted, element.points),
            final=finals.get(element.pk),
            notes=[notes.get((c.pk, element.pk), "") for c in cards],
            evidence=[files.get((c.pk, element.pk), []) for c in cards],
        )
        row.note_required = notes_required and (row.flagged or row.differs)
        rows[element.pk] = row
    final_points = evaluation_points(
        finalized=evaluation.is_finalized,
        finals={pk: f.points for pk, f in finals.items()},
        scores=by_card,
        cards=panel,
        method=method,
    )
    card_totals = {c.pk: totals_for(tree=tree, points_by_element=by_card[c.pk]) for c in cards}
    return Reconcile(
        evaluation=evaluation,
        tree=tree,
        scorecards=cards,
        rows=rows,
        final_totals=totals_for(tree=tree, points_by_element=final_points),
        card_totals=card_totals,
        provisional=not evaluation.is_finalized,
    )


def reconcile_rows_missing_notes(reconcile: Reconcile) -> list[ReconcileRow]:
    """Rows whose required 合议说明 is still empty (flagged, or final ≠ 合议值), in rubric order."""
    return [row for row in reconcile.rows.values() if row.needs_note]


def consensus_defaults(*, evaluation: Evaluation) -> dict[int, Decimal]:
    """The consolidated value (合议值) per element id, by the total rule (evaluation/totals.py):
    what the lead's page shows as the default and what a final that follows it is kept equal to."""
    panel = list(evaluation.scorecards.values_list("pk", "status"))
    cards = [(pk, status == Scorecard.Status.SUBMITTED) for pk, status in panel]
    scores: dict[int, dict[int, Decimal]] = {}
    for card_id, element_id, points in Score.objects.filter(
        scorecard__evaluation=evaluation, points__isnull=False
    ).values_list("scorecard_id", "element_id", "points"):
        scores.setdefault(card_id, {})[element_id] = points
    return consensus_points(scores=scores, cards=cards, method=evaluation.round.consolidation)


def final_score_history(*, evaluation: Evaluation, element: Element | None = None):
    """Every recorded state of the evaluation's final scores, newest first, with who changed it."""
    qs = FinalScore.history.filter(evaluation_id=evaluation.pk)
    if element is not None:
        qs = qs.filter(element_id=element.pk)
    return qs.select_related("history_user", "element").order_by("-history_date", "-history_id")


def scorecard_return_notice(*, scorecard: Scorecard):
    """The lead's 退回 (reason, who, when) while the scorecard is a draft again; None otherwise."""
    if scorecard.is_submitted:
        return None
    last = (
        scorecard.transitions.filter(action__in=[Transition.Action.SUBMIT, Transition.Action.RETURN])
        .select_related("by")
        .order_by("-at", "-id")
        .first()
    )
    return last if last is not None and last.action == Transition.Action.RETURN else None


def evaluation_transitions(*, evaluation: Evaluation):
    """The workflow record of one evaluation, newest first."""
    return evaluation.transitions.select_related("by", "scorecard__inspector")


# ---------------------------------------------------------------- rounds

def rounds_overview(*, evaluation_filter: Q | None = None):
    """Rounds with their evaluation counts (one query); `evaluation_filter` (from
    accounts.scopes.round_counts_q) limits the counts to the schools a user may see."""
    visible = evaluation_filter if evaluation_filter is not None else Q()
    return Round.objects.select_related("rubric_version").annotate(
        evaluation_count=Count("evaluations", filter=visible, distinct=True),
        finalized_count=Count(
            "evaluations", filter=visible & Q(evaluations__status=Evaluation.Status.FINALIZED), distinct=True
        ),
    )


def round_status_rows(*, round: Round, evaluations=None) -> list[dict]:
    """One row per evaluation with its panel's progress; the round_status command's data.

    status: finalized; submitted (every scorecard submitted); in_progress (any score);
    not_started. Two queries whatever the number of evaluations.
    """
    evaluations = list(
        (evaluations if evaluations is not None else Evaluation.objects.filter(round=round))
        .select_related("school")
        .order_by("school__code")
    )
    cards = (
        Scorecard.objects.filter(evaluation__in=evaluations)
        .select_related("inspector")
        .annotate(scored=Count("scores", filter=Q(scores__points__isnull=False)))
        .order_by("evaluation_id", "-is_lead", "inspector__username")
    )
    panel: dict[int, list] = {}
    for card in cards:
        panel.setdefault(card.evaluation_id, []).append(card)
    rows = []
    for ev in evaluations:
        members = panel.get(ev.pk, [])
        if ev.is_finalized:
            status = "finalized"
        elif members and all(c.is_submitted for c in members):
            status = "submitted"
        elif any(c.scored for c in members):
            status = "in_progress"
        else:
            status = "not_started"
        rows.append(
            {
                "school_code": ev.school.code,
                "school_name": ev.school.name,
                "status": status,
                "inspectors": [
                    {
                        "username": c.inspector.username,
                        "name": c.inspector.display_name,
                        "lead": c.is_lead,
                        "scored": c.scored,
                        "submitted": c.is_submitted,
                    }
                    for c in members
                ],
                "evaluation": ev,
            }
        )
    return rows


# ---------------------------------------------------------------- 评价意见


def evaluation_visit_dates(*, evaluation: Evaluation):
    """(first day, last day) of the panel's visit to the school, either may be None.

    The one place documents (督导评估意见书) take the visit dates from: the round's visit window
    (现场评估时间) when it is set, otherwise the round's own dates.
    """
    rnd = evaluation.round
    if rnd.visit_starts_on or rnd.visit_ends_on:
        return rnd.visit_starts_on, rnd.visit_ends_on
    return rnd.starts_on, rnd.ends_on


def results_published(*, round: Round) -> bool:
    """Whether the round's results (totals, the opinion, recognition) are published to the schools:
    the one answer the schools' own pages ask."""
    return bool(round.results_published_to_schools)


@dataclass
class ObservationRow:
    dimension: object  # rubric.selectors.DimensionNode
    observation: InspectorObservation | None

    @property
    def text(self) -> str:
        return self.observation.text if self.observation else ""

    @property
    def version(self) -> int:
        return self.observation.version if self.observation else 0


def scorecard_observations(*, scorecard: Scorecard, tree: RubricTree | None = None) -> list[ObservationRow]:
    """One row per dimension (A) with the inspector's observation on it, in rubric order (two queries)."""
    tree = tree or rubric_tree(version=scorecard.evaluation.round.rubric_version)
    rows = {
        o.dimension_id: o
        for o in InspectorObservation.objects.filter(scorecard=scorecard).select_related("updated_by")
    }
    return [ObservationRow(dimension=dim, observation=rows.get(dim.dimension.pk)) for dim in tree.dimensions]


@dataclass
class OpinionDimension:
    dimension: object  # rubric.selectors.DimensionNode
    text: str  # the panel's optional entry on this A
    observations: list = field(default_factory=list)  # (inspector name, submitted, text)
    notes: list = field(default_factory=list)  # (element code, inspector name, note)


@dataclass
class OpinionView:
    """The panel's opinion as pages and documents show it, optionally with its sources."""

    evaluation: Evaluation
    tree: RubricTree
    opinion: PanelOpinion | None
    parts: list  # (field name, Chinese label, text) for the four parts, in order
    dimensions: list[OpinionDimension]
    missing: list[str]  # the Chinese names of the blank required parts

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def entries(self) -> list[OpinionDimension]:
        """The per-A entries the panel wrote, in rubric order."""
        return [d for d in self.dimensions if d.text]

    @property
    def has_content(self) -> bool:
        return any(text.strip() for _n, _l, text in self.parts) or any(d.text for d in self.dimensions)

    @property
    def version(self) -> int:
        return self.opinion.version if self.opinion else 0


def evaluation_opinion(*, evaluation: Evaluation, tree: RubricTree | None = None, sources: bool = False) -> OpinionView:
    """The panel's opinion (评价意见) of one evaluation, per-A entries in rubric order.

    `sources` adds what the lead composes it from: every inspector's observations and element
    notes (备注), grouped per A. Two queries, four with sources.
    """
    tree = tree or rubric_tree(version=evaluation.round.rubric_version)
    opinion = PanelOpinion.objects.filter(evaluation=evaluation).select_related("updated_by").first()
    parts = [(name, str(label), getattr(opinion, name, "") if opinion else "") for name, label in PanelOpinion.PARTS]
    notes_of = (opinion.dimension_notes if opinion else None) or {}
    dims = {dim.code: OpinionDimension(dimension=dim, text=str(notes_of.get(dim.code, ""))) for dim in tree.dimensions}
    if sources:
        by_pk = {dim.dimension.pk: dims[dim.code] for dim in tree.dimensions}
        observations = (
            InspectorObservation.objects.filter(scorecard__evaluation=evaluation)
            .exclude(text="")
            .select_related("scorecard__inspector")
            .order_by("-scorecard__is_lead", "scorecard__inspector__username")
        )
        for o in observations:
            if o.dimension_id in by_pk:
                by_pk[o.dimension_id].observations.append(
                    (o.scorecard.inspector.display_name, o.scorecard.is_submitted, o.text)
                )
        dim_of_element = {e.pk: dim.code for dim in tree.dimensions for e in dim.elements}
        notes = (
            Score.objects.filter(scorecard__evaluation=evaluation)
            .exclude(note="")
            .values_list("element_id", "element__code", "scorecard__inspector__name",
                         "scorecard__inspector__username", "note")
            .order_by("element__order", "-scorecard__is_lead", "scorecard__inspector__username")
        )
        for element_id, code, name, username, note in notes:
            if element_id in dim_of_element and note.strip():
                dims[dim_of_element[element_id]].notes.append((code, name or username, note))
    return OpinionView(
        evaluation=evaluation,
        tree=tree,
        opinion=opinion,
        parts=parts,
        dimensions=list(dims.values()),
        missing=PanelOpinion.missing_parts_of(opinion),
    )


# ---------------------------------------------------------------- the previous round (a school's story)


def previous_evaluation(*, evaluation: Evaluation) -> Evaluation | None:
    """The same school's latest finalized evaluation in an earlier round (rounds ordered by year,
    then creation), or None: the one answer "what did this school get last time" asks."""
    rnd = evaluation.round
    if rnd.is_calibration:
        return None  # a calibration case shows nothing of the real school's results (they would be the answers)
    earlier = Q(round__year__lt=rnd.year) | Q(round__year=rnd.year, round__created_at__lt=rnd.created_at)
    return (
        Evaluation.objects.assessed().filter(earlier, school_id=evaluation.school_id, status=Evaluation.Status.FINALIZED)
        .exclude(round_id=rnd.pk)
        .select_related("round__rubric_version", "school__district")
        .order_by("-round__year", "-round__created_at", "-round_id")
        .first()
    )


@dataclass
class PreviousScores:
    """The previous round's final score per element code (rubric versions differ: matched by code)."""

    evaluation: Evaluation | None
    points: dict[str, Decimal] = field(default_factory=dict)
    # What later steps noted on the previous round's elements (its 整改事项), per code (evaluation.hooks).
    notes: dict[str, list] = field(default_factory=dict)

    def of(self, code: str) -> Decimal | None:
        return self.points.get(code)


def previous_scores(*, evaluation: Evaluation) -> PreviousScores:
    """Per element code, the final score of `previous_evaluation` (two queries), and what later steps
    noted on its elements (the 整改事项 raised on them: one query more when there is a previous round). A finalized
    evaluation's points are its final scores (the total rule, evaluation/totals.py)."""
    previous = previous_evaluation(evaluation=evaluation)
    if previous is None:
        return PreviousScores(evaluation=None)
    rows = FinalScore.objects.filter(evaluation=previous, points__isnull=False).values_list("element__code", "points")
    return PreviousScores(evaluation=previous, points=dict(rows), notes=hooks.previous_element_notes(previous))
