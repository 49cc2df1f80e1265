"""Every write of 整改与复核: create an item, the school's report, the review.

Each step is a keyword-only service under transaction.atomic that locks the item (or, to create, the
evaluation), checks who acts and the preconditions on the rows as stored, writes, records a
RectificationTransition (who, when, from, to, why) and audits. A step out of order is refused with a
Chinese ValidationError and writes nothing; a stale `version` raises ItemConflict. `today` is
injectable so tests never depend on the clock.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scopes
from audit.services import audit_record
from config.text import clean_field_text, strip_noncharacters
from config.evidence_files import evidence_from_upload
from config.uploads import UploadRefused, check_evidence_upload
from evaluation.models import Evaluation
from rubric.models import Element

from . import notices
from .models import (RectificationEvidence, RectificationItem, RectificationReport, RectificationReview,
                     RectificationTransition)

TEXT_MAX_LENGTH = 5000
NOTE_MAX_LENGTH = 2000
RESPONSIBLE_MAX_LENGTH = 100
FILES_PER_REPORT = 10


class ItemConflict(Exception):
    """A stale form: the item changed since it was shown; `current` is the item as it is now."""

    def __init__(self, current: RectificationItem):
        self.current = current
        super().__init__(_("该整改事项已被他人处理，请刷新后再试。"))


def _today(today: date | None) -> date:
    return today or timezone.localdate()


# One rule for a service's text fields (config.text).
_text = clean_field_text


def _lock_item(item: RectificationItem) -> RectificationItem:
    # Lock the item alone (select_related would lock the joined rows too on PostgreSQL), read the rest after.
    locked = RectificationItem.objects.select_for_update().get(pk=item.pk)
    locked.evaluation = Evaluation.objects.select_related("round", "school__district").get(pk=locked.evaluation_id)
    return locked


def _check_version(item: RectificationItem, version) -> None:
    if version is not None and int(version) != item.version:
        raise ItemConflict(item)


def _move(item: RectificationItem, to: str, *, action: str, by, reason: str = "") -> RectificationTransition:
    before = item.status
    item.status = to
    item.version += 1
    item.save(update_fields=["status", "version", "updated_at"])
    return RectificationTransition.objects.create(item=item, action=action, from_status=before, to_status=to, by=by,
                                                  reason=reason)


def element_codes_parse(value, *, version_id) -> list[str]:
    """Element codes ("C1, C5" or a list) checked against a rubric version, in rubric order, no repeats."""
    if isinstance(value, str):
        parts = value.replace("，", ",").replace("、", ",").replace(" ", ",").split(",")
    else:
        parts = list(value or [])
    wanted = [str(p).strip().upper() for p in parts if str(p).strip()]
    ordered = Element.objects.filter(version_id=version_id).order_by(
        "indicator__dimension__order", "indicator__order", "order", "id").values_list("code", flat=True)
    known = {code: n for n, code in enumerate(ordered)}
    unknown = [code for code in dict.fromkeys(wanted) if code not in known]
    if unknown:
        raise ValidationError({"element_codes": _("评估细则中没有这些评估要素：%(codes)s。") % {
            "codes": "、".join(code[:20] for code in unknown[:10])}})
    return sorted(dict.fromkeys(wanted), key=lambda code: known[code])


def demo_round_cleanup(round) -> None:
    """seed_demo --reset: the demo round's rectification rows go with it (evaluation.hooks)."""
    items = RectificationItem.objects.filter(evaluation__round=round)
    for evidence in RectificationEvidence.objects.filter(report__item__in=items):
        evidence.file.delete(save=False)
    RectificationReview.objects.filter(item__in=items).delete()
    items.delete()  # reports, evidence rows and transitions cascade


@transaction.atomic
def rectification_item_create(*, evaluation: Evaluation, element_codes, problem: str, requirement: str,
                              deadline: date, responsible: str, source: str, by, request=None,
                              today: date | None = None) -> RectificationItem:
    """Raise one 整改事项 on a finalized evaluation (its lead while an inspector, or an admin).

    Element codes must belong to the round's rubric version; the deadline may not lie in the past.
    """
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    evaluation = Evaluation.objects.select_related("round", "school__district").get(pk=evaluation.pk)
    if not scopes.may_create_rectification(by, evaluation):
        raise PermissionDenied(_("只有该校评估的组长或管理员可以提出整改事项。"))
    if not evaluation.is_finalized:
        raise ValidationError(_("该校的评估尚未定稿，不能提出整改事项。"))
    codes = element_codes_parse(element_codes, version_id=evaluation.round.rubric_version_id)
    problem = _text(problem, field_name="problem", label=_("存在问题"), max_length=TEXT_MAX_LENGTH, required=True)
    requirement = _text(requirement, field_name="requirement", label=_("整改要求"), max_length=TEXT_MAX_LENGTH,
                        required=True)
    responsible = _text(responsible, field_name="responsible", label=_("责任人"),
                        max_length=RESPONSIBLE_MAX_LENGTH, required=True)
    if source not in RectificationItem.Source.values:
        raise ValidationError({"source": _("请选择来源。")})
    if deadline is None:
        raise ValidationError({"deadline": _("请填写整改期限。")})
    if deadline < _today(today):
        raise ValidationError({"deadline": _("整改期限不能早于今天。")})
    item = RectificationItem(evaluation=evaluation, element_codes=codes, problem=problem, requirement=requirement,
                             deadline=deadline, responsible=responsible, source=source, created_by=by)
    item.full_clean()
    item.save()
    RectificationTransition.objects.create(item=item, action=RectificationTransition.Action.CREATE, from_status="",
                                           to_status=item.status, by=by)
    audit_record(event="rectification.create", request=request, user=by, obj=item, school=evaluation.school.code,
                 round=evaluation.round.name, elements=codes, deadline=deadline.isoformat(), source=source)
    notices.created(item=item, by=by)
    return item


