"""Every write of 学校自评申报: nominations, self-scores, evidence, the report, and each step of the
chain (提交 → 退回 / 推荐 → 退回区县 / 受理 / 不予受理), under row locks with their preconditions.

Scores share the inspectors' versioned saver (evaluation.versioned), so a stale save is a conflict
and never overwrites; every step is a Transition and an audit record.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles, scopes
from audit.services import audit_record
from config.evidence_files import evidence_from_upload, evidence_remove
from config.text import strip_noncharacters
from config.uploads import UploadRefused, check_evidence_upload
from evaluation.models import Round
from evaluation.versioned import SaveResult, save_versioned

from . import notices, selectors
from .models import SchoolNomination, SelfAssessment, SelfEvidence, SelfScore, Transition

SELF_LABELS = ("自评分", "自评说明")
REPORT_MAX = 20000
REASON_MAX = 2000
FILES_PER_SLOT = 20


class SelfAssessmentLocked(PermissionDenied):
    """The school may not change it now; str() is the reason (submitted, recommended, deadline …)."""


class SelfAssessmentIncomplete(ValidationError):
    """Submit refused; `completeness` lists the missing self-scores, required files and the report."""

    def __init__(self, completeness):
        self.completeness = completeness
        parts = []
        if completeness.missing_scores:
            parts.append(_("%(n)s 项评估要素未自评：%(codes)s") % {
                "n": len(completeness.missing_scores), "codes": "、".join(completeness.missing_scores)})
        if completeness.missing_evidence:
            parts.append(_("%(n)s 项必需的佐证材料未上传：%(items)s") % {
                "n": len(completeness.missing_evidence),
                "items": "、".join(f"{r.element.code}“{r.name}”" for r in completeness.missing_evidence)})
        if completeness.report_missing:
            parts.append(_("自评报告未填写"))
        super().__init__(_("还不能提交：") + "；".join(parts) + "。")


class ReportConflict(ValidationError):
    """The 自评报告 was saved by someone else since the page was opened; `current` is their text."""

    def __init__(self, current: str):
        self.current = current
        super().__init__(_("自评报告已被他人修改，您的修改未保存。下方已显示最新内容，请核对后再次保存。"))


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def version_change_guard(round) -> str | None:
    """Refuse changing a round's rubric version once any school filed self-scores or files in it:
    they belong to the old version's elements (evaluation.hooks)."""
    if SelfScore.objects.filter(self_assessment__round_id=round.pk).exists() or \
            SelfEvidence.objects.filter(self_assessment__round_id=round.pk).exists():
        return _("学校已填报自评（自评分或佐证材料），不能更换本批次的评估细则版本。")
    return None


# ---------------------------------------------------------------- nominations (区县提名)


@transaction.atomic
def nominations_set(*, round: Round, district_ids, schools, by, request=None, today: date | None = None):
    """The district's nominated schools in a round become exactly `schools` (within the districts
    the official reviews); returns (added, removed) school lists."""
    from .models import SelfAssessment

    round = Round.objects.select_for_update().get(pk=round.pk)
    if not round.self_assessment or round.applicants != Round.Applicants.NOMINATED:
        raise ValidationError(selectors.nomination_refusal(round=round, today=_today(today)))
    district_ids = set(district_ids)
    if not district_ids or not district_ids <= set(scopes.review_districts(by)):
        raise PermissionDenied(_("只有区县教育局可以提名本区县的学校。"))
    refusal = selectors.nomination_refusal(round=round, today=_today(today))
    if refusal:
        raise ValidationError(refusal)
    schools = list(schools)
    outside = [s.name for s in schools if s.district_id not in district_ids]
    if outside:
        raise PermissionDenied(_("只能提名本区县的学校：%(names)s") % {"names": "、".join(outside)})
    current = {n.school_id: n for n in SchoolNomination.objects.select_for_update()
               .filter(round=round, school__district_id__in=district_ids).select_related("school")}
    wanted = {s.pk: s for s in schools}
    removed = [n for school_id, n in current.items() if school_id not in wanted]
    started = set(SelfAssessment.objects.filter(round=round, school__in=[n.school_id for n in removed])
                  .exclude(status=SelfAssessment.Status.NOT_STARTED).values_list("school__name", flat=True))
    if started:
        raise ValidationError(_("以下学校已开始填报，不能取消提名：%(names)s") % {"names": "、".join(sorted(started))})
    added = [s for pk, s in wanted.items() if pk not in current]
    SchoolNomination.objects.bulk_create([SchoolNomination(round=round, school=s, by=by) for s in added])
    SchoolNomination.objects.filter(pk__in=[n.pk for n in removed]).delete()
    if added or removed:
        audit_record(event="self_assessment.nominate", request=request, user=by, obj=round,
                     added=[s.code for s in added], removed=[n.school.code for n in removed])
    return added, [n.school for n in removed]


