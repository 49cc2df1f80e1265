"""Reads of 学校自评申报: who may apply, a school's workspace, review pages, the chain's status.

"May this school apply in this round, today?" is answered here only (application_refusal), for
the pages, the services, the offline import and the commands alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from evaluation.models import Round
from schools.models import School

from .models import SchoolNomination


def eligible_schools(*, round: Round) -> QuerySet[School]:
    """The schools the round's rule lets apply (dates aside): all schools of the chosen stages, the
    city's list, or the schools the districts nominated."""
    qs = School.objects.select_related("district").order_by("district__order", "code")
    if round.applicants == Round.Applicants.LIST:
        return qs.filter(applicant_rounds=round)
    if round.applicants == Round.Applicants.NOMINATED:
        return qs.filter(nominations__round=round)
    stages = round.stage_list
    return qs.filter(stage__in=stages) if stages else qs


def is_eligible(*, round: Round, school: School) -> bool:
    """Does the round's rule let this school apply (no query for the stage rule)?"""
    if round.applicants == Round.Applicants.STAGES:
        return not round.stage_list or school.stage in round.stage_list
    return eligible_schools(round=round).filter(pk=school.pk).exists()


def application_refusal(*, round: Round, school: School, today: date) -> str | None:
    """Why this school may not apply in this round today, or None when it may."""
    if not round.self_assessment:
        return _("本批次未开放学校自评申报。")
    if round.status == Round.Status.CLOSED:
        return _("该评估批次已结束。")
    if not is_eligible(round=round, school=school):
        if round.applicants == Round.Applicants.LIST:
            return _("本校不在本批次的申报学校名单中。")
        if round.applicants == Round.Applicants.NOMINATED:
            return _("本校尚未被区县推荐（提名）参加本批次申报。")
        return _("本批次只接受%(stages)s学校申报。") % {"stages": round.stage_labels()}
    if round.apply_opens_on and today < round.apply_opens_on:
        return _("申报将于 %(d)s 开始。") % {"d": round.apply_opens_on.isoformat()}
    if round.apply_closes_on and today > round.apply_closes_on:
        return _("申报已于 %(d)s 截止。") % {"d": round.apply_closes_on.isoformat()}
    return None


def nomination_refusal(*, round: Round, today: date) -> str | None:
    """Why the districts may not (re)nominate schools for this round today, or None while they may:
    the one "is the nomination open?" rule for the page, the service and anything else that asks.
    Nominations close with the application (申报截止) and with the round."""
    if not round.self_assessment or round.applicants != Round.Applicants.NOMINATED:
        return _("本批次不采用区县推荐（提名）的方式确定申报学校。")
    if round.status == Round.Status.CLOSED:
        return _("该评估批次已结束，不能再调整提名。")
    if round.apply_closes_on and today > round.apply_closes_on:
        return _("申报已于 %(d)s 截止，不能再调整提名。") % {"d": round.apply_closes_on.isoformat()}
    return None


def nomination_rows(*, round: Round, district_ids) -> list[tuple[School, SchoolNomination | None]]:
    """Every school of the districts with its nomination in the round (two queries)."""
    schools = list(School.objects.filter(district_id__in=list(district_ids)).select_related("district")
                   .order_by("district__order", "code"))
    found = {n.school_id: n for n in SchoolNomination.objects.filter(round=round, school__in=schools).select_related("by")}
    return [(s, found.get(s.pk)) for s in schools]


# ---------------------------------------------------------------- one self-assessment


def self_assessment_of(*, round: Round, school: School):
    """The school's self-assessment in the round: the stored one, or an unsaved one (未申报)."""
    from .models import SelfAssessment

    found = SelfAssessment.objects.select_related("round__rubric_version", "school__district").filter(
        round=round, school=school).first()
    return found or SelfAssessment(round=round, school=school, status=SelfAssessment.Status.NOT_STARTED)


@dataclass
class Completeness:
    """What still keeps a self-assessment from being submitted (the one rule, for every page and command)."""

    missing_scores: list = field(default_factory=list)  # element codes without a self-score, rubric order
    missing_evidence: list = field(default_factory=list)  # required EvidenceRequirement rows without a file
    report_missing: bool = True

    @property
    def complete(self) -> bool:
        return not self.missing_scores and not self.missing_evidence and not self.report_missing


