"""Pages of calibration (校准评估). Admins create cases, set reference scores, add inspectors and read
the report; an inspector reads their own results and the material of the cases they are on.
Access: `_require_admin` (403 for every other role); a case's material only to its inspectors and
admins (404 for everybody else)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import is_admin, is_inspector
from audit.services import audit_record
from config.evidence_files import evidence_response
from config.uploads import safe_file_name
from evaluation.models import Evidence, Scorecard
from rubric.selectors import rubric_tree
from selfassessment.models import SelfEvidence
from selfassessment.selectors import self_side

from . import selectors, services
from .forms import CaseFileForm, CaseForm, ImportForm, MembersForm
from .models import CalibrationCase
from .workbook import reference_template
from .xlsx import report_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_admin(request) -> None:
    if not is_admin(request.user):
        raise PermissionDenied(_("只有管理员可以管理校准评估。"))


def _get_case(request, pk: int) -> CalibrationCase:
    _require_admin(request)
    return get_object_or_404(
        CalibrationCase.objects.select_related("round__rubric_version", "evaluation__school", "source__school",
                                               "source__round"), pk=pk)


@require_GET
def index(request):
    _require_admin(request)
    return render(request, "calibration/index.html", {"cases": selectors.cases_overview()})


@require_http_methods(["GET", "POST"])
def create(request):
    _require_admin(request)
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.calibration_create(title=data["title"], source=data["source"],
                                               anonymized=data["anonymized"], description=data["description"],
                                               by=request.user, request=request)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("已新建校准评估“%(title)s”，请设置参考分并加入督导专家。") % {"title": case.title})
            return redirect("calibration:detail", pk=case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "calibration/create.html", {"form": form}, status=status)


def _detail(request, case, *, ref_errors=None, ref_values=None, import_errors=None, members_form=None,
            import_form=None, file_form=None, status=200):
    tree = rubric_tree(version=case.round.rubric_version)
    reference = selectors.case_reference(case=case)
    values = ref_values if ref_values is not None else {
        e.code: ("" if reference.get(e.pk) is None else f"{reference[e.pk]:.2f}") for e in tree.elements}
    rows = [(e, values.get(e.code, ""), (ref_errors or {}).get(e.code)) for e in tree.elements]
    cards = Scorecard.objects.filter(evaluation_id=case.evaluation_id).select_related("inspector").order_by(
        "inspector__username")
    return render(request, "calibration/detail.html", {
        "case": case, "rows": rows, "ref_errors": ref_errors, "import_errors": import_errors,
        "members_form": members_form or MembersForm(), "import_form": import_form or ImportForm(), "cards": cards,
        "reference_count": len(reference), "file_form": file_form or CaseFileForm(),
        "files": case.files.all(),
    }, status=status)


@require_GET
def detail(request, pk: int):
    return _detail(request, _get_case(request, pk))


@require_POST
def reference(request, pk: int):
    case = _get_case(request, pk)
    tree = rubric_tree(version=case.round.rubric_version)
    values = {e.code: request.POST.get(f"ref_{e.code}", "") for e in tree.elements}
    try:
        n = services.reference_save(case=case, values=values, by=request.user, request=request)
    except ValidationError as exc:
        errors = {code: "；".join(msgs) for code, msgs in exc.message_dict.items()}
        messages.error(request, _("有 %(n)s 项参考分不正确，均未保存，请按各行提示修改。") % {"n": len(errors)})
        return _detail(request, case, ref_errors=errors, ref_values=values, status=400)
    messages.success(request, _("已保存 %(n)s 项参考分。") % {"n": n})
    return redirect("calibration:detail", pk=case.pk)


@require_GET
def reference_download(request, pk: int):
    case = _get_case(request, pk)
    tree = rubric_tree(version=case.round.rubric_version)
    content = reference_template(title=_("校准参考分：%(title)s") % {"title": case.title}, tree=tree,
                                 reference=selectors.case_reference(case=case))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="reference-{case.pk}.xlsx"'
    return response


@require_POST
def reference_import(request, pk: int):
    case = _get_case(request, pk)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, case, import_form=form, status=400)
    try:
        n = services.reference_import(case=case, file=form.cleaned_data["file"], by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, _("文件有错误，参考分均未修改。"))
        return _detail(request, case, import_errors=exc.messages, import_form=form, status=400)
    messages.success(request, _("已导入 %(n)s 项参考分。") % {"n": n})
    return redirect("calibration:detail", pk=case.pk)


@require_POST
def members(request, pk: int):
    case = _get_case(request, pk)
    form = MembersForm(request.POST)
    if form.is_valid():
        try:
            cards = services.calibration_members_add(case=case, inspectors=form.cleaned_data["inspectors"],
                                                     by=request.user, request=request)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("已加入 %(n)s 位督导专家。") % {"n": len(cards)})
            return redirect("calibration:detail", pk=case.pk)
    return _detail(request, case, members_form=form, status=400)


@require_POST
def file_add(request, pk: int):
    case = _get_case(request, pk)
    form = CaseFileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            row = services.case_file_add(case=case, upload=form.cleaned_data["file"], by=request.user, request=request)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("已上传“%(name)s”。") % {"name": row.original_name})
            return redirect("calibration:detail", pk=case.pk)
    return _detail(request, case, file_form=form, status=400)


@require_GET
def report(request, pk: int):
    case = _get_case(request, pk)
    data = selectors.case_report(case=case)
    audit_record(event="calibration.report", request=request, obj=case)
    return render(request, "calibration/report.html", {"case": case, "report": data})


@require_GET
def report_download(request, pk: int):
    case = _get_case(request, pk)
    content = report_xlsx(selectors.case_report(case=case))
    audit_record(event="export.xlsx", request=request, obj=case, what="calibration.report")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="calibration-{case.pk}.xlsx"'
    return response


@require_GET
def mine(request):
    """An inspector's own calibration results (their summary per case)."""
    if not is_inspector(request.user):
        raise PermissionDenied(_("只有督导专家可以查看自己的校准结果。"))
    results = selectors.inspector_results(inspector_ids=[request.user.pk]).get(request.user.pk, [])
    return render(request, "calibration/mine.html", {"results": results})