@transaction.atomic
def rectification_report(*, item: RectificationItem, text: str, files=(), version=None, by, request=None,
                         ) -> RectificationReport:
    """The school reports what it did (text and evidence files): 待整改 or 未通过 → 已报告（待复核）.

    Only the school's own account, once the round's results are published to it. Every file passes the
    evidence rules (config.uploads.check_evidence_upload: no macros, no polyglots) before anything is stored.
    """
    item = _lock_item(item)
    if not scopes.may_report_rectification(by, item):
        raise PermissionDenied(_("只有本校账号可以报告整改情况。"))
    _check_version(item, version)
    if item.is_passed:
        raise ValidationError(_("该整改事项已复核通过，不能再报告。"))
    if item.awaits_review:
        raise ValidationError(_("该整改事项已报告，正在等待复核。"))
    text = _text(text, field_name="text", label=_("整改情况"), max_length=TEXT_MAX_LENGTH, required=True)
    files = list(files or [])
    if len(files) > FILES_PER_REPORT:
        raise ValidationError({"files": _("每次最多上传 %(n)s 个文件。") % {"n": FILES_PER_REPORT}})
    checked = []
    for upload in files:
        try:
            checked.append((upload, check_evidence_upload(upload)))
        except UploadRefused as exc:
            raise ValidationError({"files": _("“%(name)s”：%(reason)s") % {
                "name": strip_noncharacters(str(upload.name or ""))[:100], "reason": exc.message}}) from exc
    returned = item.status == RectificationItem.Status.FAILED
    report = RectificationReport.objects.create(item=item, text=text, by=by)
    # One rule for storing evidence (config.evidence_files): the server-generated name, the row
    # validated, the file removed again when the row is refused; the transaction undoes the rest.
    stored = [evidence_from_upload(RectificationEvidence, checked=ok, upload=upload, report=report, uploaded_by=by)
              for upload, ok in checked]
    _move(item, RectificationItem.Status.REPORTED, action=RectificationTransition.Action.REPORT, by=by,
          reason=_("未通过后再次报告") if returned else "")
    audit_record(event="rectification.report", request=request, user=by, obj=item, report=report.pk,
                 files=[e.sha256 for e in stored], again=returned)
    notices.reported(item=item, by=by)
    return report


@transaction.atomic
def rectification_review(*, item: RectificationItem, outcome: str, note: str, version=None, by, request=None,
                         ) -> RectificationReview:
    """复核 of a reported item: 通过 (复核通过) or 未通过 with a required note (back to the school).

    By a district-level official of the school's district, an inspector on the evaluation's panel, or an admin.
    """
    item = _lock_item(item)
    if not scopes.may_review_rectification(by, item):
        raise PermissionDenied(_("您不能复核该校的整改事项。"))
    _check_version(item, version)
    if not item.awaits_review:
        raise ValidationError(_("该整改事项当前为“%(status)s”，只有已报告的整改事项才能复核。") % {
            "status": item.get_status_display()})
    if outcome not in RectificationReview.Outcome.values:
        raise ValidationError({"outcome": _("请选择复核结果。")})
    note = _text(note, field_name="note", label=_("复核意见"), max_length=NOTE_MAX_LENGTH,
                 required=outcome == RectificationReview.Outcome.FAILED)
    report = item.reports.order_by("-at", "-id").first()
    review = RectificationReview.objects.create(item=item, report=report, outcome=outcome, note=note, by=by)
    to = (RectificationItem.Status.PASSED if outcome == RectificationReview.Outcome.PASSED
          else RectificationItem.Status.FAILED)
    _move(item, to, action=RectificationTransition.Action.REVIEW, by=by, reason=note)
    audit_record(event="rectification.review", request=request, user=by, obj=item, outcome=outcome,
                 report=report.pk if report else None)
    notices.reviewed(item=item, review=review, by=by)
    return review
