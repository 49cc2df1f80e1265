"""Every write of the scoring workflow: rounds, panels, scores, evidence, transitions.

Scores are guarded by an optimistic version number (Score.version / FinalScore.version):
the client sends the version it last saw, and a save whose version is stale is refused
as a conflict instead of silently overwriting somebody else's value.
"""

from __future__ import annotations

import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from xml.etree import ElementTree
from xml.parsers.expat import ExpatError

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts import roles
from audit.services import audit_record
from config.evidence_files import evidence_from_upload, evidence_remove
from config.text import strip_noncharacters
from config.uploads import UploadRefused, check_evidence_upload, check_xlsx_limits
from rubric.models import Element, RubricVersion

from . import hooks, notices, recusal, selectors
from .consolidation import consolidate
from .models import (
    OPINION_MAX_LENGTH,
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
# SaveResult and conflict_message are used by callers under these names.
from .versioned import SaveResult, as_version, conflict_message, save_versioned  # noqa: F401


class ScoreConflict(Exception):
    """A stale save; `current` is the row as it is now in the database."""

    def __init__(self, current):
        self.current = current
        super().__init__(_("该得分已被他人修改。"))


class ScorecardIncomplete(ValidationError):
    """Submit refused: `missing` lists the unscored element codes in rubric order."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(
            _("还有 %(n)s 项评估要素未评分，全部评分后才能提交：%(codes)s") % {"n": len(missing), "codes": "、".join(missing)}
        )


# ---------------------------------------------------------------- rounds and panels


@transaction.atomic
def round_save(*, round: Round, by, request=None, applicant_schools=None) -> Round:
    """Create or update a round after validating it (published rubric only); `applicant_schools`
    (a list, or None to keep it) is the city's list of schools that may apply (申报)."""
    if not roles.is_admin(by):
        raise PermissionDenied
    changed = round.rubric_version_id and (
        round.pk is None or not Round.all_objects.filter(pk=round.pk, rubric_version_id=round.rubric_version_id).exists()
    )
    if changed:
        # The status as stored, under a row lock: the object passed in may be stale, and a
        # concurrent retire must not slip a retired version into a new round.
        version = RubricVersion.objects.select_for_update().filter(pk=round.rubric_version_id)
        if version.values_list("status", flat=True).first() != RubricVersion.Status.PUBLISHED:
            raise ValidationError({"rubric_version": _("只能选择已发布的评估细则版本。")})
        if round.pk and Score.objects.filter(scorecard__evaluation__round=round).exists():
            raise ValidationError({"rubric_version": _("已有评分的批次不能更换评估细则版本。")})
        refusals = hooks.version_change_refusals(round) if round.pk else []
        if refusals:
            raise ValidationError({"rubric_version": refusals})
    created = round.pk is None
    round.full_clean()
    round.save()
    if applicant_schools is not None:
        round.applicant_schools.set(applicant_schools)
    audit_record(event="round.create" if created else "round.change", request=request, user=by, obj=round,
                 **({"self_assessment": True, "applicants": round.applicants} if round.self_assessment else {}))
    return round


@transaction.atomic
def evaluation_create(*, round: Round, school, by, request=None) -> Evaluation:
    """The school's evaluation in the round, created when missing (the city admitting a school
    after 申报), ready for panel assignment; an existing one is returned as it is."""
    if not roles.is_admin(by):
        raise PermissionDenied
    if round.status == Round.Status.CLOSED:
        raise ValidationError(_("该评估批次已结束，不能再加入学校。"))
    evaluation, created = Evaluation.objects.get_or_create(round=round, school=school)
    if created:
        audit_record(event="evaluation.create", request=request, user=by, obj=evaluation, school=school.code)
    return evaluation


@transaction.atomic
def round_results_publish(*, round: Round, published: bool, by, request=None) -> Round:
    """Publish (or withdraw) a round's results to the schools: their own total, opinion and recognition.

    Independent of the recognition steps (an admin may publish after 认定 or before); recorded with
    who and when, and audited.
    """
    if not roles.is_admin(by):
        raise PermissionDenied(_("只有管理员可以向学校公布结果。"))
    round = Round.objects.select_for_update().get(pk=round.pk)
    if round.results_published_to_schools == bool(published):
        return round
    round.results_published_to_schools = bool(published)
    round.results_published_at = timezone.now() if published else None
    round.results_published_by = by if published else None
    round.save(update_fields=["results_published_to_schools", "results_published_at", "results_published_by"])
    audit_record(event="round.results_publish" if published else "round.results_withdraw", request=request, user=by,
                 obj=round)
    return round


class RecusalWarning(ValidationError):
    """Same-district pairs in a round that only warns: the assignment needs an explicit confirmation."""

    def __init__(self, conflicts):
        self.conflicts = conflicts
        super().__init__({"inspectors": [c.reason for c in conflicts]})


@transaction.atomic
def panel_assign(
    *, round: Round, schools, inspectors, lead, by, request=None, confirm_warnings: bool = False
) -> list[Evaluation]:
    """Give each school of the round a panel: the inspectors plus the lead (组长).

    Creates missing evaluations and scorecards; existing members and their scores are
    kept, and the lead replaces any previous lead. Refused, with nothing written: finalized
    evaluations, 回避 conflicts (evaluation.recusal), and panels whose size would fall outside the
    round's minimum and maximum. Same-district warnings raise RecusalWarning unless confirmed.
    """
    if not roles.is_admin(by):
        raise PermissionDenied
    if lead is None:
        raise ValidationError({"lead": _("请选择组长。")})
    schools = list(schools)
    inspectors = list({u.pk: u for u in [*inspectors, lead]}.values())
    if not schools:
        raise ValidationError({"schools": _("请至少选择一所学校。")})
    not_inspectors = [u.display_name for u in inspectors if not roles.is_inspector(u)]
    if not_inspectors:
        raise ValidationError({"inspectors": _("以下用户不是督导专家：%(names)s") % {"names": "、".join(not_inspectors)}})
    if round.is_calibration:
        raise ValidationError(_("校准评估不分配专家组，请在校准评估页面加入督导专家。"))
    ineligible = hooks.ineligible_inspectors(round, inspectors)
    if ineligible:
        names = {u.pk: u.display_name for u in inspectors}
        raise ValidationError({"inspectors": [
            _("%(name)s 不符合本批次的校准要求：%(reason)s") % {"name": names[pk], "reason": reason}
            for pk, reason in ineligible.items()
        ]})
    conflicts = recusal.panel_conflicts(round=round, schools=schools, inspectors=inspectors, by=by)
    refused = [c.reason for c in conflicts if c.blocking]
    if refused:
        raise ValidationError({"inspectors": [_("回避：%(reason)s") % {"reason": r} for r in refused]})
    warnings = [c for c in conflicts if not c.blocking]
    if warnings and not confirm_warnings:
        raise RecusalWarning(warnings)
    existing = {
        ev.school_id: ev
        for ev in Evaluation.objects.select_for_update(of=("self",)).filter(round=round, school__in=schools).select_related("school")
    }
    finalized = [ev.school.name for ev in existing.values() if ev.is_finalized]
    if finalized:
        raise ValidationError({"schools": _("以下学校的评估已定稿，不能调整专家组：%(names)s") % {"names": "、".join(finalized)}})
    _check_panel_size(round=round, schools=schools, existing=existing, new_ids={u.pk for u in inspectors})
    new = Evaluation.objects.bulk_create(
        [Evaluation(round=round, school=s) for s in schools if s.pk not in existing]
    )
    evaluations = [*existing.values(), *new]
    if not new or not new[0].pk:  # backends without RETURNING: read the ids back
        evaluations = list(Evaluation.objects.filter(round=round, school__in=schools))
    ev_ids = [ev.pk for ev in evaluations]
    members = set(Scorecard.objects.filter(evaluation__in=ev_ids).values_list("evaluation_id", "inspector_id"))
    # Unset old leads first: one lead per evaluation is a database constraint.
    Scorecard.objects.filter(evaluation__in=ev_ids, is_lead=True).exclude(inspector=lead).update(is_lead=False)
    joining = [(ev_id, u) for ev_id in ev_ids for u in inspectors if (ev_id, u.pk) not in members]
    Scorecard.objects.bulk_create(
        [Scorecard(evaluation_id=ev_id, inspector=u, is_lead=(u.pk == lead.pk)) for ev_id, u in joining]
    )
    Scorecard.objects.filter(evaluation__in=ev_ids, inspector=lead).update(is_lead=True)
    Transition.objects.bulk_create(
        [
            Transition(
                evaluation_id=ev_id,
                action=Transition.Action.ASSIGN,
                by=by,
                reason=_("专家组：%(names)s；组长：%(lead)s")
                % {"names": "、".join(u.display_name for u in inspectors), "lead": lead.display_name}
                + (_("；已确认同区县提示") if warnings else ""),
            )
            for ev_id in ev_ids
        ]
    )
    audit_record(
        event="panel.assign",
        request=request,
        user=by,
        obj=round,
        schools=[s.code for s in schools],
        inspectors=[u.username for u in inspectors],
        lead=lead.username,
        **({"recusal_confirmed": [c.reason for c in warnings]} if warnings else {}),
    )
    school_of_ev = {ev.pk: ev.school_id for ev in evaluations}
    added: dict = {}
    for ev_id, u in joining:
        added.setdefault(u, []).append(school_of_ev[ev_id])
    notices.panel_assigned(added=added, schools_by_id={s.pk: s for s in schools}, round=round, by=by)
    return evaluations


@transaction.atomic
def panel_member_remove(*, scorecard: Scorecard, by, reason: str, request=None) -> None:
    """An admin takes one inspector off a panel (illness, a 回避 found late), with a reason.

    Nothing scored is ever lost: refused for the lead (appoint another lead first), for a scorecard
    that holds any score, note or evidence file, for a finalized evaluation or a closed round
    (Evaluation.lock_reason) and when the panel would fall below the round's minimum. The removed
    inspector is told (notifications).
    """
    if not roles.is_admin(by):
        raise PermissionDenied(_("只有管理员可以调整专家组。"))
    reason = strip_noncharacters(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写移出的原因。")})
    scorecard = (Scorecard.objects.select_for_update(of=("self",))
                 .select_related("evaluation__round", "evaluation__school", "inspector").get(pk=scorecard.pk))
    evaluation = scorecard.evaluation
    name = scorecard.inspector.display_name
    locked = evaluation.lock_reason()
    if locked:
        raise ValidationError(locked)
    if scorecard.is_lead:
        raise ValidationError(_("%(name)s 是组长，请先在专家组分配中指定其他组长再移出。") % {"name": name})
    if scorecard.is_submitted:
        raise ValidationError(_("%(name)s 的评分表已提交，不能移出。") % {"name": name})
    if any(model.objects.filter(scorecard=scorecard).exists()
           for model in (Score, Evidence, InspectorObservation, Transition)):
        raise ValidationError(_("%(name)s 已录入评分、观察意见或佐证材料（或评分表有流程记录），不能移出：评分记录须保留。")
                              % {"name": name})
    size = Scorecard.objects.filter(evaluation=evaluation).count() - 1
    if size < evaluation.round.panel_min:
        raise ValidationError(_("移出后专家组只剩 %(n)s 人，本批次至少 %(min)s 人（含组长）；请先补充专家。")
                              % {"n": size, "min": evaluation.round.panel_min})
    scorecard.delete()
    Transition.objects.create(evaluation=evaluation, action=Transition.Action.ASSIGN, by=by,
                              reason=_("移出专家组：%(name)s；原因：%(reason)s") % {"name": name, "reason": reason[:500]})
    audit_record(event="panel.remove", request=request, user=by, obj=evaluation,
                 inspector=scorecard.inspector.username, reason=reason[:500])
    notices.panel_removed(scorecard=scorecard, by=by, reason=reason[:500])


@transaction.atomic
def calibration_members_add(*, evaluation: Evaluation, inspectors, by, request=None) -> list[Scorecard]:
    """Give inspectors a scorecard on a calibration case (校准): no lead, no panel size, no 回避 —
    nothing of it is ever a result; an inspector already on it keeps their scorecard."""
    if not roles.is_admin(by):
        raise PermissionDenied
    evaluation = Evaluation.objects.select_for_update(of=("self",)).select_related("round").get(pk=evaluation.pk)
    if not evaluation.is_calibration:
        raise ValidationError(_("只有校准评估可以这样加入督导专家。"))
    if evaluation.round.status == Round.Status.CLOSED:
        raise ValidationError(_("该校准评估已结束，不能再加入督导专家。"))
    inspectors = list({u.pk: u for u in inspectors}.values())
    if not inspectors:
        raise ValidationError({"inspectors": _("请至少选择一位督导专家。")})
    not_inspectors = [u.display_name for u in inspectors if not roles.is_inspector(u)]
    if not_inspectors:
        raise ValidationError({"inspectors": _("以下用户不是督导专家：%(names)s") % {"names": "、".join(not_inspectors)}})
    have = set(Scorecard.objects.filter(evaluation=evaluation).values_list("inspector_id", flat=True))
    added = [u for u in inspectors if u.pk not in have]
    cards = Scorecard.objects.bulk_create([Scorecard(evaluation=evaluation, inspector=u) for u in added])
    if added:
        Transition.objects.create(
            evaluation=evaluation, action=Transition.Action.ASSIGN, by=by,
            reason=_("校准评估：%(names)s") % {"names": "、".join(u.display_name for u in added)},
        )
        audit_record(event="calibration.members_add", request=request, user=by, obj=evaluation,
                     inspectors=[u.username for u in added])
        notices.calibration_joined(evaluation=evaluation, inspectors=added, by=by)
    return cards


def _check_panel_size(*, round: Round, schools, existing: dict, new_ids: set) -> None:
    """Refuse when any school's panel (kept members plus the new ones) is outside the round's size."""
    members = defaultdict(set)
    for ev_id, inspector_id in Scorecard.objects.filter(evaluation__in=[ev.pk for ev in existing.values()]).values_list(
        "evaluation_id", "inspector_id"
    ):
        members[ev_id].add(inspector_id)
    wrong = defaultdict(list)
    for school in schools:
        ev = existing.get(school.pk)
        size = len(new_ids | (members[ev.pk] if ev else set()))
        if not round.panel_min <= size <= round.panel_max:
            wrong[size].append(school.name)
    if wrong:
        raise ValidationError({"inspectors": [
            _("本批次专家组须为 %(min)s–%(max)s 人（含组长），以下学校将有 %(n)s 人：%(names)s")
            % {"min": round.panel_min, "max": round.panel_max, "n": n, "names": "、".join(names)}
            for n, names in sorted(wrong.items())
        ]})


# ---------------------------------------------------------------- scores


def _check_scorecard_writable(scorecard: Scorecard, by) -> None:
    # The rule lives on the model (Scorecard.is_editable_by); here it becomes exceptions.
    if not scorecard.is_owned_by(by):
        raise PermissionDenied(_("只能修改自己的评分表。"))
    reason = scorecard.lock_reason()
    if reason is not None:
        raise ValidationError(reason)


def scores_save_many(*, scorecard: Scorecard, values: dict, by, request=None, force: bool = False) -> SaveResult:
    """Save several elements of one scorecard at once (autosave, the form, the xlsx import).

    An empty score with a note saves the note alone; an empty score on a scored element
    clears it back to unscored (both recorded in the history like any change). At most a handful of queries whatever the number of elements (bulk writes).
    """
    _check_scorecard_writable(scorecard, by)
    result = save_versioned(
        model=Score,
        owner={"scorecard": scorecard},
        version_id=scorecard.evaluation.round.rubric_version_id,
        values=values,
        by=by,
        force=force,
        allow_empty=True,
    )
    if result.changes:
        audit_record(event="score.change", request=request, user=by, obj=scorecard, changes=result.changes)
    return result


def _single_result(result: SaveResult, code: str):
    """Unwrap a one-element save: the saved row, or the error/conflict raised as an exception."""
    if code in result.errors:
        raise ValidationError({"points": result.errors[code]})
    if code in result.conflicts:
        raise ScoreConflict(result.conflicts[code])
    return result.saved[code]


def score_save(*, scorecard: Scorecard, element: Element, points, note: str | None, version: int, by, request=None) -> Score:
    """Save one element's score; raises ValidationError (bad value) or ScoreConflict (stale version)."""
    result = scores_save_many(
        scorecard=scorecard,
        values={element.code: {"points": points, "note": note, "version": version}},
        by=by,
        request=request,
    )
    return _single_result(result, element.code)


@transaction.atomic
def scorecard_submit(*, scorecard: Scorecard, by, request=None) -> Scorecard:
    """Submit a complete scorecard; afterwards it is read-only to its inspector."""
    scorecard = Scorecard.objects.select_for_update(of=("self",)).select_related("evaluation__round").get(pk=scorecard.pk)
    _check_scorecard_writable(scorecard, by)
    missing = list(
        Element.objects.filter(version_id=scorecard.evaluation.round.rubric_version_id)
        .exclude(pk__in=Score.objects.filter(scorecard=scorecard, points__isnull=False).values("element_id"))
        .order_by("order")
        .values_list("code", flat=True)
    )
    if missing:
        raise ScorecardIncomplete(missing)
    scorecard.status = Scorecard.Status.SUBMITTED
    scorecard.submitted_at = timezone.now()
    scorecard.full_clean()
    scorecard.save(update_fields=["status", "submitted_at"])
    Transition.objects.create(
        evaluation=scorecard.evaluation, scorecard=scorecard, action=Transition.Action.SUBMIT, by=by
    )
    _refresh_following_finals(scorecard.evaluation, by=by)
    audit_record(event="scorecard.submit", request=request, user=by, obj=scorecard)
    notices.scorecard_submitted(scorecard=scorecard, by=by)
    return scorecard


# ---------------------------------------------------------------- lead: final scores, finalize, reopen


def _check_lead(evaluation: Evaluation, by) -> None:
    if by is None or not evaluation.scorecards.filter(inspector=by, is_lead=True).exists():
        raise PermissionDenied(_("只有组长可以合议定分。"))
    # Finalized, or the round closed: the same rule and wording as the scorecards (Evaluation.lock_reason).
    reason = evaluation.lock_reason()
    if reason:
        raise ValidationError(reason)


def final_scores_save_many(*, evaluation: Evaluation, values: dict, by, request=None) -> SaveResult:
    """The lead sets several final scores at once (same version rules as inspectors' scores).

    A value equal to the consolidated value (合议值), or left empty, keeps that value even
    when it is off the scoring step, so a 合议说明 can be saved on any row.
    """
    _check_lead(evaluation, by)
    result = save_versioned(
        model=FinalScore,
        owner={"evaluation": evaluation},
        version_id=evaluation.round.rubric_version_id,
        values=values,
        by=by,
        defaults=selectors.consensus_defaults(evaluation=evaluation),
    )
    if result.changes:
        audit_record(event="final_score.change", request=request, user=by, obj=evaluation, changes=result.changes)
    return result


def final_score_set(*, evaluation: Evaluation, element: Element, points, note: str | None, version: int, by, request=None) -> FinalScore:
    """Set one element's final (consolidated) score; ValidationError or ScoreConflict on failure."""
    result = final_scores_save_many(
        evaluation=evaluation,
        values={element.code: {"points": points, "note": note, "version": version}},
        by=by,
        request=request,
    )
    return _single_result(result, element.code)


def _refresh_following_finals(evaluation: Evaluation, *, by, now=None) -> None:
    """Keep final scores that follow the consolidated value equal to it after the submitted set changed."""
    following = list(FinalScore.objects.select_for_update(of=("self",)).filter(evaluation=evaluation, follows_default=True))
    if not following:
        return
    defaults = selectors.consensus_defaults(evaluation=evaluation)
    now = now or timezone.now()
    changed = []
    for row in following:
        value = defaults.get(row.element_id)
        # No submitted score at all (every card returned): the row keeps its last value until one is.
        if value is not None and value != row.points:
            row.points, row.version, row.updated_by, row.updated_at = value, row.version + 1, by, now
            changed.append(row)
    if changed:
        bulk_update_with_history(changed, FinalScore, ["points", "version", "updated_by", "updated_at"],
                                 default_user=by, default_date=now, default_change_reason=_("随合议值更新"))


@transaction.atomic
def scorecard_return(*, scorecard: Scorecard, by, reason: str, request=None) -> Scorecard:
    """退回: the lead sends one submitted scorecard back to its inspector, who can edit it again.

    The reason is recorded as a Transition and shown to the inspector on the scorecard; while
    the card is a draft it no longer counts in the consolidated values.
    """
    scorecard = Scorecard.objects.select_for_update(of=("self",)).select_related("evaluation__round", "inspector").get(
        pk=scorecard.pk
    )
    evaluation = scorecard.evaluation
    _check_lead(evaluation, by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回原因。")})
    if not scorecard.is_submitted:
        raise ValidationError(_("%(name)s 的评分表尚未提交，无需退回。") % {"name": scorecard.inspector.display_name})
    scorecard.status = Scorecard.Status.DRAFT
    scorecard.submitted_at = None
    scorecard.save(update_fields=["status", "submitted_at"])
    Transition.objects.create(
        evaluation=evaluation, scorecard=scorecard, action=Transition.Action.RETURN, by=by, reason=reason
    )
    _refresh_following_finals(evaluation, by=by)
    audit_record(event="scorecard.return", request=request, user=by, obj=scorecard, reason=reason)
    notices.scorecard_returned(scorecard=scorecard, by=by, reason=reason)
    return scorecard


@transaction.atomic
def evaluation_finalize(*, evaluation: Evaluation, by, request=None) -> Evaluation:
    """Lock an evaluation: every scorecard submitted, every element given a final score.

    Elements the lead did not set get the round's consolidated value (mean or median,
    half-up to 0.01) of the submitted scores. Unless the round relaxes it, every flagged
    element and every final score other than the consolidated value needs a 合议说明.
    """
    evaluation = Evaluation.objects.select_for_update(of=("self",)).select_related("round").get(pk=evaluation.pk)
    _check_lead(evaluation, by)
    cards = list(evaluation.scorecards.select_related("inspector"))
    pending = [c.inspector.display_name for c in cards if not c.is_submitted]
    if pending:
        raise ValidationError(_("以下专家尚未提交评分表：%(names)s") % {"names": "、".join(pending)})
    _refresh_following_finals(evaluation, by=by)
    missing_notes = selectors.reconcile_rows_missing_notes(selectors.evaluation_reconcile(evaluation=evaluation))
    if missing_notes:
        raise ValidationError(
            _("以下要素须先填写合议说明才能定稿（分歧项，或最终得分不同于合议值）：%(codes)s")
            % {"codes": "、".join(row.element.code for row in missing_notes)},
            code="notes_missing",
            params={"codes": [row.element.code for row in missing_notes]},
        )
    if evaluation.round.require_opinion:
        missing_parts = PanelOpinion.missing_parts_of(PanelOpinion.objects.filter(evaluation=evaluation).first())
        if missing_parts:
            raise ValidationError(
                _("定稿前须完成评价意见，尚未填写：%(parts)s") % {"parts": "、".join(missing_parts)},
                code="opinion_missing",
                params={"parts": missing_parts},
            )
    elements = list(Element.objects.filter(version_id=evaluation.round.rubric_version_id))
    have = set(FinalScore.objects.filter(evaluation=evaluation).values_list("element_id", flat=True))
    by_element: dict[int, list[Decimal]] = {}
    for element_id, points in Score.objects.filter(scorecard__evaluation=evaluation, points__isnull=False).values_list(
        "element_id", "points"
    ):
        by_element.setdefault(element_id, []).append(points)
    now = timezone.now()
    missing = []
    for element in elements:
        if element.pk in have:
            continue
        value = consolidate(by_element.get(element.pk, []), evaluation.round.consolidation)
        if value is None:
            raise ValidationError(_("评估要素 %(code)s 没有任何得分，无法定稿。") % {"code": element.code})
        missing.append(FinalScore(evaluation=evaluation, element=element, points=value, version=1, updated_by=by,
                                  updated_at=now, follows_default=True))
    if missing:
        bulk_create_with_history(missing, FinalScore, default_user=by, default_date=now)
    evaluation.status = Evaluation.Status.FINALIZED
    evaluation.finalized_at = now
    evaluation.finalized_by = by
    evaluation.save(update_fields=["status", "finalized_at", "finalized_by"])
    Transition.objects.create(evaluation=evaluation, action=Transition.Action.FINALIZE, by=by)
    audit_record(event="evaluation.finalize", request=request, user=by, obj=evaluation, defaults=len(missing))
    notices.evaluation_finalized(evaluation=evaluation, by=by)
    return evaluation


@transaction.atomic
def evaluation_reopen(*, evaluation: Evaluation, by, reason: str, request=None) -> Evaluation:
    """An admin unlocks a finalized evaluation so the lead can correct final scores and the opinion.

    The final scores and the panel's opinion stay as they were (both editable by the lead
    again); every scorecard stays submitted (read-only to its inspector) until the lead returns
    it (scorecard_return). Later steps may forbid it (evaluation.hooks: a recognition list in
    公示 freezes its schools).
    """
    if not roles.is_admin(by):
        raise PermissionDenied(_("只有管理员可以重新开启评估。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写重新开启的原因。")})
    evaluation = Evaluation.objects.select_for_update(of=("self",)).get(pk=evaluation.pk)
    if not evaluation.is_finalized:
        raise ValidationError(_("该评估尚未定稿，无需重新开启。"))
    refusals = hooks.reopen_refusals(evaluation)
    if refusals:
        raise ValidationError(refusals)
    evaluation.status = Evaluation.Status.IN_PROGRESS
    evaluation.finalized_at = None
    evaluation.finalized_by = None
    evaluation.save(update_fields=["status", "finalized_at", "finalized_by"])
    Transition.objects.create(evaluation=evaluation, action=Transition.Action.REOPEN, by=by, reason=reason)
    audit_record(event="evaluation.reopen", request=request, user=by, obj=evaluation, reason=reason)
    notices.evaluation_reopened(evaluation=evaluation, by=by, reason=reason)
    return evaluation


# ---------------------------------------------------------------- 评价意见: observations and the panel's opinion


class OpinionConflict(Exception):
    """A stale save of the panel's opinion; `current` is the opinion as it is now."""

    def __init__(self, current: PanelOpinion):
        self.current = current
        super().__init__(_("评价意见已被他人修改。"))


def _opinion_text(value, *, label: str) -> str:
    """User text for an opinion or observation: non-characters and controls dropped, length checked."""
    text = strip_noncharacters(str(value or ""))
    if len(text) > OPINION_MAX_LENGTH:
        raise ValidationError(
            _("%(label)s不能超过 %(n)s 字。") % {"label": label, "n": OPINION_MAX_LENGTH}, code="max_length"
        )
    return text


@dataclass
class ObservationResult:
    """What an observations save did, keyed by dimension code."""

    saved: dict[str, InspectorObservation] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, InspectorObservation] = field(default_factory=dict)


@transaction.atomic
def observations_save(*, scorecard: Scorecard, values: dict, by, request=None) -> ObservationResult:
    """An inspector saves their own observations per A: {"A1": {"text": str, "version": int}}.

    Editable exactly while the scorecard is (Scorecard.is_editable_by). Each dimension is
    versioned like a score: a stale version is a conflict and leaves the stored text alone;
    an unchanged text is acknowledged without a new version.
    """
    # As stored, under a lock: a submit (or a lead's return) in between decides, not the caller's copy.
    scorecard = Scorecard.objects.select_for_update(of=("self",)).select_related("evaluation__round").get(pk=scorecard.pk)
    _check_scorecard_writable(scorecard, by)
    from rubric.models import Dimension

    result = ObservationResult()
    dims = {d.code: d for d in Dimension.objects.filter(version_id=scorecard.evaluation.round.rubric_version_id)}
    parsed = {}
    for code, item in values.items():
        dimension = dims.get(code)
        if dimension is None:
            result.errors[code] = _("一级指标 %(code)s 不存在。") % {"code": code}
            continue
        try:
            text = _opinion_text(item.get("text"), label=_("观察意见"))
        except ValidationError as exc:
            result.errors[code] = exc.messages[0]
            continue
        parsed[code] = (dimension, text, as_version(item.get("version")))
    if not parsed:
        return result
    changes = []
    current = {
        row.dimension_id: row
        for row in InspectorObservation.objects.select_for_update(of=("self",))
        .filter(scorecard=scorecard, dimension__in=[p[0] for p in parsed.values()])
        .select_related("updated_by")
    }
    for code, (dimension, text, seen) in parsed.items():
        row = current.get(dimension.pk)
        if row is None:
            if not text.strip():
                continue  # an untouched empty box is not a save request
            if seen not in (0, None):
                result.errors[code] = _("版本号无效，请刷新页面后重试。")
                continue
            row = InspectorObservation(scorecard=scorecard, dimension=dimension, text=text, version=1, updated_by=by)
        elif row.text == text:
            result.saved[code] = row  # a replay of what is stored: acknowledged, no new version
            continue
        elif seen != row.version:
            result.conflicts[code] = row
            continue
        else:
            row.text, row.version, row.updated_by = text, row.version + 1, by
        row._history_user = by
        row.save()
        result.saved[code] = row
        changes.append({"dimension": code, "version": row.version})
    if changes:
        audit_record(event="observation.change", request=request, user=by, obj=scorecard, changes=changes)
    return result


@transaction.atomic
def opinion_save(
    *, evaluation: Evaluation, overall: str, strengths: str, problems: str, suggestions: str,
    dimension_notes: dict[str, str] | None = None, version: int, by, request=None,
) -> PanelOpinion:
    """The lead saves the panel's opinion (a draft may be incomplete; finalizing checks completeness).

    Refused while locked (finalized, round closed: Evaluation.opinion_lock_reason) or for anyone
    but the lead; `version` is the one the lead last saw, and a stale one raises
    OpinionConflict with the stored opinion, which stays unchanged. Per-A entries are keyed by
    the round's dimension codes; empty ones are dropped.
    """
    # The evaluation row first, as finalize does: a save and a finalize never interleave.
    evaluation = Evaluation.objects.select_for_update(of=("self",)).select_related("round").get(pk=evaluation.pk)
    if not evaluation.is_lead(by):
        raise PermissionDenied(_("只有组长可以撰写评价意见。"))
    reason = evaluation.opinion_lock_reason()
    if reason is not None:
        raise ValidationError(reason)
    from rubric.models import Dimension

    given = {"overall": overall, "strengths": strengths, "problems": problems, "suggestions": suggestions}
    texts, errors = {}, {}
    for name, label in PanelOpinion.PARTS:
        try:
            texts[name] = _opinion_text(given[name], label=str(label))
        except ValidationError as exc:
            errors[name] = exc.messages
    codes = set(Dimension.objects.filter(version_id=evaluation.round.rubric_version_id).values_list("code", flat=True))
    notes = {}
    for code, text in (dimension_notes or {}).items():
        if code not in codes:
            errors.setdefault("dimension_notes", []).append(_("一级指标 %(code)s 不存在。") % {"code": code})
            continue
        try:
            text = _opinion_text(text, label=_("%(code)s 分项意见") % {"code": code})
        except ValidationError as exc:
            errors.setdefault(f"dim_{code}", []).extend(exc.messages)
            continue
        if text.strip():
            notes[code] = text
    if errors:
        raise ValidationError(errors)
    opinion = (PanelOpinion.objects.select_for_update(of=("self",)).filter(evaluation=evaluation)
               .select_related("updated_by").first())
    seen = as_version(version)
    if opinion is None:
        if seen not in (0, None):
            raise ValidationError(_("版本号无效，请刷新页面后重试。"))
        opinion = PanelOpinion(evaluation=evaluation, version=0)
    unchanged = all(getattr(opinion, k) == v for k, v in texts.items()) and opinion.dimension_notes == notes
    if opinion.pk and unchanged:
        return opinion  # a replay of what is stored: no new version, no history row
    if opinion.pk and seen != opinion.version:
        raise OpinionConflict(opinion)
    for name, text in texts.items():
        setattr(opinion, name, text)
    opinion.dimension_notes = notes
    opinion.version += 1
    opinion.updated_by = by
    opinion._history_user = by
    opinion.full_clean()
    opinion.save()
    audit_record(
        event="opinion.change", request=request, user=by, obj=evaluation, version=opinion.version,
        missing=PanelOpinion.missing_parts_of(opinion),
    )
    return opinion


# ---------------------------------------------------------------- evidence

@transaction.atomic
def evidence_add(*, scorecard: Scorecard, element: Element, upload, by, request=None) -> Evidence:
    """Store one evidence file under a server-generated name, after checking its content."""
    _check_scorecard_writable(scorecard, by)
    if element.version_id != scorecard.evaluation.round.rubric_version_id:
        raise ValidationError({"element": _("评估要素不属于本批次的评估细则。")})
    try:
        checked = check_evidence_upload(upload)
    except UploadRefused as exc:
        raise ValidationError({"file": exc.message}) from exc
    evidence = evidence_from_upload(Evidence, checked=checked, upload=upload, scorecard=scorecard, element=element,
                                    uploaded_by=by)
    audit_record(
        event="evidence.upload", request=request, user=by, obj=evidence,
        element=element.code, sha256=evidence.sha256, size=evidence.size,
    )
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: Evidence, by, request=None) -> None:
    """Remove an evidence file while its scorecard is still a draft."""
    _check_scorecard_writable(evidence.scorecard, by)
    audit_record(
        event="evidence.delete", request=request, user=by, obj=evidence,
        element=evidence.element.code, sha256=evidence.sha256,
    )
    evidence_remove(evidence)