def completeness(*, round: Round, assessments) -> dict[int, Completeness]:
    """Completeness of several self-assessments of one round, by id (four queries whatever the number)."""
    from rubric.models import Element, EvidenceRequirement

    from .models import SelfEvidence, SelfScore

    assessments = [a for a in assessments if a.pk]
    ids = [a.pk for a in assessments]
    elements = list(Element.objects.filter(version_id=round.rubric_version_id).order_by("order", "id")
                    .values_list("pk", "code"))
    required = list(EvidenceRequirement.objects.filter(version_id=round.rubric_version_id, required=True)
                    .select_related("element").order_by("element__order", "order", "id"))
    scored: dict[int, set] = {}
    for sa_id, element_id in SelfScore.objects.filter(self_assessment_id__in=ids, points__isnull=False).values_list(
            "self_assessment_id", "element_id"):
        scored.setdefault(sa_id, set()).add(element_id)
    filed: dict[int, set] = {}
    for sa_id, requirement_id in SelfEvidence.objects.filter(self_assessment_id__in=ids, requirement__isnull=False
                                                             ).values_list("self_assessment_id", "requirement_id"):
        filed.setdefault(sa_id, set()).add(requirement_id)
    return {a.pk: completeness_rule(elements=elements, required=required, scored=scored.get(a.pk, set()),
                                    filed=filed.get(a.pk, set()), summary=a.report_summary) for a in assessments}


def completeness_rule(*, elements, required, scored: set, filed: set, summary: str) -> Completeness:
    """The rule itself, pure: every element (pk, code) self-scored, every required requirement with a
    file, and a 自评报告 summary. Pages, submission, the status list and the command all use it."""
    return Completeness(
        missing_scores=[code for pk, code in elements if pk not in scored],
        missing_evidence=[r for r in required if r.pk not in filed],
        report_missing=not (summary or "").strip(),
    )


def completeness_of(self_assessment) -> Completeness:
    """One self-assessment's completeness (an unsaved one, 未申报, misses everything)."""
    if self_assessment.pk:
        return completeness(round=self_assessment.round, assessments=[self_assessment])[self_assessment.pk]
    from rubric.models import Element, EvidenceRequirement

    version_id = self_assessment.round.rubric_version_id
    return completeness_rule(
        elements=list(Element.objects.filter(version_id=version_id).order_by("order", "id").values_list("pk", "code")),
        required=list(EvidenceRequirement.objects.filter(version_id=version_id, required=True)
                      .select_related("element").order_by("element__order", "order", "id")),
        scored=set(), filed=set(), summary="",
    )


@dataclass
class RequirementFiles:
    requirement: object
    files: list = field(default_factory=list)

    @property
    def missing(self) -> bool:
        return self.requirement.required and not self.files


@dataclass
class SelfItem:
    """One element on the school's page: its self-score and the files filed for it."""

    element: object
    score: object = None
    requirements: list = field(default_factory=list)  # RequirementFiles, in order
    other_files: list = field(default_factory=list)  # files for the element without a requirement
    return_reason: str = ""  # the district's reason at this element, after a 退回

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

    @property
    def files(self) -> list:
        return [f for r in self.requirements for f in r.files] + self.other_files


@dataclass
class SelfWorkspace:
    self_assessment: object
    tree: object
    items: dict
    totals: dict
    report_files: list
    completeness: Completeness
    last_return: object = None  # the district's (or the city's) last 退回, while it stands


