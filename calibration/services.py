"""Writes of calibration: create a case, set its reference scores (typed or imported), add inspectors.

Rounds, evaluations and scorecards are written through evaluation's services only.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import roles
from audit.services import audit_record
from config.text import clean_field_text
from config.evidence_files import evidence_from_upload
from config.uploads import UploadRefused, check_evidence_upload, check_xlsx_limits
from evaluation import services as evaluation_services
from evaluation.models import Evaluation, Round
from evaluation.parsing import PointsError, parse_points
from evaluation.services import DAMAGED_WORKBOOK
from rubric.models import Element

from .models import CalibrationCase, CaseFile, ReferenceScore
from .workbook import read_reference_workbook


def _require_admin(by) -> None:
    if not roles.is_admin(by):
        raise PermissionDenied(_("只有管理员可以管理校准评估。"))


@transaction.atomic
def calibration_create(*, title: str, source: Evaluation, anonymized: bool, description: str = "", by,
                       request=None) -> CalibrationCase:
    """A calibration case from an evaluation of a school (its evidence is the case's material): a
    round of kind 校准 on the same rubric version, holding one evaluation of that school."""
    _require_admin(by)
    title = clean_field_text(title, field_name="title", label=_("案例名称"), max_length=100, required=True)
    description = clean_field_text(description, field_name="description", label=_("案例说明"), max_length=2000)
    if source is None or source.is_calibration:
        raise ValidationError({"source": _("请选择一个评估批次中的学校评估作为案例来源。")})
    if Round.all_objects.filter(name=title).exists():
        raise ValidationError({"title": _("已有同名的评估批次或校准评估，请换一个名称。")})
    round = Round(name=title, kind=Round.Kind.CALIBRATION, year=source.round.year,
                  rubric_version=source.round.rubric_version, status=Round.Status.OPEN,
                  require_opinion=False, require_consolidation_notes=False, panel_min=1, panel_max=1)
    evaluation_services.round_save(round=round, by=by, request=request)
    evaluation = evaluation_services.evaluation_create(round=round, school=source.school, by=by, request=request)
    case = CalibrationCase.objects.create(round=round, evaluation=evaluation, source=source, anonymized=anonymized,
                                          description=description, created_by=by)
    audit_record(event="calibration.create", request=request, user=by, obj=case, source=source.pk)
    return case


@transaction.atomic
def reference_save(*, case: CalibrationCase, values: dict, by, request=None) -> int:
    """Set the case's reference scores {element code: raw value} all or nothing: every value is checked
    like an inspector's score (standard points, step); an empty value means no reference for that
    element. Raises ValidationError({code: message}) and writes nothing when any value is wrong.
    Returns how many elements have a reference."""
    _require_admin(by)
    elements = {e.code: e for e in Element.objects.filter(version_id=case.round.rubric_version_id)}
    errors, parsed = {}, {}
    for code, raw in values.items():
        element = elements.get(code)
        if element is None:
            errors[code] = _("评估要素 %(code)s 不在本案例的评估细则中。") % {"code": code}
            continue
        if raw is None or str(raw).strip() == "":
            continue
        try:
            parsed[element] = parse_points(raw, points=element.points, step=element.step)
        except PointsError as exc:
            errors[code] = str(exc)
    if errors:
        raise ValidationError(errors)
    CalibrationCase.objects.select_for_update().filter(pk=case.pk).first()
    ReferenceScore.objects.filter(case=case).delete()
    ReferenceScore.objects.bulk_create(
        [ReferenceScore(case=case, element=e, points=p, updated_by=by) for e, p in parsed.items()]
    )
    audit_record(event="calibration.reference", request=request, user=by, obj=case, elements=len(parsed))
    return len(parsed)


def reference_import(*, case: CalibrationCase, file, by, request=None) -> int:
    """Reference scores from a workbook (the offline layout, 参考分 column): all or nothing, errors
    per cell in Chinese, formula cells refused. Raises ValidationError(list of messages)."""
    _require_admin(by)
    try:
        check_xlsx_limits(file)  # the inflate limit of every workbook upload, before openpyxl unpacks anything
        rows, errors = read_reference_workbook(file, version_id=case.round.rubric_version_id)
    except UploadRefused as exc:
        raise ValidationError([exc.message]) from exc
    except DAMAGED_WORKBOOK as exc:
        raise ValidationError([_("文件无法读取：请上传从本系统下载的 .xlsx 参考分文件。")]) from exc
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError([_("文件中没有填写任何参考分。")])
    try:
        return reference_save(case=case, values={code: points for code, points in rows.items()}, by=by,
                              request=request)
    except ValidationError as exc:  # unreachable after the reader's checks; kept as a guard
        raise ValidationError([f"{code}：{'；'.join(msgs)}" for code, msgs in exc.message_dict.items()]) from None


def calibration_members_add(*, case: CalibrationCase, inspectors, by, request=None):
    """Inspectors join the case: each gets a scorecard in the normal workspace."""
    _require_admin(by)
    return evaluation_services.calibration_members_add(evaluation=case.evaluation, inspectors=inspectors, by=by,
                                                       request=request)


@transaction.atomic
def case_file_add(*, case: CalibrationCase, upload, by, request=None) -> CaseFile:
    """One more file of the case's material, checked like every evidence file (type by content, size)."""
    _require_admin(by)
    try:
        checked = check_evidence_upload(upload)
    except UploadRefused as exc:
        raise ValidationError({"file": exc.message}) from exc
    row = evidence_from_upload(CaseFile, checked=checked, upload=upload, case=case, uploaded_by=by)
    audit_record(event="evidence.upload", request=request, user=by, obj=row, sha256=row.sha256, size=row.size,
                 calibration=case.pk)
    return row