# ---------------------------------------------------------------- offline xlsx


# What a damaged workbook raises while it is read (defusedxml's refusals are ValueErrors).
_DAMAGED_WORKBOOK = (ElementTree.ParseError, ExpatError, zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError)
# The errors a damaged workbook raises while it is read (other apps' imports catch the same).
DAMAGED_WORKBOOK = _DAMAGED_WORKBOOK


class ScorecardImportError(ValidationError):
    """A refused spreadsheet; `cell_errors` lists "F23：…" messages."""

    def __init__(self, cell_errors: list[str]):
        self.cell_errors = cell_errors
        super().__init__(cell_errors)


@transaction.atomic
def scorecard_import_xlsx(*, scorecard: Scorecard, file, by, request=None) -> SaveResult:
    """Read a filled-in scorecard workbook; all rows valid or nothing is saved.

    Rows with an empty 得分 are skipped (not yet scored). The inspector's own file carries
    no versions, so a valid file overwrites the scorecard's current values.
    """
    from .xlsx import read_scorecard_rows

    _check_scorecard_writable(scorecard, by)
    try:
        # The same inflate limit as the school import, before openpyxl unpacks anything.
        check_xlsx_limits(file)
    except UploadRefused as exc:
        raise ScorecardImportError([exc.message]) from exc
    try:
        rows, errors = read_scorecard_rows(file, version_id=scorecard.evaluation.round.rubric_version_id)
    except _DAMAGED_WORKBOOK as exc:
        # openpyxl's read-only mode parses a sheet while its rows are read: XML no reader accepts
        # (a raw U+FFFF, say) fails there, not when the workbook is opened.
        raise ScorecardImportError([_("文件无法读取：请上传从本系统下载的 .xlsx 评分表。")]) from exc
    if errors:
        raise ScorecardImportError(errors)
    if not rows:
        raise ScorecardImportError([_("文件中没有填写任何得分。")])
    values = {code: {"points": points, "note": note, "version": None} for code, (points, note, _cell) in rows.items()}
    result = scores_save_many(scorecard=scorecard, values=values, by=by, request=request, force=True)
    if result.errors or result.conflicts:  # parsed above already; a guard: raising rolls back, never partial
        raise ScorecardImportError([f"{rows[c][2]}：{m}" for c, m in result.errors.items()])
    Transition.objects.create(
        evaluation=scorecard.evaluation, scorecard=scorecard, action=Transition.Action.IMPORT, by=by,
        reason=_("导入 %(count)s 项得分") % {"count": len(rows)},
    )
    audit_record(event="scorecard.upload", request=request, user=by, obj=scorecard, rows=len(rows))
    return result