def self_workspace(*, self_assessment) -> SelfWorkspace:
    """Everything the school's page, the review page and the offline workbook show: the tree with its
    requirements, the self-scores, the files, the self-total (evaluation.totals), completeness and
    the standing 退回. A constant number of queries."""
    from evaluation.selectors import totals_for
    from rubric.selectors import rubric_tree

    from .models import SelfEvidence, SelfScore, Transition

    sa = self_assessment
    tree = rubric_tree(version=sa.round.rubric_version, requirements=True)
    items = {e.pk: SelfItem(element=e, requirements=[RequirementFiles(r) for r in tree.requirements_of(e)])
             for e in tree.elements}
    report_files = []
    last_return = None
    if sa.pk:
        for score in SelfScore.objects.filter(self_assessment=sa).select_related("updated_by"):
            if score.element_id in items:
                items[score.element_id].score = score
        for ev in SelfEvidence.objects.filter(self_assessment=sa).order_by("uploaded_at", "id"):
            item = items.get(ev.element_id)
            if item is None:
                report_files.append(ev)
                continue
            slot = next((r for r in item.requirements if r.requirement.pk == ev.requirement_id), None)
            (slot.files if slot else item.other_files).append(ev)
        if sa.status in (sa.Status.RETURNED, sa.Status.SUBMITTED):
            # An import (导入自评表) is the school's own write, not a step of the review: it must not
            # hide the district's standing 退回.
            last_return = (Transition.objects.filter(self_assessment=sa).exclude(action=Transition.Action.IMPORT)
                           .select_related("by").order_by("-at", "-id").first())
            if last_return is None or last_return.action not in (Transition.Action.RETURN, Transition.Action.SEND_BACK):
                last_return = None
            elif last_return.action == Transition.Action.RETURN:
                codes = {e.code: e.pk for e in tree.elements}
                for code, reason in (last_return.element_reasons or {}).items():
                    if code in codes:
                        items[codes[code]].return_reason = reason
    points = {pk: i.points for pk, i in items.items() if i.points is not None}
    state = completeness_rule(
        elements=[(e.pk, e.code) for e in tree.elements],
        required=[r for e in tree.elements for r in tree.requirements_of(e) if r.required],
        scored=set(points), filed={slot.requirement.pk for i in items.values() for slot in i.requirements if slot.files},
        summary=sa.report_summary,
    )
    return SelfWorkspace(
        self_assessment=sa, tree=tree, items=items, totals=totals_for(tree=tree, points_by_element=points),
        report_files=report_files, last_return=last_return, completeness=state,
    )


def self_totals(*, self_assessment, tree=None) -> dict:
    """The running self-total (B, A, total; evaluation.totals.sum_tree), sent after every autosave."""
    from evaluation.selectors import totals_for
    from rubric.selectors import rubric_tree

    from .models import SelfScore

    tree = tree or rubric_tree(version=self_assessment.round.rubric_version)
    own = dict(SelfScore.objects.filter(self_assessment=self_assessment, points__isnull=False)
               .values_list("element_id", "points")) if self_assessment.pk else {}
    return totals_for(tree=tree, points_by_element=own)


def transitions_of(*, self_assessment):
    """The record of the chain for one self-assessment, newest first."""
    if not self_assessment.pk:
        return []
    return list(self_assessment.transitions.select_related("by"))


@dataclass
class SchoolRound:
    round: Round
    self_assessment: object
    refusal: str | None  # why the school may not (or no longer) apply today, None when it may


def school_rounds(*, school: School, today: date) -> list[SchoolRound]:
    """A school account's rounds: those open for 申报 that it may apply to, and those it applied to."""
    from .models import SelfAssessment

    rows = []
    mine = {sa.round_id: sa for sa in SelfAssessment.objects.filter(school=school).select_related("round")}
    rounds = Round.objects.filter(self_assessment=True).exclude(status=Round.Status.CLOSED).select_related(
        "rubric_version").order_by("-year", "-created_at", "-id")
    for r in rounds:
        sa = mine.pop(r.pk, None)
        if sa is None and not is_eligible(round=r, school=school):
            continue
        sa = sa or SelfAssessment(round=r, school=school, status=SelfAssessment.Status.NOT_STARTED)
        rows.append(SchoolRound(round=r, self_assessment=sa, refusal=sa.lock_reason(today=today)))
    for sa in mine.values():  # closed rounds the school took part in
        rows.append(SchoolRound(round=sa.round, self_assessment=sa, refusal=sa.lock_reason(today=today)))
    return rows


# ---------------------------------------------------------------- the chain's status (pages, command)


@dataclass
class StatusRow:
    """One school's place in the chain: 未申报, 填报中, 已提交, 已退回, 已推荐, 已受理 or 未受理."""

    school: School
    self_assessment: object  # None: 未申报, no row yet
    self_total: object = None  # Decimal, evaluation.totals.sum_tree of the self-scores (None without any)
    scored: int = 0
    missing_scores: int = 0
    missing_evidence: int = 0
    eligible: bool = True

    @property
    def status(self) -> str:
        return self.self_assessment.status if self.self_assessment else "not_started"

    @property
    def status_label(self) -> str:
        from .models import SelfAssessment

        return str(SelfAssessment.Status(self.status).label)

    @property
    def district_opinion(self) -> str:
        return self.self_assessment.district_opinion if self.self_assessment else ""

    @property
    def district_decision(self) -> str:
        """推荐 once the district recommended (whatever the city did next), 退回 while returned, else ""."""
        if self.status in ("recommended", "admitted", "declined"):
            return str(_("推荐"))
        if self.status == "returned":
            return str(_("退回"))
        return ""