def _get_case_for_member(request, evaluation_pk: int) -> CalibrationCase:
    """The case of a calibration evaluation, for its own inspectors and admins; 404 for anybody else."""
    case = (CalibrationCase.objects.select_related("round", "source__round").filter(evaluation_id=evaluation_pk)
            .first())
    if case is None:
        raise Http404
    member = is_inspector(request.user) and Scorecard.objects.filter(
        evaluation_id=evaluation_pk, inspector=request.user).exists()
    if not (member or is_admin(request.user)):
        raise Http404
    return case


def _materials(case) -> list:
    """The case's material: its own uploaded files, then the source evaluation's evidence (each file once)."""
    out = list(case.files.all())
    for row in out:
        row.kind, row.element = "file", None
    if case.source_id is None:
        return out
    seen = {row.sha256 for row in out}
    for ev in Evidence.objects.filter(scorecard__evaluation_id=case.source_id).select_related("element").order_by(
            "element__order", "uploaded_at", "id"):
        if ev.sha256 not in seen:
            seen.add(ev.sha256)
            ev.kind = "evidence"
            out.append(ev)
    # The school's own 自评 files of the source round (when its district recommended it), per element.
    side = self_side(evaluation=case.source)
    ids = [ev.pk for files in (side.files.values() if side else ()) for ev in files]
    for ev in SelfEvidence.objects.filter(pk__in=ids).select_related("element").order_by("element__order", "id"):
        ev.kind = "self"
        out.append(ev)
    return out


@require_GET
def brief(request, evaluation_pk: int):
    case = _get_case_for_member(request, evaluation_pk)
    own = Scorecard.objects.filter(evaluation_id=evaluation_pk, inspector=request.user).first()
    return render(request, "calibration/brief.html", {"case": case, "materials": _materials(case), "own": own})


@require_GET
def material(request, evaluation_pk: int, pk: int, kind: str = "evidence"):
    case = _get_case_for_member(request, evaluation_pk)
    found = next((row for row in _materials(case) if row.pk == pk and row.kind == kind), None)
    if found is None:
        raise Http404
    response = evidence_response(found)
    if case.anonymized:
        ext = found.download_name.rsplit(".", 1)[-1] if "." in found.download_name else "bin"
        prefix = found.element.code if found.element is not None else "M"
        name = safe_file_name(f"{prefix}-{found.pk}", ext=f".{ext}")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    audit_record(event="evidence.download", request=request, obj=found, sha256=found.sha256, calibration=case.pk)
    return response


@require_GET
def case_file(request, evaluation_pk: int, pk: int):
    return material(request, evaluation_pk, pk, kind="file")


@require_GET
def self_file(request, evaluation_pk: int, pk: int):
    return material(request, evaluation_pk, pk, kind="self")
