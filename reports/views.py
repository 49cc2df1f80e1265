"""Results pages and downloads for officials and admins (inspectors: 403).

Access: `_require_viewer` (403 for roles that may not read results) and
`_results_evaluation` (404 for a school outside the official's scope); every scope
question goes to accounts.scopes.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import scopes
from accounts.roles import is_admin
from audit.services import audit_record
from config.uploads import safe_file_name
from evaluation.hooks import element_survey_notes
from evaluation.models import Evaluation, Evidence, Round
from evaluation.selectors import RoundNotFound, evaluation_opinion, round_resolve
from rubric.selectors import rubric_tree
from schools.models import District

from . import background
from . import pdf as pdf_render
from . import xlsx as xlsx_render
from .access import ranking_rows, require_viewer, results_evaluation
from .forms import ExportStartForm, WorkbookStartForm
from .models import ExportJob
from .story import attach_rectification, changes_since_previous, school_story
from .selectors import (
    dimension_means,
    district_workbook_count,
    district_workbook_data,
    evaluation_totals,
    opinion_document,
    round_overview,
    round_progress,
    round_totals,
    self_comparison,
)
from .services import export_job_create, table_job_create, workbook_job_create

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------- access helpers


def _require_viewer(request) -> None:
    require_viewer(request.user)


def _results_evaluation(request, pk: int) -> Evaluation:
    return results_evaluation(request.user, pk)


def _resolve_round(request) -> Round | None:
    """The round asked for, else the latest round with finalized results."""
    value = request.GET.get("round", "")
    try:
        return round_resolve(value, results=True)
    except RoundNotFound as exc:
        if value:
            messages.error(request, str(exc))
            try:
                return round_resolve(None, results=True)
            except RoundNotFound:
                return None
        return None


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    from urllib.parse import quote

    # Round and school names are user text: no separators or control characters in the saved name.
    stem, _dot, ext = filename.rpartition(".")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(safe_file_name(stem, ext='.' + ext))}"
    return response


# --------------------------------------------------------------------------- ranking


@require_GET
def ranking(request):
    _require_viewer(request)
    round_obj = _resolve_round(request)
    rounds = list(Round.objects.order_by("-year", "-created_at", "-id").only("id", "name"))
    if round_obj is None:
        return render(request, "reports/ranking.html", {"round": None, "rounds": rounds})
    form, tree, codes, rows, data = ranking_rows(request.user, request.GET, round_obj)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "reports/ranking.html", {
        "round": round_obj, "rounds": rounds, "form": form, "codes": codes, "page": page,
        "count": len(rows), "query": query.urlencode(), "tree": tree,
        "dims": tree.dimensions, "can_export_all": True,
    })


@require_GET
def ranking_xlsx(request):
    """The ranking as filtered: inline up to EXPORT_INLINE_MAX_ROWS rows, else a confirmation page
    whose button starts a background job (reports.background; the builder is reports.table_exports)."""
    _require_viewer(request)
    round_obj = _resolve_round(request)
    if round_obj is None:
        raise Http404
    params = {**background.clean_params(background.get_export("ranking"), request.GET, strict=False),
              "round": str(round_obj.pk)}
    confirm = background.confirm_if_large(request, "ranking", params)
    if confirm is not None:
        return confirm
    content, rows = background.build_inline("ranking", request.user, params, today=timezone.localdate())
    audit_record(event="export.xlsx", request=request, scope=scopes.describe(request.user), obj=round_obj, kind="ranking", rows=rows)
    return _download(content, f"{round_obj.name}-排名.xlsx", XLSX)


def _workbook_district(request, scope, wanted: str):
    """The one district asked for (404 outside the scope or unknown), else the scope's only district."""
    if wanted:
        if not str(wanted).isdigit() or not scope.allows_district(int(wanted)):
            raise Http404
        return get_object_or_404(District, pk=int(wanted))
    return scope.single_district()