# ---------------------------------------------------------------- the school's own writes


def _check_school(self_assessment, by, *, operator: bool) -> None:
    school = scopes.school_of(by) if getattr(by, "is_active", False) else None
    own = school is not None and school.pk == self_assessment.school_id
    if operator:
        # The server's offline import (import_self_assessment): recorded as done by an admin or by the
        # school's own account, never by anyone else named on the command line.
        if not own and not (getattr(by, "is_active", False) and roles.is_admin(by)):
            raise PermissionDenied(_("只有管理员或本校的学校（填报）账号可以作为导入的操作人（--by）。"))
        return
    if not own:
        raise PermissionDenied(_("只有本校的填报账号可以修改本校的自评。"))


def _writable(self_assessment, by, *, today: date | None, operator: bool = False) -> SelfAssessment:
    """The school's self-assessment, locked, created when the school first writes to it; refused
    (SelfAssessmentLocked, a 403) when the school may not change it now. Call inside a transaction."""
    _check_school(self_assessment, by, operator=operator)
    today = _today(today)
    row = (SelfAssessment.objects.select_for_update(of=("self",)).select_related("round__rubric_version", "school")
           .filter(round_id=self_assessment.round_id, school_id=self_assessment.school_id).first())
    if row is None:
        refusal = selectors.application_refusal(round=self_assessment.round, school=self_assessment.school, today=today)
        if refusal:
            raise SelfAssessmentLocked(refusal)
        return SelfAssessment.objects.create(round=self_assessment.round, school=self_assessment.school,
                                             status=SelfAssessment.Status.DRAFT)
    reason = row.lock_reason(today=today)
    if reason:
        raise SelfAssessmentLocked(reason)
    if row.status == SelfAssessment.Status.NOT_STARTED:
        row.status = SelfAssessment.Status.DRAFT
        row.save(update_fields=["status", "updated_at"])
    return row


@transaction.atomic
def self_scores_save_many(*, self_assessment, values: dict, by, request=None, force: bool = False,
                          today: date | None = None, operator: bool = False) -> SaveResult:
    """Save several self-scores and 自评说明 at once (autosave, the plain form, the workbook), under the
    same version rules as inspectors' scores (evaluation.versioned)."""
    sa = _writable(self_assessment, by, today=today, operator=operator)
    result = save_versioned(model=SelfScore, owner={"self_assessment": sa}, version_id=sa.round.rubric_version_id,
                            values=values, by=by, force=force, allow_empty=True, labels=SELF_LABELS)
    if result.changes:
        audit_record(event="self_score.change", request=request, user=by, obj=sa, changes=result.changes)
    result.self_assessment = sa
    return result


@transaction.atomic
def self_assessment_report_save(*, self_assessment, summary: str, version, by, request=None,
                                today: date | None = None) -> SelfAssessment:
    """The 自评报告's text (summary of the self-assessment), with the same lost-update guard as scores."""
    sa = _writable(self_assessment, by, today=today)
    summary = strip_noncharacters(summary or "").strip()
    if len(summary) > REPORT_MAX:
        raise ValidationError({"summary": _("自评报告不能超过 %(n)s 字（现有 %(m)s 字）。") % {"n": REPORT_MAX, "m": len(summary)}})
    try:
        seen = int(str(version).strip())
    except (TypeError, ValueError):
        seen = -1
    if summary == sa.report_summary:
        return sa
    if seen != sa.report_version:
        raise ReportConflict(sa.report_summary)
    sa.report_summary = summary
    sa.report_version += 1
    sa.save(update_fields=["report_summary", "report_version", "updated_at"])
    audit_record(event="self_assessment.report", request=request, user=by, obj=sa, version=sa.report_version,
                 length=len(summary))
    return sa


