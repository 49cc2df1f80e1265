"""学校发展档案: one school's results across rounds, and the change since its previous round.

The one place the school's story is read: the school's own results page, the story page (admins,
officials in scope, the school itself) and the school report's Δ per A. Totals come from
`reports.selectors.evaluation_totals` (the one totals rule) and are only arranged here; which rounds a
school's own account may see is `evaluation.selectors.results_published`. Who may open a story is
accounts.scopes.school_story_visible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from evaluation.models import Evaluation
from evaluation.selectors import OpinionView, evaluation_opinion, previous_evaluation, results_published
from evaluation.totals import q2
from recognition.models import Recognition
from recognition.selectors import RENEWAL_DAYS, Standing, recognition_standing
from rubric.selectors import rubric_tree

from . import charts
from .selectors import EvaluationTotals, evaluation_totals

# Line colours of the story chart (the total first); lines also differ by marker and carry their name.
COLOURS = ("#1f3a93", "#b03a2e", "#1e8449", "#7d3c98", "#af601a", "#117864", "#566573", "#9a7d0a")


@dataclass
class StoryRound:
    """One finalized evaluation of the school: its totals, the panel's opinion and its recognition."""

    totals: EvaluationTotals
    opinion: OpinionView
    recognition: Recognition | None
    standing: Standing | None
    published: bool
    # 整改事项 raised on this evaluation that the reader may see, with `last` (their latest 复核) and
    # `overdue` set by attach_rectification; empty until the page attaches them.
    rectification: list = field(default_factory=list)

    @property
    def evaluation(self) -> Evaluation:
        return self.totals.evaluation

    @property
    def round(self):
        return self.totals.round

    def points_of(self, code: str) -> Decimal | None:
        return self.totals.dimensions.get(code)

    def rate_of(self, code: str) -> Decimal | None:
        """得分率 (%) of one A, for the chart (the table shows the points)."""
        node = next((d for d in self.totals.tree.dimensions if d.code == code), None)
        if node is None or not node.points:
            return None
        return q2(self.totals.dimensions[code] / node.points * 100)

    @property
    def total_rate(self) -> Decimal:
        points = self.totals.tree.points
        return q2(self.totals.total / points * 100) if points else Decimal("0.00")


@dataclass
class SchoolStory:
    school: object
    rounds: list[StoryRound]  # oldest first
    codes: list[str] = field(default_factory=list)  # the A codes met in any round, in rubric order

    @property
    def table(self) -> list[tuple[StoryRound, list[Decimal | None]]]:
        """(round, [points per A code]) in round order: the chart's data as a table."""
        return [(r, [r.points_of(c) for c in self.codes]) for r in self.rounds]

    @property
    def newest_first(self) -> list[StoryRound]:
        return list(reversed(self.rounds))

    def chart_svg(self) -> str:
        if not self.rounds:
            return ""
        labels = [r.round.name for r in self.rounds]
        series = [(_("总分"), COLOURS[0], [r.total_rate for r in self.rounds])]
        series += [(code, COLOURS[(k + 1) % len(COLOURS)], [r.rate_of(code) for r in self.rounds])
                   for k, code in enumerate(self.codes)]
        return charts.line_svg(
            labels, series, chart_id="story-chart",
            title=_("%(school)s 历次评估得分率") % {"school": self.school.name},
            desc=_("折线图：横轴为评估批次，纵轴为得分率（得分÷标准分，0–100%%），一条线为总分，其余为 %(codes)s；"
                   "各批次的得分见图下的表格。") % {"codes": "、".join(self.codes)},
        )


def school_story(*, school, published_only: bool, today, window: int = RENEWAL_DAYS) -> SchoolStory:
    """Every finalized evaluation of the school, oldest round first, with totals (the one rule), the
    panel's opinion and the round's recognition with its standing on `today`. `published_only`: only
    rounds whose results are published to schools (the school's own account). A few queries per
    round (its totals and opinion); a school has a handful of rounds."""
    evaluations = [
        ev for ev in Evaluation.objects.assessed().filter(school=school, status=Evaluation.Status.FINALIZED)
        .select_related("round__rubric_version", "school__district")
        .order_by("round__year", "round__created_at", "round_id")
        if not published_only or results_published(round=ev.round)
    ]
    recognitions = {r.round_id: r for r in Recognition.objects.filter(school=school, round__in=[e.round_id for e in evaluations])}
    trees: dict[int, object] = {}
    rounds, codes = [], []
    for ev in evaluations:
        version_id = ev.round.rubric_version_id
        if version_id not in trees:
            trees[version_id] = rubric_tree(version=ev.round.rubric_version)
        tree = trees[version_id]
        for node in tree.dimensions:
            if node.code not in codes:
                codes.append(node.code)
        rec = recognitions.get(ev.round_id)
        rounds.append(StoryRound(
            totals=evaluation_totals(evaluation=ev, tree=tree),
            opinion=evaluation_opinion(evaluation=ev, tree=tree),
            recognition=rec,
            standing=recognition_standing(recognition=rec, today=today, window=window) if rec else None,
            published=results_published(round=ev.round),
        ))
    return SchoolStory(school=school, rounds=rounds, codes=codes)


def attach_rectification(story: SchoolStory, items, *, today, last_review) -> None:
    """Put each 整改事项 under the round it was raised in (items: those the reader may see, from
    rectification.selectors.items_for_school; last_review: that module's rule for an item's latest 复核)."""
    by_evaluation: dict[int, list] = {}
    for item in items:
        item.last = last_review(item)
        item.overdue = item.is_overdue(today)
        by_evaluation.setdefault(item.evaluation_id, []).append(item)
    for r in story.rounds:
        r.rectification = by_evaluation.get(r.evaluation.pk, [])


# --------------------------------------------------------------------------- Δ since the previous round


@dataclass
class DimensionChange:
    code: str
    name: str
    points: Decimal
    previous: Decimal | None  # None: that A did not exist in the previous round's rubric
    delta: Decimal | None

    @property
    def signed(self) -> str:
        """The change with its sign (+1.50 / -2.00 / ±0.00), or an em dash."""
        if self.delta is None:
            return "—"
        if self.delta == 0:
            return "±0.00"
        return f"{self.delta:+.2f}"


@dataclass
class Changes:
    previous: Evaluation
    rows: list[DimensionChange]
    total: DimensionChange


def _change(code, name, points, previous) -> DimensionChange:
    delta = q2(points - previous) if previous is not None else None
    return DimensionChange(code=code, name=name, points=points, previous=previous, delta=delta)


def changes_since_previous(*, totals: EvaluationTotals) -> Changes | None:
    """Per A (matched by code) and for the total, this evaluation's points minus those of the school's
    previous finalized evaluation (evaluation.selectors.previous_evaluation); None without one."""
    previous = previous_evaluation(evaluation=totals.evaluation)
    if previous is None:
        return None
    before = evaluation_totals(evaluation=previous)
    rows = [_change(d.code, d.name, totals.dimensions[d.code], before.dimensions.get(d.code))
            for d in totals.tree.dimensions]
    return Changes(previous=previous, rows=rows, total=_change("", _("总分"), totals.total, before.total))