@require_GET
def district_xlsx(request):
    """The district workbook streamed inline: ranked summary plus one score sheet per school, while
    it has at most EXPORT_INLINE_MAX_SCHOOLS schools; a larger one is built by a background job
    (`workbook_start`), never inside a request."""
    _require_viewer(request)
    round_obj = _resolve_round(request)
    if round_obj is None:
        raise Http404
    scope = scopes.results_scope(request.user)
    district = _workbook_district(request, scope, request.GET.get("district", ""))
    if district_workbook_count(round=round_obj, scope=scope, district=district) > settings.EXPORT_INLINE_MAX_SCHOOLS:
        messages.info(request, _("该范围的学校较多，区县汇总工作簿将在后台生成：请点击“区县汇总工作簿”按钮，完成后下载。"))
        return redirect(f"{reverse('reports:ranking')}?round={round_obj.pk}")
    data = district_workbook_data(round=round_obj, scope=scope, district=district)
    content = xlsx_render.district_workbook_xlsx(rows=data.rows, tree=data.tree, round_obj=round_obj, title=data.title,
                                                 inspectors=data.inspectors)
    audit_record(event="export.xlsx", request=request, scope=scopes.describe(request.user), obj=round_obj, kind="district_workbook",
                 district=data.scope_name, rows=len(data.rows))
    return _download(content, f"{round_obj.name}-{data.scope_name}.xlsx", XLSX)


@require_POST
def workbook_start(request):
    """Start building the district workbook of the requester's scope (or one district in it) in the
    background, then show the job's progress page."""
    _require_viewer(request)
    form = WorkbookStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return redirect("reports:ranking")
    round_obj = form.cleaned_data["round"]
    scope = scopes.results_scope(request.user)
    district = _workbook_district(request, scope, str(form.cleaned_data["district"] or ""))
    job = workbook_job_create(round=round_obj, user=request.user, scope=scope, district=district)
    audit_record(event="export.xlsx.start", request=request, scope=scopes.describe(request.user), obj=job,
                 round=round_obj.name, kind="district_workbook", total=job.total)
    return redirect("reports:export_detail", pk=job.pk)


# --------------------------------------------------------------------------- round overview (officials' landing)


@require_GET
def overview(request):
    """The officials' landing page: the round's schools in scope by status, per district, and
    how many reach the pass mark."""
    _require_viewer(request)
    round_obj = _resolve_round(request)
    rounds = list(Round.objects.order_by("-year", "-created_at", "-id").only("id", "name"))
    if round_obj is None:
        return render(request, "reports/overview.html", {"round": None, "rounds": rounds})
    tree = rubric_tree(version=round_obj.rubric_version)
    progress = round_progress(round=round_obj, school_filter=scopes.results_scope(request.user).school_filter(), tree=tree)
    status_labels = [
        ("not_started", _("未开始")), ("in_progress", _("评估中")),
        ("submitted", _("专家已全部提交")), ("finalized", _("已定稿")),
    ]
    return render(request, "reports/overview.html", {
        "round": round_obj, "rounds": rounds, "p": progress,
        "statuses": [(key, label, progress.counts[key]) for key, label in status_labels],
        "status_labels": status_labels,
        "district_rows": [
            (d, [(key, d.counts[key]) for key, _label in status_labels]) for d in progress.districts
        ],
    })


# --------------------------------------------------------------------------- dashboard


@require_GET
def dashboard(request):
    _require_viewer(request)
    round_obj = _resolve_round(request)
    rounds = list(Round.objects.order_by("-year", "-created_at", "-id").only("id", "name"))
    if round_obj is None:
        return render(request, "reports/dashboard.html", {"round": None, "rounds": rounds})
    tree = rubric_tree(version=round_obj.rubric_version)
    rows = round_totals(round=round_obj, tree=tree, school_filter=scopes.results_scope(request.user).school_filter())
    overview = round_overview(rows=rows, tree=tree)
    chart_data = {
        "districts": {"labels": [d["name"] for d in overview.by_district],
                      "values": [str(d["mean"]) for d in overview.by_district]},
        "distribution": {"labels": [b["label"] for b in overview.distribution],
                         "values": [b["count"] for b in overview.distribution]},
        "dimensions": {"labels": [d["code"] for d in overview.by_dimension],
                       "values": [str(d["rate"]) if d["rate"] is not None else None for d in overview.by_dimension]},
        "locations": {"labels": [d["code"] for d in overview.by_dimension],
                      "series": [{"name": loc["label"],
                                  "values": [str(loc["rates"][d["code"]]) if loc["rates"][d["code"]] is not None else None
                                             for d in overview.by_dimension]} for loc in overview.by_location]},
    }
    return render(request, "reports/dashboard.html", {
        "round": round_obj, "rounds": rounds, "overview": overview, "chart_data": chart_data,
    })