def status_rows(*, round: Round, schools=None) -> list[StatusRow]:
    """Every school of the round's chain within `schools` (a queryset, e.g. accounts.scopes.schools_in_scope):
    the eligible ones and any that applied, with status, self-total, completeness and the district's
    decision. A constant number of queries whatever the number of schools."""
    from evaluation.totals import sum_tree
    from rubric.selectors import rubric_tree

    from .models import SelfAssessment, SelfScore

    scope = schools if schools is not None else School.objects.all()
    eligible = {s.pk: s for s in eligible_schools(round=round).filter(pk__in=scope.values("pk"))}
    assessments = {sa.school_id: sa for sa in SelfAssessment.objects.filter(round=round, school__in=scope.values("pk"))
                   .select_related("school__district", "round")}
    missing_schools = [sa.school for school_id, sa in assessments.items() if school_id not in eligible]
    schools_all = list(eligible.values()) + missing_schools
    schools_all.sort(key=lambda s: (s.district.order, s.district.code, s.code))
    tree = rubric_tree(version=round.rubric_version)
    points: dict[int, dict[int, object]] = {}
    for sa_id, element_id, value in SelfScore.objects.filter(
            self_assessment__in=[a.pk for a in assessments.values()], points__isnull=False).values_list(
            "self_assessment_id", "element_id", "points"):
        points.setdefault(sa_id, {})[element_id] = value
    states = completeness(round=round, assessments=list(assessments.values()))
    element_count = len(tree.elements)
    rows = []
    for school in schools_all:
        sa = assessments.get(school.pk)
        row = StatusRow(school=school, self_assessment=sa, eligible=school.pk in eligible,
                        missing_scores=element_count)
        if sa is not None:
            own = points.get(sa.pk, {})
            sums = sum_tree(tree, own)
            row.self_total = sums.total if own else None
            row.scored = sums.scored
            state = states[sa.pk]
            row.missing_scores, row.missing_evidence = len(state.missing_scores), len(state.missing_evidence)
        else:
            row.missing_evidence = _required_count(round)
        rows.append(row)
    return rows


def _required_count(round: Round) -> int:
    from rubric.models import EvidenceRequirement

    cached = getattr(round, "_required_count", None)
    if cached is None:
        cached = EvidenceRequirement.objects.filter(version_id=round.rubric_version_id, required=True).count()
        round._required_count = cached
    return cached


def status_counts(rows: list[StatusRow]) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status of the chain, in its order."""
    from .models import SelfAssessment

    counts = {s: 0 for s in SelfAssessment.Status.values}
    for row in rows:
        counts[row.status] += 1
    return [(s, str(SelfAssessment.Status(s).label), counts[s]) for s in SelfAssessment.Status.values]


def rounds_with_applications():
    """Rounds that open (or opened) self-assessment, newest first."""
    return Round.objects.filter(self_assessment=True).select_related("rubric_version").order_by(
        "-year", "-created_at", "-id")


# ---------------------------------------------------------------- the school's side, for the panel and reports


@dataclass
class SelfSide:
    """What the school filed, beside the panel's work: self-scores, 自评说明 and files per element,
    the self-total and the district's opinion (read-only)."""

    self_assessment: object
    scores: dict  # element id → SelfScore
    files: dict  # element id → [SelfEvidence]

    def points(self) -> dict:
        return {pk: s.points for pk, s in self.scores.items() if s.points is not None}

    def score_of(self, element_id):
        return self.scores.get(element_id)

    def files_of(self, element_id) -> list:
        return self.files.get(element_id, [])


def self_side(*, evaluation) -> SelfSide | None:
    """The school's recommended or admitted self-assessment in the evaluation's round, or None.
    Three queries whatever the number of elements and files."""
    from .models import SelfAssessment, SelfEvidence, SelfScore

    sa = (SelfAssessment.objects.filter(round_id=evaluation.round_id, school_id=evaluation.school_id,
                                        status__in=SelfAssessment.SIDE_STATUSES).first())
    if sa is None:
        return None
    scores = {s.element_id: s for s in SelfScore.objects.filter(self_assessment=sa)}
    files: dict[int, list] = {}
    for ev in SelfEvidence.objects.filter(self_assessment=sa, element__isnull=False).order_by("uploaded_at", "id"):
        files.setdefault(ev.element_id, []).append(ev)
    return SelfSide(self_assessment=sa, scores=scores, files=files)