@transaction.atomic
def self_evidence_add(*, self_assessment, upload, by, element=None, requirement=None, request=None,
                      today: date | None = None) -> SelfEvidence:
    """File one document against an element's requirement (or the element, or — neither given — the
    自评报告), under the inspectors' upload rules plus the requirement's accepted kinds."""
    sa = _writable(self_assessment, by, today=today)
    version_id = sa.round.rubric_version_id
    if requirement is not None:
        if requirement.version_id != version_id:
            raise ValidationError({"requirement": _("佐证要求不属于本批次的评估细则。")})
        element = requirement.element
    if element is not None and element.version_id != version_id:
        raise ValidationError({"element": _("评估要素不属于本批次的评估细则。")})
    try:
        checked = check_evidence_upload(upload)
    except UploadRefused as exc:
        raise ValidationError({"file": exc.message}) from exc
    if requirement is not None and not requirement.accepts(checked.kind):
        from rubric.schema import kind_labels

        raise ValidationError({"file": _("“%(name)s”只接受%(kinds)s，该文件是%(kind)s。") % {
            "name": requirement.name, "kinds": requirement.kind_labels, "kind": kind_labels([checked.kind])}})
    slot = SelfEvidence.objects.filter(self_assessment=sa, element=element, requirement=requirement)
    if slot.count() >= FILES_PER_SLOT:
        raise ValidationError({"file": _("每项最多上传 %(n)s 个文件。") % {"n": FILES_PER_SLOT}})
    evidence = evidence_from_upload(SelfEvidence, checked=checked, upload=upload, self_assessment=sa, element=element,
                                    requirement=requirement, uploaded_by=by)
    audit_record(event="self_evidence.upload", request=request, user=by, obj=evidence,
                 element=element.code if element else "", requirement=requirement.name if requirement else "",
                 sha256=evidence.sha256, size=evidence.size)
    return evidence


@transaction.atomic
def self_evidence_delete(*, evidence: SelfEvidence, by, request=None, today: date | None = None) -> None:
    """Remove a file while the school may still change its self-assessment."""
    _writable(evidence.self_assessment, by, today=today)
    audit_record(event="self_evidence.delete", request=request, user=by, obj=evidence,
                 element=evidence.element.code if evidence.element_id else "", sha256=evidence.sha256)
    evidence_remove(evidence)


@transaction.atomic
def self_assessment_submit(*, self_assessment, by, request=None, today: date | None = None) -> SelfAssessment:
    """提交: refused while any element has no self-score, any required file is missing or the report is
    empty (SelfAssessmentIncomplete lists them); afterwards read-only to the school."""
    sa = _writable(self_assessment, by, today=today)
    state = selectors.completeness_of(sa)
    if not state.complete:
        raise SelfAssessmentIncomplete(state)
    returned = sa.status == SelfAssessment.Status.RETURNED
    sa.status = SelfAssessment.Status.SUBMITTED
    sa.submitted_at = timezone.now()
    sa.save(update_fields=["status", "submitted_at", "updated_at"])
    Transition.objects.create(self_assessment=sa, action=Transition.Action.SUBMIT, by=by,
                              reason=_("修改后重新提交") if returned else "")
    audit_record(event="self_assessment.submit", request=request, user=by, obj=sa, resubmitted=returned)
    notices.step(sa=sa, action="submit", by=by)
    return sa


# ---------------------------------------------------------------- the offline workbook


class SelfAssessmentImportError(ValidationError):
    """A refused workbook; `cell_errors` lists "F23：…" messages."""

    def __init__(self, cell_errors: list[str]):
        self.cell_errors = cell_errors
        super().__init__(cell_errors)


@transaction.atomic
def self_assessment_import_xlsx(*, self_assessment, file, by, request=None, today: date | None = None,
                                operator: bool = False) -> SaveResult:
    """Read a filled self-assessment workbook: every row valid or nothing is saved.

    Rows with an empty 自评分 are skipped. The school's own file carries no versions, so a valid file
    overwrites the current values. `operator`: the server's command, loading a school's file.
    """
    from evaluation.services import _DAMAGED_WORKBOOK
    from config.uploads import check_xlsx_limits

    from .xlsx import read_self_assessment_rows

    sa = _writable(self_assessment, by, today=today, operator=operator)
    try:
        check_xlsx_limits(file)
    except UploadRefused as exc:
        raise SelfAssessmentImportError([exc.message]) from exc
    try:
        rows, errors = read_self_assessment_rows(file, version_id=sa.round.rubric_version_id)
    except _DAMAGED_WORKBOOK as exc:
        raise SelfAssessmentImportError([_("文件无法读取：请上传从本系统下载的 .xlsx 自评表。")]) from exc
    if errors:
        raise SelfAssessmentImportError(errors)
    if not rows:
        raise SelfAssessmentImportError([_("文件中没有填写任何自评分。")])
    values = {code: {"points": points, "note": note, "version": None} for code, (points, note, _cell) in rows.items()}
    result = self_scores_save_many(self_assessment=sa, values=values, by=by, request=request, force=True, today=today,
                                   operator=operator)
    if result.errors or result.conflicts:  # parsed above already; a guard: raising rolls back, never partial
        raise SelfAssessmentImportError([f"{rows[c][2]}：{m}" for c, m in result.errors.items()])
    Transition.objects.create(self_assessment=sa, action=Transition.Action.IMPORT, by=by,
                              reason=_("导入 %(count)s 项自评") % {"count": len(rows)})
    audit_record(event="self_assessment.upload", request=request, user=by, obj=sa, rows=len(rows))
    return result