# --------------------------------------------------------------------------- one school


def _rank_context(ev: Evaluation, tree):
    rows = round_totals(round=ev.round, tree=tree, include_in_progress=not ev.is_finalized)
    mine = next((r for r in rows if r.evaluation_id == ev.pk), None)
    finalized = [r for r in rows if not r.provisional]
    averages = dimension_means(finalized, [d.code for d in tree.dimensions])
    return (mine.rank if mine else None), len(rows), averages


@require_GET
def school_report(request, pk: int):
    ev = _results_evaluation(request, pk)
    tree = rubric_tree(version=ev.round.rubric_version)
    totals = evaluation_totals(evaluation=ev, tree=tree)
    rank, count, averages = _rank_context(ev, tree)
    evidence = list(
        Evidence.objects.filter(scorecard__evaluation=ev).select_related("element", "uploaded_by")
        .order_by("element__order", "uploaded_at")
    )
    dims = tree.dimensions
    radar = {
        "indicators": [{"name": d.code, "max": 100} for d in dims],
        "school": [str((totals.dimensions[d.code] / d.points * 100).quantize(Decimal("0.1"))) for d in dims],
        "average": [str(((averages[d.code] or 0) / d.points * 100).quantize(Decimal("0.1"))) for d in dims],
        "labels": [_("本校"), _("全市平均")],
    }
    return render(request, "reports/school_report.html", {
        "ev": ev, "t": totals, "rank": rank, "count": count, "evidence": evidence, "radar": radar,
        "dim_rows": [(d, totals.dimensions[d.code], averages[d.code]) for d in dims],
        "weakest": totals.weakest(10),
        "self": self_comparison(totals=totals),
        "opinion": evaluation_opinion(evaluation=ev, tree=tree),
        "changes": changes_since_previous(totals=totals) if ev.is_finalized or totals.scored else None,
        # 满意度问卷 results on the elements its items are linked to (evaluation.hooks; registered by surveys).
        "survey_notes": _survey_notes(ev),
    })


def _survey_notes(ev) -> list:
    """满意度问卷 results per linked element code, in element order (the page and the score sheet PDF)."""
    return sorted(element_survey_notes(ev).items(), key=lambda kv: (len(kv[0]), kv[0]))


def _blank(request) -> bool:
    return request.GET.get("blank", "") in {"1", "true", "yes"}


@require_GET
def scoresheet_pdf(request, pk: int):
    ev = _results_evaluation(request, pk)
    blank = _blank(request)
    notes = request.GET.get("notes", "") in {"1", "true", "yes"}
    with_self = request.GET.get("self", "") in {"1", "true", "yes"}
    with_surveys = request.GET.get("surveys", "") in {"1", "true", "yes"}
    totals = evaluation_totals(evaluation=ev, blank=blank)
    content = pdf_render.scoresheet_pdf(totals, blank=blank, notes=notes,
                                        self_scores=self_comparison(totals=totals) if with_self and not blank else None,
                                        survey_notes=_survey_notes(ev) if with_surveys and not blank else None)
    audit_record(event="export.pdf", request=request, scope=scopes.describe(request.user), obj=ev, kind="scoresheet", blank=blank)
    suffix = "-空白" if blank else ""
    return _download(content, f"{ev.school.code}-{ev.school.name}-评分表{suffix}.pdf", "application/pdf")


