"""Thin views of 学校自评申报: access check, parse, one service or selector, render.

Access: a school account works only on its own school (accounts.scopes.school_of); a district
official reviews only schools of their districts (scopes.reviews_district); the city (管理员)
admits; everyone else who may see a self-assessment reads it (scopes.self_assessments_visible_to).
Outsiders of an object get 404, read-only roles 403 on writes.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import roles, scopes
from audit.services import audit_record
from config.evidence_files import evidence_response
from config.uploads import safe_file_name
from evaluation.autosave import element_rows_save, wants_json
from evaluation.models import Round
from evaluation.selectors import totals_json

from . import selectors, services, xlsx
from .forms import FileForm, NominationForm, OpinionForm, ReportForm, ReturnForm, StatusFilterForm, XlsxUploadForm


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for ms in exc.message_dict.values() for m in ms]
    return list(exc.messages)


# ---------------------------------------------------------------- 区县提名


@require_http_methods(["GET", "POST"])
def nominations(request, round_pk: int):
    """A district official nominates schools of their district for a round that takes nominations;
    admins and officials in scope read the list."""
    round_obj = get_object_or_404(Round, pk=round_pk, self_assessment=True, applicants=Round.Applicants.NOMINATED)
    user = request.user
    reviewer = scopes.review_districts(user)
    if not reviewer and not roles.can_view_results(user):
        raise PermissionDenied
    scopes.require_scope(user)
    if request.method == "POST" and not reviewer:
        raise PermissionDenied(_("只有区县教育局可以提名本区县的学校。"))
    districts = reviewer or [d.pk for d in scopes.results_scope(user).districts()]
    rows = selectors.nomination_rows(round=round_obj, district_ids=districts)
    form = NominationForm(request.POST or None, district_ids=districts,
                          initial={"schools": [s.pk for s, n in rows if n is not None]})
    if request.method == "POST":
        if form.is_valid():
            try:
                added, removed = services.nominations_set(round=round_obj, district_ids=districts,
                                                          schools=form.cleaned_data["schools"], by=user, request=request,
                                                          today=_today())
            except ValidationError as exc:
                for m in _messages_of(exc):
                    form.add_error(None, m)
            else:
                messages.success(request, _("提名已保存：新增 %(a)s 所，取消 %(r)s 所。") % {"a": len(added), "r": len(removed)})
                return redirect("selfassessment:nominations", round_pk=round_obj.pk)
    closed = selectors.nomination_refusal(round=round_obj, today=_today())
    return render(request, "selfassessment/nominations.html", {
        "round": round_obj, "rows": rows, "form": form, "can_edit": bool(reviewer) and not closed,
        "window_open": not closed, "closed_reason": closed,
    }, status=400 if request.method == "POST" else 200)


# ---------------------------------------------------------------- the school's page


def _today():
    return timezone.localdate()


def _school_round(request, round_pk: int):
    """(round, the school's self-assessment) for a school account; 403 for other roles, 404 when the
    round takes no applications or the school neither may apply nor has applied."""
    school = scopes.school_of(request.user)
    if school is None:
        raise PermissionDenied(_("只有学校（填报）账号可以填写学校自评。"))
    round_obj = get_object_or_404(Round.objects.select_related("rubric_version"), pk=round_pk, self_assessment=True)
    sa = selectors.self_assessment_of(round=round_obj, school=school)
    if not sa.pk and not selectors.is_eligible(round=round_obj, school=school):
        raise Http404
    return round_obj, sa


_wants_json = wants_json


@require_GET
def home(request):
    """A school account's rounds (open for 申报, or applied to) with where each stands."""
    school = scopes.school_of(request.user)
    if school is None:
        if roles.can_view_results(request.user) and not scopes.scope_missing(request.user):
            return redirect("selfassessment:status")
        raise PermissionDenied
    return render(request, "selfassessment/home.html", {
        "school": school, "rows": selectors.school_rounds(school=school, today=_today()),
    })


@require_GET
def workspace(request, round_pk: int):
    """The school's own self-assessment: self-scores, 自评说明, files per requirement, the report, submit."""
    round_obj, sa = _school_round(request, round_pk)
    ws = selectors.self_workspace(self_assessment=sa)
    lock = sa.lock_reason(today=_today())
    flash = request.session.pop("self_flash", None)
    if flash and flash.get("round") != round_obj.pk:
        flash = None
    return render(request, "selfassessment/workspace.html", _workspace_context(request, round_obj, sa, ws, lock, flash))


def _workspace_context(request, round_obj, sa, ws, lock, flash=None, report_form=None):
    editable = lock is None
    return {
        "round": round_obj, "sa": sa, "ws": ws, "editable": editable, "lock": lock, "flash": flash,
        "element_count": len(ws.items), "totals_data": totals_json(ws.totals),
        "report_form": report_form or ReportForm(initial={"summary": sa.report_summary, "version": sa.report_version}),
        "evidence_prefix": reverse("selfassessment:evidence_download", args=[0])[: -len("0/")],
        "max_mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
        "transitions": selectors.transitions_of(self_assessment=sa),
        "storage_key": f"nqs.self.{round_obj.pk}.{sa.school_id}.",
        "js_labels": {
            "idle": _("未自评"), "dirty": _("未保存"), "saving": _("保存中…"), "saved": _("已保存"),
            "error": _("保存失败"), "conflict": _("冲突"), "offline": _("未保存（待重试）"),
            "saving_n": _("正在保存 %(n)s 项…"), "saved_n": _("已保存 %(n)s 项。"),
            "offline_n": _("%(n)s 项未保存，已保留在本机，联网后自动重试。"),
            "your_value": _("您输入的值：%(value)s。"), "empty": _("（空）"),
            "all_scored": _("全部评估要素都已自评。"),
            "incomplete": _("还有 %(n)s 项评估要素未自评或未保存，全部保存后才能提交："),
            "server_error": _("服务器返回错误，请稍后重试。"),
            "network_error": _("网络错误，未能保存，请检查网络后重试。"),
            "session_expired": _("登录已过期，未能保存。请在新标签页重新登录后再次保存（本页输入仍保留）。"),
        },
    }


@require_POST
def save(request, round_pk: int):
    """Autosave of self-scores and 自评说明 (the inspectors' endpoint: evaluation.autosave) and the plain form."""
    round_obj, sa = _school_round(request, round_pk)
    try:
        return element_rows_save(
            request,
            save=lambda values: services.self_scores_save_many(self_assessment=sa, values=values, by=request.user,
                                                               request=request),
            totals=lambda result: totals_json(selectors.self_totals(
                self_assessment=getattr(result, "self_assessment", sa))),
            redirect_to=reverse("selfassessment:workspace", args=[round_obj.pk]),
            saved_text=_("已保存 %(n)s 项自评。"), note_label=_("自评说明"),
        )
    except services.SelfAssessmentLocked as exc:
        if wants_json(request):
            return JsonResponse({"saved": {}, "errors": {"_": str(exc)}, "conflicts": {}, "totals": {}}, status=403)
        raise


@require_POST
def report_save(request, round_pk: int):
    """The 自评报告's text; a conflict shows the latest text with the user's own kept below it."""
    round_obj, sa = _school_round(request, round_pk)
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            services.self_assessment_report_save(self_assessment=sa, summary=form.cleaned_data["summary"],
                                                 version=form.cleaned_data["version"], by=request.user, request=request)
        except services.ReportConflict as exc:
            sa.refresh_from_db()
            ws = selectors.self_workspace(self_assessment=sa)
            messages.error(request, exc.messages[0])
            context = _workspace_context(request, round_obj, sa, ws, sa.lock_reason(today=_today()),
                                         report_form=ReportForm(initial={"summary": sa.report_summary,
                                                                         "version": sa.report_version}))
            context["mine"] = form.cleaned_data["summary"]
            return render(request, "selfassessment/workspace.html", context, status=409)
        except ValidationError as exc:
            for m in _messages_of(exc):
                messages.error(request, m)
        else:
            messages.success(request, _("自评报告已保存。"))
    else:
        for errors in form.errors.values():
            for m in errors:
                messages.error(request, m)
    return redirect(reverse("selfassessment:workspace", args=[round_obj.pk]) + "#report")


def _flash(request, round_obj, anchor: str, ok: bool, text: str) -> None:
    """A one-time message shown where the page scrolls back to (the element, or the report)."""
    request.session["self_flash"] = {"round": round_obj.pk, "anchor": anchor, "ok": ok, "text": text}


@require_POST
def evidence_upload(request, round_pk: int):
    """One file for a requirement (slot r<id>), an element (e<code>) or the report (report)."""
    from rubric.models import Element, EvidenceRequirement

    round_obj, sa = _school_round(request, round_pk)
    slot = request.POST.get("slot", "")
    version_id = round_obj.rubric_version_id
    element = requirement = None
    if slot.startswith("r") and slot[1:].isdigit():
        requirement = EvidenceRequirement.objects.select_related("element").filter(
            pk=int(slot[1:]), version_id=version_id).first()
        if requirement is None:
            raise Http404
        element = requirement.element
    elif slot.startswith("e"):
        element = Element.objects.filter(version_id=version_id, code=slot[1:]).first()
        if element is None:
            raise Http404
    elif slot != "report":
        raise Http404
    anchor = f"el-{element.code}" if element else "report"
    form = FileForm(request.POST, {"file": request.FILES.get(f"file_{slot}")})
    if not form.is_valid():
        _flash(request, round_obj, anchor, False, form.errors["file"][0])
    else:
        try:
            evidence = services.self_evidence_add(self_assessment=sa, upload=form.cleaned_data["file"], by=request.user,
                                                  element=element, requirement=requirement, request=request)
        except ValidationError as exc:
            audit_record(event="self_evidence.upload", request=request, outcome="failure", slot=slot[:20])
            _flash(request, round_obj, anchor, False, "；".join(_messages_of(exc)))
        else:
            _flash(request, round_obj, anchor, True, _("已上传“%(name)s”。") % {"name": evidence.original_name})
    return redirect(reverse("selfassessment:workspace", args=[round_obj.pk]) + f"#{anchor}")


def _visible_evidence(request, pk: int):
    from .models import SelfEvidence

    evidence = get_object_or_404(SelfEvidence.objects.select_related("element"), pk=pk)
    evidence.self_assessment = scopes.self_assessment_visible(request.user, evidence.self_assessment_id)
    return evidence


@require_GET
def evidence_download(request, pk: int):
    """A school's file, for whoever may see that self-assessment (404 for everyone else)."""
    evidence = _visible_evidence(request, pk)
    response = evidence_response(evidence)
    audit_record(event="self_evidence.download", request=request, scope=scopes.describe(request.user), obj=evidence,
                 sha256=evidence.sha256)
    return response


@require_POST
def evidence_delete(request, pk: int):
    evidence = _visible_evidence(request, pk)
    sa = evidence.self_assessment
    school = scopes.school_of(request.user)
    if school is None or school.pk != sa.school_id:
        raise PermissionDenied
    anchor = f"el-{evidence.element.code}" if evidence.element_id else "report"
    services.self_evidence_delete(evidence=evidence, by=request.user, request=request)
    _flash(request, sa.round, anchor, True, _("已删除“%(name)s”。") % {"name": evidence.original_name})
    return redirect(reverse("selfassessment:workspace", args=[sa.round_id]) + f"#{anchor}")


@require_POST
def submit(request, round_pk: int):
    round_obj, sa = _school_round(request, round_pk)
    try:
        services.self_assessment_submit(self_assessment=sa, by=request.user, request=request)
    except services.SelfAssessmentIncomplete as exc:
        state = exc.completeness
        parts = []
        if state.missing_scores:
            parts.append(format_html("{} {}", _("未自评：") ,
                                     format_html_join("、", '<a href="#el-{0}" class="alert-link">{0}</a>',
                                                      ((c,) for c in state.missing_scores))))
        if state.missing_evidence:
            parts.append(format_html("{} {}", _("缺少必需的佐证材料："), format_html_join(
                "、", '<a href="#req-{0}" class="alert-link">{1}“{2}”</a>',
                ((r.pk, r.element.code, r.name) for r in state.missing_evidence))))
        if state.report_missing:
            parts.append(format_html('<a href="#report" class="alert-link">{}</a>', _("自评报告未填写")))
        messages.error(request, format_html("{} {}", _("还不能提交。"), format_html_join("；", "{}", ((p,) for p in parts))))
        return redirect("selfassessment:workspace", round_pk=round_obj.pk)
    except ValidationError as exc:
        for m in _messages_of(exc):
            messages.error(request, m)
        return redirect("selfassessment:workspace", round_pk=round_obj.pk)
    messages.success(request, _("自评已提交，等待区县初评。"))
    return redirect("selfassessment:workspace", round_pk=round_obj.pk)


# ---------------------------------------------------------------- the offline workbook


@require_GET
def xlsx_download(request, round_pk: int):
    round_obj, sa = _school_round(request, round_pk)
    content = xlsx.self_assessment_xlsx(workspace=selectors.self_workspace(self_assessment=sa))
    audit_record(event="self_assessment.download", request=request, scope=scopes.describe(request.user),
                 obj=sa if sa.pk else round_obj)
    filename = safe_file_name(f"自评表-{sa.school.code}-{timezone.localdate():%Y%m%d}", ext=".xlsx")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response


@require_POST
def xlsx_upload(request, round_pk: int):
    round_obj, sa = _school_round(request, round_pk)
    form = XlsxUploadForm(request.POST, request.FILES)
    errors: list[str] = []
    if not form.is_valid():
        errors = [str(e) for e in form.errors.get("file", [])]
    else:
        try:
            result = services.self_assessment_import_xlsx(self_assessment=sa, file=form.cleaned_data["file"],
                                                          by=request.user, request=request)
        except services.SelfAssessmentImportError as exc:
            errors = exc.cell_errors
        except ValidationError as exc:
            errors = _messages_of(exc)
        else:
            messages.success(request, _("已从文件导入 %(n)s 项自评。") % {"n": len(result.saved)})
            return redirect("selfassessment:workspace", round_pk=round_obj.pk)
    audit_record(event="self_assessment.upload", request=request, obj=round_obj, outcome="failure", errors=len(errors))
    return render(request, "selfassessment/upload_errors.html", {"round": round_obj, "errors": errors}, status=400)


# ---------------------------------------------------------------- the chain's status, one submission


@require_GET
def status(request):
    """Every school of a round through the chain, with counts per status: the city sees all, a
    district its schools, a school its own row."""
    user = request.user
    school = scopes.school_of(user)
    if school is None and not roles.can_view_results(user):
        raise PermissionDenied
    if school is None:
        scopes.require_scope(user)
    rounds = selectors.rounds_with_applications()
    schools = scopes.schools_in_scope(user)
    districts = scopes.results_scope(user).districts() if school is None else None
    from schools.models import District

    form = StatusFilterForm(request.GET or None, rounds=rounds,
                            districts=districts if districts is not None else District.objects.none())
    data = form.cleaned_data if form.is_valid() else {}
    round_obj = data.get("round") or rounds.first()
    rows, counts = [], []
    if round_obj is not None:
        if data.get("district"):
            schools = schools.filter(district=data["district"])
        rows = selectors.status_rows(round=round_obj, schools=schools)
        counts = selectors.status_counts(rows)
        if data.get("status"):
            rows = [r for r in rows if r.status == data["status"]]
    return render(request, "selfassessment/status.html", {
        "form": form, "round": round_obj, "rows": rows, "counts": counts, "school": school,
        "reviewer": bool(scopes.review_districts(user)), "is_city": roles.is_admin(user),
    })


def _review_context(request, sa, **extra):
    user = request.user
    ws = selectors.self_workspace(self_assessment=sa)
    can_review = scopes.reviews_district(user, sa.school.district_id) and sa.status == sa.Status.SUBMITTED
    can_decide = roles.is_admin(user) and sa.status == sa.Status.RECOMMENDED
    can_see_evaluation = bool(sa.evaluation_id) and scopes.evaluations_visible_to(user).filter(
        pk=sa.evaluation_id).exists()
    return {
        "sa": sa, "ws": ws, "round": sa.round, "can_review": can_review, "can_decide": can_decide,
        "can_see_evaluation": can_see_evaluation,
        "transitions": selectors.transitions_of(self_assessment=sa),
        "evidence_prefix": reverse("selfassessment:evidence_download", args=[0])[: -len("0/")],
        "return_form": ReturnForm(), "opinion_form": OpinionForm(), **extra,
    }


@require_GET
def review(request, pk: int):
    """One submission as the district and the city review it (self-scores, 自评说明, files, completeness,
    the record), with the actions the viewer may take; everyone who may see it reads it."""
    sa = scopes.self_assessment_visible(request.user, pk)
    return render(request, "selfassessment/review.html", _review_context(request, sa))


def _act(request, pk: int, action):
    """Run one chain step on a visible self-assessment; 404 for outsiders, 403 for those who may only read."""
    sa = scopes.self_assessment_visible(request.user, pk)
    try:
        action(sa)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        for m in _messages_of(exc):
            messages.error(request, m)
        return redirect("selfassessment:review", pk=sa.pk)
    return None


@require_POST
def review_return(request, pk: int):
    """退回 (district): reasons overall and/or at elements."""
    form = ReturnForm(request.POST)

    def action(sa):
        if not scopes.reviews_district(request.user, sa.school.district_id):
            raise PermissionDenied
        services.review_closed_check(sa, today=_today())
        if not form.is_valid():
            raise ValidationError([m for ms in form.errors.values() for m in ms])
        services.self_assessment_return(self_assessment=sa, by=request.user, reason=form.cleaned_data["reason"],
                                        element_reasons=form.cleaned_data["element_reasons"], request=request,
                                        today=_today())
        messages.success(request, _("已退回 %(school)s 的申报，学校可以修改后重新提交。") % {"school": sa.school.name})

    return _act(request, pk, action) or redirect("selfassessment:review", pk=pk)


@require_POST
def review_recommend(request, pk: int):
    """推荐 (district) with the 初评意见."""
    form = OpinionForm(request.POST)

    def action(sa):
        if not scopes.reviews_district(request.user, sa.school.district_id):
            raise PermissionDenied
        services.review_closed_check(sa, today=_today())
        if not form.is_valid():
            raise ValidationError([m for ms in form.errors.values() for m in ms])
        services.self_assessment_recommend(self_assessment=sa, by=request.user, opinion=form.cleaned_data["text"],
                                           request=request, today=_today())
        messages.success(request, _("已推荐 %(school)s，等待市级受理。") % {"school": sa.school.name})

    return _act(request, pk, action) or redirect("selfassessment:review", pk=pk)


# ---------------------------------------------------------------- 市级受理


def _city_action(service, success):
    @require_POST
    def view(request, pk: int):
        form = OpinionForm(request.POST)

        def action(sa):
            if not roles.is_admin(request.user):
                raise PermissionDenied
            kwargs = {}
            if service is not services.self_assessment_admit:
                if not form.is_valid():
                    raise ValidationError([m for ms in form.errors.values() for m in ms])
                kwargs["reason"] = form.cleaned_data["text"]
            service(self_assessment=sa, by=request.user, request=request, **kwargs)
            messages.success(request, success % {"school": sa.school.name})

        return _act(request, pk, action) or redirect("selfassessment:review", pk=pk)

    return view


admit = _city_action(services.self_assessment_admit, _("已受理 %(school)s：该校已进入本批次评估，可以分配专家组。"))
decline = _city_action(services.self_assessment_decline, _("已对 %(school)s 作出不予受理的决定。"))
send_back = _city_action(services.self_assessment_send_back, _("已将 %(school)s 的申报退回区县重新初评。"))


@require_http_methods(["GET", "POST"])
def admission(request):
    """The city's list: recommended schools with the district's opinion and self-total; admit the ticked."""
    if not roles.is_admin(request.user):
        raise PermissionDenied
    rounds = selectors.rounds_with_applications()
    from schools.models import District

    form = StatusFilterForm(request.GET or None, rounds=rounds, districts=District.objects.order_by("order", "code"))
    data = form.cleaned_data if form.is_valid() else {}
    round_obj = data.get("round") or rounds.first()
    if request.method == "POST":
        if round_obj is None:
            raise Http404
        from .models import SelfAssessment

        ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
        chosen = list(SelfAssessment.objects.filter(round=round_obj, pk__in=ids).select_related("school", "round"))
        if not chosen:
            messages.error(request, _("请至少选择一所学校。"))
        else:
            try:
                services.self_assessments_admit(self_assessments=chosen, by=request.user, request=request)
            except ValidationError as exc:
                for m in _messages_of(exc):
                    messages.error(request, m)
            else:
                messages.success(request, _("已受理 %(n)s 所学校，可以到评估批次中分配专家组。") % {"n": len(chosen)})
        return redirect(reverse("selfassessment:admission") + f"?round={round_obj.pk}")
    rows = counts = []
    if round_obj is not None:
        schools = scopes.schools_in_scope(request.user)
        if data.get("district"):
            schools = schools.filter(district=data["district"])
        all_rows = selectors.status_rows(round=round_obj, schools=schools)
        counts = selectors.status_counts(all_rows)
        rows = [r for r in all_rows if r.status == "recommended"]
    return render(request, "selfassessment/admission.html", {
        "form": form, "round": round_obj, "rows": rows, "counts": counts,
    })