# ---------------------------------------------------------------- 区县初评 (the district's one write)


def _lock(self_assessment) -> SelfAssessment:
    return (SelfAssessment.objects.select_for_update(of=("self",)).select_related("round__rubric_version", "school")
            .get(pk=self_assessment.pk))


def _check_reviewer(sa: SelfAssessment, by) -> None:
    if not scopes.reviews_district(by, sa.school.district_id):
        raise PermissionDenied(_("只有该校所在区县的教育局可以初评。"))


def review_closed_check(sa: SelfAssessment, *, today: date | None = None) -> None:
    """The district's review (退回 / 推荐) is over once it recommended (and the city decided): refused
    as a 403 (SelfAssessmentLocked); past the round's review deadline (区县初评截止) both steps are
    refused alike (ValidationError). The one rule for the services and the review views."""
    if sa.status in (SelfAssessment.Status.RECOMMENDED, SelfAssessment.Status.ADMITTED,
                     SelfAssessment.Status.DECLINED):
        raise SelfAssessmentLocked(_("该申报当前为“%(status)s”，区县初评已结束，不能再退回或推荐。") % {
            "status": sa.get_status_display()})
    closes = sa.round.district_review_closes_on
    if closes and _today(today) > closes:
        raise ValidationError(_("区县初评已于 %(d)s 截止，不能再退回或推荐。") % {"d": closes.isoformat()})


def _text(value: str, *, label: str, required: bool) -> str:
    text = strip_noncharacters(value or "").strip()
    if required and not text:
        raise ValidationError(_("请填写%(label)s。") % {"label": label})
    if len(text) > REASON_MAX:
        raise ValidationError(_("%(label)s不能超过 %(n)s 字。") % {"label": label, "n": REASON_MAX})
    return text


def _require_status(sa: SelfAssessment, *statuses, action: str) -> None:
    if sa.status not in statuses:
        raise ValidationError(_("该申报当前为“%(status)s”，不能%(action)s。") % {
            "status": sa.get_status_display(), "action": action})


@transaction.atomic
def self_assessment_return(*, self_assessment, by, reason: str = "", element_reasons: dict | None = None,
                           request=None, today: date | None = None) -> SelfAssessment:
    """退回: the district sends a submission back to the school with an overall reason and/or reasons at
    elements; the school edits and resubmits (each round trip recorded)."""
    sa = _lock(self_assessment)
    _check_reviewer(sa, by)
    review_closed_check(sa, today=today)
    _require_status(sa, SelfAssessment.Status.SUBMITTED, action=_("退回"))
    reason = _text(reason, label=_("退回原因"), required=False)
    from rubric.models import Element

    codes = set(Element.objects.filter(version_id=sa.round.rubric_version_id).values_list("code", flat=True))
    reasons = {}
    for code, text in (element_reasons or {}).items():
        if code not in codes:
            raise ValidationError(_("评估要素 %(code)s 不在本批次的评估细则中。") % {"code": str(code)[:10]})
        text = _text(text, label=_("%(code)s 的退回原因") % {"code": code}, required=False)
        if text:
            reasons[code] = text
    if not reason and not reasons:
        raise ValidationError(_("请填写退回原因（总体或具体要素）。"))
    sa.status = SelfAssessment.Status.RETURNED
    sa.save(update_fields=["status", "updated_at"])
    Transition.objects.create(self_assessment=sa, action=Transition.Action.RETURN, by=by, reason=reason,
                              element_reasons=reasons)
    audit_record(event="self_assessment.return", request=request, user=by, obj=sa, reason=reason,
                 element_reasons=reasons)
    notices.step(sa=sa, action="return", by=by, reason=reason)
    return sa