@require_GET
def scoresheet_xlsx(request, pk: int):
    ev = _results_evaluation(request, pk)
    blank = _blank(request)
    totals = evaluation_totals(evaluation=ev, blank=blank)
    content = xlsx_render.scoresheet_xlsx(totals, blank=blank)
    audit_record(event="export.xlsx", request=request, scope=scopes.describe(request.user), obj=ev, kind="scoresheet", blank=blank)
    suffix = "-空白" if blank else ""
    return _download(content, f"{ev.school.code}-{ev.school.name}-评分表{suffix}.xlsx", XLSX)


@require_GET
def report_pdf(request, pk: int):
    ev = _results_evaluation(request, pk)
    tree = rubric_tree(version=ev.round.rubric_version)
    totals = evaluation_totals(evaluation=ev, tree=tree)
    rank, count, averages = _rank_context(ev, tree)
    changes = changes_since_previous(totals=totals) if ev.is_finalized or totals.scored else None
    content = pdf_render.school_report_pdf(totals, rank=rank, count=count, averages=averages, changes=changes)
    audit_record(event="export.pdf", request=request, scope=scopes.describe(request.user), obj=ev, kind="school_report")
    return _download(content, f"{ev.school.code}-{ev.school.name}-评估报告.pdf", "application/pdf")


@require_GET
def opinion_pdf(request, pk: int):
    """督导评估意见书 of one school: officials in scope, admins, and the panel's lead (accounts.scopes)."""
    ev = scopes.evaluation_opinion_document(request.user, pk)
    content = pdf_render.opinion_pdf(opinion_document(evaluation=ev))
    audit_record(event="export.pdf", request=request, scope=scopes.describe(request.user), obj=ev, kind="opinion")
    return _download(content, f"{ev.school.code}-{ev.school.name}-督导评估意见书.pdf", "application/pdf")


# --------------------------------------------------------------------------- batch export


def _get_job_for_user(request, pk: int) -> ExportJob:
    """A job the user may follow: a table export (reports.background) only by its requester while
    they still pass that export's own permission check (404 otherwise: an audit-log export is
    not an administrator's to read); the ZIP and the workbook by their requester and admins."""
    job = get_object_or_404(ExportJob.objects.select_related("round", "district", "requested_by"), pk=pk)
    if job.is_table:
        if job.requested_by_id != request.user.pk:
            raise Http404
        try:
            background.get_export(job.export_name).allowed(request.user, job.params)
        except PermissionDenied:
            raise Http404 from None
        return job
    _require_viewer(request)
    if job.requested_by_id != request.user.pk and not is_admin(request.user):
        raise Http404
    return job


def _require_job_scope(request, job: ExportJob) -> None:
    """The file holds the schools of the scope stored with the job: a requester whose scope has
    since shrunk no longer downloads it (404); administrators see every result."""
    if is_admin(request.user):
        return
    mine, stored = scopes.results_scope(request.user), job.results_scope()
    if not mine.city_wide and (stored.city_wide or not stored.district_ids <= mine.district_ids):
        raise Http404


@require_POST
def table_export_start(request):
    """Start a registered table export (reports.background) in the background: the export's name and
    the query its page showed, validated again (an unknown name 404, a tampered query 400), the
    export's own permission check, then the job; its progress page follows."""
    export = background.get_export(request.POST.get("export", ""))
    query = request.POST.get("query", "")
    try:
        if len(query) > background.MAX_QUERY_LENGTH:
            raise background.BadParams("query")
        params = background.clean_params(export, QueryDict(query), strict=True)
        background.validate_params(export, params)
    except background.BadParams:
        return HttpResponseBadRequest(_("导出条件无效，请回到原页面重新导出。"), content_type="text/plain; charset=utf-8")
    export.allowed(request.user, params)
    job = table_job_create(export=export, user=request.user, params=params)
    audit_record(event="export.xlsx.start", request=request, scope=scopes.describe(request.user), obj=job,
                 kind=export.name, total=job.total, params=params)
    return redirect("reports:export_detail", pk=job.pk)