@transaction.atomic
def self_assessment_recommend(*, self_assessment, by, opinion: str, request=None,
                              today: date | None = None) -> SelfAssessment:
    """推荐: the district recommends a submission to the city with its 初评意见; the submission is locked.
    Refused after the review deadline, as 退回 is."""
    sa = _lock(self_assessment)
    _check_reviewer(sa, by)
    review_closed_check(sa, today=today)
    _require_status(sa, SelfAssessment.Status.SUBMITTED, action=_("推荐"))
    opinion = _text(opinion, label=_("初评意见"), required=True)
    sa.status = SelfAssessment.Status.RECOMMENDED
    sa.district_opinion = opinion
    sa.recommended_at = timezone.now()
    sa.save(update_fields=["status", "district_opinion", "recommended_at", "updated_at"])
    Transition.objects.create(self_assessment=sa, action=Transition.Action.RECOMMEND, by=by, reason=opinion)
    audit_record(event="self_assessment.recommend", request=request, user=by, obj=sa, opinion=opinion)
    notices.step(sa=sa, action="recommend", by=by, reason=opinion)
    return sa


# ---------------------------------------------------------------- 市级受理 (the city: 管理员)


def _check_city(by) -> None:
    if not roles.is_admin(by):
        raise PermissionDenied(_("只有市级（管理员）可以受理或退回区县。"))


@transaction.atomic
def self_assessment_send_back(*, self_assessment, by, reason: str, request=None) -> SelfAssessment:
    """退回区县: the city sends a recommended submission back to the district with a reason; the
    district reviews it again (it is 已提交 once more) and the 初评意见 is cleared."""
    _check_city(by)
    sa = _lock(self_assessment)
    _require_status(sa, SelfAssessment.Status.RECOMMENDED, action=_("退回区县"))
    reason = _text(reason, label=_("退回区县的原因"), required=True)
    sa.status = SelfAssessment.Status.SUBMITTED
    sa.district_opinion, sa.recommended_at = "", None
    sa.save(update_fields=["status", "district_opinion", "recommended_at", "updated_at"])
    Transition.objects.create(self_assessment=sa, action=Transition.Action.SEND_BACK, by=by, reason=reason)
    audit_record(event="self_assessment.send_back", request=request, user=by, obj=sa, reason=reason)
    notices.step(sa=sa, action="send_back", by=by, reason=reason)
    return sa


@transaction.atomic
def self_assessment_admit(*, self_assessment, by, request=None) -> SelfAssessment:
    """受理: the school enters the round — its evaluation is created (evaluation.services.evaluation_create),
    ready for panel assignment."""
    from evaluation.services import evaluation_create

    _check_city(by)
    sa = _lock(self_assessment)
    _require_status(sa, SelfAssessment.Status.RECOMMENDED, action=_("受理"))
    evaluation = evaluation_create(round=sa.round, school=sa.school, by=by, request=request)
    sa.status = SelfAssessment.Status.ADMITTED
    sa.evaluation = evaluation
    sa.decided_at = timezone.now()
    sa.save(update_fields=["status", "evaluation", "decided_at", "updated_at"])
    Transition.objects.create(self_assessment=sa, action=Transition.Action.ADMIT, by=by)
    audit_record(event="self_assessment.admit", request=request, user=by, obj=sa, evaluation=evaluation.pk)
    notices.step(sa=sa, action="admit", by=by)
    return sa


@transaction.atomic
def self_assessments_admit(*, self_assessments, by, request=None) -> list[SelfAssessment]:
    """受理 several at once, all or none."""
    return [self_assessment_admit(self_assessment=sa, by=by, request=request) for sa in self_assessments]


@transaction.atomic
def self_assessment_decline(*, self_assessment, by, reason: str, request=None) -> SelfAssessment:
    """不予受理 with a reason the school and the district see."""
    _check_city(by)
    sa = _lock(self_assessment)
    _require_status(sa, SelfAssessment.Status.RECOMMENDED, action=_("不予受理"))
    reason = _text(reason, label=_("不予受理的原因"), required=True)
    sa.status = SelfAssessment.Status.DECLINED
    sa.decision_reason = reason
    sa.decided_at = timezone.now()
    sa.save(update_fields=["status", "decision_reason", "decided_at", "updated_at"])
    Transition.objects.create(self_assessment=sa, action=Transition.Action.DECLINE, by=by, reason=reason)
    audit_record(event="self_assessment.decline", request=request, user=by, obj=sa, reason=reason)
    notices.step(sa=sa, action="decline", by=by, reason=reason)
    return sa