@require_POST
def export_start(request):
    _require_viewer(request)
    form = ExportStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["round"][0])
        return redirect("reports:ranking")
    round_obj, opinions = form.cleaned_data["round"], form.cleaned_data["opinions"]
    job = export_job_create(round=round_obj, user=request.user, scope=scopes.results_scope(request.user),
                            include_opinions=opinions)
    audit_record(event="export.zip.start", request=request, scope=scopes.describe(request.user), obj=job, round=round_obj.name, total=job.total,
                 opinions=opinions)
    return redirect("reports:export_detail", pk=job.pk)


@require_GET
def export_detail(request, pk: int):
    job = _get_job_for_user(request, pk)
    back = ""
    if job.is_table:
        export = background.get_export(job.export_name)
        back = export.back_url(job.params) if export.back_url else ""
    return render(request, "reports/export_detail.html", {"job": job, "back": back})


@require_GET
def export_status(request, pk: int):
    job = _get_job_for_user(request, pk)
    return render(request, "reports/partials/export_status.html", {"job": job})


@require_GET
def export_download(request, pk: int):
    job = _get_job_for_user(request, pk)
    if job.status not in (ExportJob.Status.DONE, ExportJob.Status.FAILED) or not job.file:
        raise Http404
    if job.is_table:
        _require_job_scope(request, job)  # built for a wider scope than the requester now has: 404
        export = background.get_export(job.export_name)
        audit_record(event="export.xlsx", request=request, scope=scopes.describe(request.user), obj=job,
                     kind=export.name, rows=job.total, background=True)
        name = export.filename(request.user, job.params, today=background.job_today(job, export), now=background.job_now(job))
        stem, _dot, ext = name.rpartition(".")
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=safe_file_name(stem, ext="." + ext),
                            content_type=XLSX)
    _require_job_scope(request, job)
    if job.is_workbook:
        audit_record(event="export.xlsx", request=request, scope=scopes.describe(request.user), obj=job,
                     round=job.round.name, kind="district_workbook", district=job.scope_label, rows=job.total)
        return FileResponse(job.file.open("rb"), as_attachment=True,
                            filename=safe_file_name(f"{job.round.name}-{job.scope_label}", ext=".xlsx"), content_type=XLSX)
    audit_record(event="export.zip", request=request, scope=scopes.describe(request.user), obj=job, round=job.round.name)
    return FileResponse(job.file.open("rb"), as_attachment=True,
                        filename=safe_file_name(f"{job.round.name}-评分表-{timezone.localtime(job.created_at):%Y%m%d%H%M}", ext=".zip"),
                        content_type="application/zip")


# --------------------------------------------------------------------------- what a school sees; 学校发展档案


def _today():
    """The date the story pages judge validity on (a function: tests set the day instead of reading the clock)."""
    return timezone.localdate()


def _story_with_rectification(user, school, *, published_only: bool):
    """The school's story with the 整改事项 the user may see under each round (the rectification app's
    visibility rule: a school account only once its round's results are published)."""
    from rectification.selectors import items_for_school, last_review

    today = _today()
    story = school_story(school=school, published_only=published_only, today=today)
    attach_rectification(story, items_for_school(user, school), today=today, last_review=last_review)
    return story


@require_GET
def my_results(request):
    """本校评估结果: the school's own account sees each round whose results are published to schools
    (evaluation.selectors.results_published): totals, pass mark, the panel's opinion, recognition and
    the 督导评估意见书. Nothing before publication; every other role 403 (they have the school report)."""
    school = scopes.school_of(request.user)
    if school is None:
        raise PermissionDenied(_("只有学校账号可以查看本校的评估结果。"))
    story = _story_with_rectification(request.user, school, published_only=True)
    return render(request, "reports/my_results.html", {"school": school, "story": story})


@require_GET
def school_story_page(request, pk: int):
    """学校发展档案: every round's results of one school (line chart and its table), opinions and
    recognition; admins and officials in scope see every finalized round, the school its published ones."""
    school, published_only = scopes.school_story_visible(request.user, pk)
    story = _story_with_rectification(request.user, school, published_only=published_only)
    return render(request, "reports/school_story.html", {
        "school": school, "story": story, "chart": mark_safe(story.chart_svg()),  # escaped in reports.charts
        "own_school": published_only, "is_admin": is_admin(request.user),
    })
