"""Thin views of the scoring workflow: access check, parse, one service or selector, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
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
from rubric.models import Element
from schools.models import School

from . import hooks, recusal, selectors, services
from .access import editable_scorecard, scorecard_for_user
from .forms import (
    EvidenceForm,
    FinalHistoryFilterForm,
    FinalScoresForm,
    ObservationsForm,
    OpinionForm,
    PanelAssignForm,
    RemoveMemberForm,
    ReopenForm,
    ReturnForm,
    RoundForm,
    SchoolFilterForm,
    XlsxUploadForm,
)
from .models import Evaluation, Evidence, PanelOpinion, Round, Scorecard
from .parsing import fmt
from .autosave import element_rows_save, wants_json
from .xlsx import scorecard_xlsx

PAGE_SIZE = 50  # rows per page of the round, assignment and inspector lists

# ---------------------------------------------------------------- access helpers


def _require_admin(request) -> None:
    if not roles.is_admin(request.user):
        raise PermissionDenied


def _require_reader(request) -> None:
    """Round pages: admins manage, officials read; anyone else is refused."""
    if not roles.can_view_results(request.user):
        raise PermissionDenied
    scopes.require_scope(request.user)


def _get_scorecard_for_user(request, pk: int) -> tuple[Scorecard, bool]:
    return scorecard_for_user(request.user, pk)


def _get_rw_scorecard(request, pk: int) -> Scorecard:
    return editable_scorecard(request.user, pk)


def _panel_evaluation(request, pk: int) -> tuple[Evaluation, Scorecard | None]:
    """(evaluation, the user's scorecard on it), for the consolidation pages. Visibility is
    accounts.scopes.evaluation_visible (outsiders 404); panel members other than the lead 403."""
    evaluation = scopes.evaluation_visible(request.user, pk)
    mine = Scorecard.objects.filter(evaluation=evaluation, inspector=request.user).first()
    if mine is not None and not mine.is_lead and not roles.can_view_results(request.user):
        raise PermissionDenied
    return evaluation, mine


def _get_lead_evaluation(request, pk: int) -> Evaluation:
    evaluation, mine = _panel_evaluation(request, pk)
    if mine is None or not mine.is_lead:
        raise PermissionDenied
    return evaluation


_wants_json = wants_json


def _messages_of(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _self_side(evaluation):
    from selfassessment.selectors import self_side

    if evaluation.is_calibration:
        return None  # a calibration case (校准) shows only its own material

    return self_side(evaluation=evaluation)


def _self_totals(side, tree) -> dict | None:
    """The self-total beside the panel's (evaluation.totals through totals_for); no query."""
    return selectors.totals_for(tree=tree, points_by_element=side.points()) if side else None


# ---------------------------------------------------------------- inspector home


@require_GET
def inspector_home(request):
    """My assigned schools in open rounds, with progress and running total."""
    page = Paginator(selectors.inspector_scorecards(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    cards = selectors.inspector_assignments(user=request.user, cards=list(page))
    return render(request, "evaluation/inspector_home.html", {"cards": cards, "page": page})


# ---------------------------------------------------------------- rounds (admins manage, officials read)


@require_GET
def round_list(request):
    _require_reader(request)
    return render(request, "evaluation/round_list.html", {"rounds": selectors.rounds_overview(
        evaluation_filter=scopes.round_counts_q(request.user))})


@require_http_methods(["GET", "POST"])
def round_create(request):
    _require_admin(request)
    return _round_form(request, Round())


@require_http_methods(["GET", "POST"])
def round_edit(request, pk: int):
    _require_admin(request)
    return _round_form(request, get_object_or_404(Round.objects, pk=pk))


def _round_form(request, instance: Round):
    form = RoundForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            round_obj = services.round_save(round=form.instance, by=request.user, request=request,
                                            applicant_schools=form.cleaned_data.get("applicant_codes"))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("评估批次“%(name)s”已保存。") % {"name": round_obj.name})
            return redirect("evaluation:round_detail", pk=round_obj.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "evaluation/round_form.html", {"form": form, "round": instance}, status=status)


@require_GET
def round_detail(request, pk: int):
    _require_reader(request)
    round_obj = get_object_or_404(Round.objects.select_related("rubric_version"), pk=pk)
    visible = scopes.evaluations_visible_to(request.user).filter(round=round_obj).order_by("school__code")
    # A city's round has thousands of schools: one page of them, their panels read for that page only.
    page = Paginator(visible.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.round_status_rows(round=round_obj, evaluations=Evaluation.objects.filter(pk__in=list(page)))
    return render(request, "evaluation/round_detail.html", {"round": round_obj, "rows": rows, "page": page})


@require_http_methods(["GET", "POST"])
def panel_assign(request, pk: int):
    """Bulk panel assignment: filter and tick schools, tick inspectors, choose the lead."""
    _require_admin(request)
    round_obj = get_object_or_404(Round.objects, pk=pk)
    filters = SchoolFilterForm(request.GET or None)
    schools = School.objects.select_related("district")
    if filters.is_valid():
        data = filters.cleaned_data
        if data.get("district"):
            schools = schools.filter(district=data["district"])
        if data.get("stage"):
            schools = schools.filter(stage=data["stage"])
        if data.get("q"):
            schools = schools.filter(Q(name__icontains=data["q"]) | Q(code__icontains=data["q"]))
    # One page of schools (filters kept in the page links); ticking works on the schools on screen.
    page = Paginator(schools.order_by("district__order", "code"), PAGE_SIZE).get_page(request.GET.get("page"))
    school_list = list(page)
    # Why an inspector cannot be chosen, for the schools on screen (the service has the final word).
    notes = recusal.inspector_notes(
        round=round_obj, schools=school_list, inspectors=PanelAssignForm.candidates(), by=request.user
    )
    form = PanelAssignForm(
        request.POST if request.method == "POST" else None,  # an empty POST is a form with errors, not a fresh one
        schools=School.objects.select_related("district") if request.method == "POST" else schools,
        notes=notes,
    )
    warnings = []
    if request.method == "POST" and form.is_valid():
        try:
            evaluations = services.panel_assign(
                round=round_obj,
                schools=form.cleaned_data["schools"],
                inspectors=form.cleaned_data["inspectors"],
                lead=form.cleaned_data["lead"],
                by=request.user,
                request=request,
                confirm_warnings=form.cleaned_data["confirm_warnings"],
            )
        except services.RecusalWarning as exc:
            warnings = [c.reason for c in exc.conflicts]
        except ValidationError as exc:
            for field_name, errors in exc.message_dict.items():
                form.add_error(field_name if field_name in form.fields else None, errors)
        else:
            messages.success(request, _("已为 %(n)s 所学校分配专家组。") % {"n": len(evaluations)})
            return redirect("evaluation:round_detail", pk=round_obj.pk)
    panels = {}
    for school_id, name, lead in Scorecard.objects.filter(
        evaluation__round=round_obj, evaluation__school__in=[s.pk for s in school_list]
    ).order_by("evaluation_id", "-is_lead", "inspector__username").values_list(
        "evaluation__school_id", "inspector__name", "is_lead"
    ):
        panels.setdefault(school_id, []).append(f"{name}{'（组长）' if lead else ''}")
    school_rows = [(s, "、".join(panels.get(s.pk, []))) for s in school_list]
    # Ticked schools stay ticked when the page comes back with an error or a 回避 warning.
    selected = {s.pk for s in getattr(form, "cleaned_data", {}).get("schools", ())}
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "evaluation/panel_assign.html",
        {"round": round_obj, "filters": filters, "form": form, "school_rows": school_rows, "warnings": warnings,
         "selected_schools": selected, "page": page},
        status=status,
    )


# ---------------------------------------------------------------- the scoring workspace


@require_GET
def scorecard(request, pk: int):
    card, owner = _get_scorecard_for_user(request, pk)
    workspace = selectors.scorecard_workspace(scorecard=card)
    flash = request.session.pop("element_flash", None)
    if flash and flash.get("card") != card.pk:
        flash = None
    editable = owner and card.is_editable_by(request.user)
    return render(
        request,
        "evaluation/scorecard.html",
        {
            "card": card,
            "ws": workspace,
            # The school's 自评 (read-only), when the district recommended it: the rubric → round →
            # self-assessment → evaluation flow read from this side, three queries.
            "self_side": (side := _self_side(card.evaluation)),
            "self_totals": _self_totals(side, workspace.tree),
            "self_prefix": reverse("selfassessment:evidence_download", args=[0])[: -len("0/")],
            # The school's previous finalized round, per element code (two queries).
            "previous": selectors.previous_scores(evaluation=card.evaluation),
            # 满意度问卷 results beside the elements their items are linked to (evaluation.hooks).
            "survey_notes": hooks.element_survey_notes(card.evaluation),
            "editable": editable,
            "owner": owner,
            "flash": flash,
            "element_count": len(workspace.items),
            "returned": selectors.scorecard_return_notice(scorecard=card),
            "max_mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
            "totals_data": selectors.totals_json(workspace.totals),
            # Reversed once: {% url %} per element was the slowest part of the page.
            "history_prefix": reverse("evaluation:score_history", args=[card.pk, "C1"])[: -len("C1/")],
            "evidence_prefix": reverse("evaluation:evidence_download", args=[0])[: -len("0/")],
            "js_labels": {
                "idle": _("未评分"), "dirty": _("未保存"), "saving": _("保存中…"), "saved": _("已保存"),
                "error": _("保存失败"), "conflict": _("冲突"), "offline": _("未保存（待重试）"),
                "saving_n": _("正在保存 %(n)s 项…"), "saved_n": _("已保存 %(n)s 项。"),
                "offline_n": _("%(n)s 项未保存，已保留在本机，联网后自动重试。"),
                "your_value": _("您输入的值：%(value)s。"), "empty": _("（空）"),
                "all_scored": _("全部评估要素都已评分。"),
                "incomplete": _("还有 %(n)s 项评估要素未评分或未保存，全部保存后才能提交："),
                "server_error": _("服务器返回错误，请稍后重试。"),
                "network_error": _("网络错误，未能保存，请检查网络后重试。"),
                "session_expired": _("登录已过期，未能保存。请在新标签页重新登录后再次保存（本页输入仍保留）。"),
            },
        },
    )


@require_POST
def scorecard_save(request, pk: int):
    """Autosave (JSON for fetch/htmx) and the plain form POST (redirect with messages)."""
    card = _get_rw_scorecard(request, pk)
    return element_rows_save(
        request,
        save=lambda values: services.scores_save_many(scorecard=card, values=values, by=request.user, request=request),
        totals=lambda _result: selectors.totals_json(selectors.scorecard_totals(scorecard=card)),
        redirect_to=reverse("evaluation:scorecard", args=[card.pk]),
        saved_text=_("已保存 %(n)s 项得分。"),
    )


@require_POST
def scorecard_submit(request, pk: int):
    card = _get_rw_scorecard(request, pk)
    try:
        services.scorecard_submit(scorecard=card, by=request.user, request=request)
    except services.ScorecardIncomplete as exc:
        # Each missing code links to its element on the page.
        links = format_html_join("、", '<a href="#el-{0}" class="alert-link">{0}</a>', ((c,) for c in exc.missing))
        messages.error(request, format_html(
            "{} {}", _("还有 %(n)s 项评估要素未评分，全部评分后才能提交：") % {"n": len(exc.missing)}, links
        ))
        return redirect("evaluation:scorecard", pk=card.pk)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
        return redirect("evaluation:scorecard", pk=card.pk)
    messages.success(request, _("评分表已提交。"))
    return redirect("evaluation:inspector_home")


@require_GET
def score_history(request, pk: int, code: str):
    card, _owner = _get_scorecard_for_user(request, pk)
    element = get_object_or_404(Element, version_id=card.evaluation.round.rubric_version_id, code=code)
    history = list(selectors.score_history(scorecard=card, element=element))
    rows = []
    for i, record in enumerate(history):
        older = history[i + 1] if i + 1 < len(history) else None
        rows.append({"record": record, "old": older.points if older else None})
    template = "evaluation/partials/score_history.html" if getattr(request, "htmx", False) else "evaluation/score_history.html"
    return render(request, template, {"card": card, "element": element, "rows": rows})


# ---------------------------------------------------------------- evidence


@require_POST
def evidence_upload(request, pk: int):
    card = _get_rw_scorecard(request, pk)
    element = Element.objects.filter(
        version_id=card.evaluation.round.rubric_version_id, code=request.POST.get("element", "")
    ).first()
    # The page has one upload form; each element's file field is named file_<code>.
    upload = request.FILES.get(f"file_{element.code}") if element else None
    form = EvidenceForm(request.POST, {"file": upload or request.FILES.get("file")})
    anchor = f"#el-{element.code}" if element else ""
    if element is None:
        messages.error(request, _("请选择评估要素。"))
    elif not form.is_valid():
        _flash_at_element(request, card, element.code, False, f"{element.code}：{form.errors['file'][0]}")
    else:
        try:
            evidence = services.evidence_add(
                scorecard=card, element=element, upload=form.cleaned_data["file"], by=request.user, request=request
            )
        except ValidationError as exc:
            audit_record(event="evidence.upload", request=request, obj=card, outcome="failure", element=element.code)
            _flash_at_element(request, card, element.code, False, f"{element.code}：{'；'.join(_messages_of(exc))}")
        else:
            _flash_at_element(request, card, element.code, True, _("%(code)s：已上传“%(name)s”。") % {
                "code": element.code, "name": evidence.original_name})
    return redirect(reverse("evaluation:scorecard", args=[card.pk]) + anchor)


def _flash_at_element(request, card, code: str, ok: bool, text: str) -> None:
    """A one-time message shown inside the element's row (where the page scrolls back to),
    not at the top of a page 84 elements long."""
    request.session["element_flash"] = {"card": card.pk, "code": code, "ok": ok, "text": text}


def _get_evidence_for_user(request, pk: int) -> tuple[Evidence, bool]:
    evidence = get_object_or_404(Evidence.objects.select_related("element"), pk=pk)
    card, owner = _get_scorecard_for_user(request, evidence.scorecard_id)
    evidence.scorecard = card
    return evidence, owner


@require_GET
def evidence_download(request, pk: int):
    evidence, _owner = _get_evidence_for_user(request, pk)
    response = evidence_response(evidence)
    audit_record(event="evidence.download", request=request, scope=scopes.describe(request.user), obj=evidence, sha256=evidence.sha256)
    return response


@require_POST
def evidence_delete(request, pk: int):
    evidence, owner = _get_evidence_for_user(request, pk)
    if not owner:
        raise PermissionDenied
    _get_rw_scorecard(request, evidence.scorecard_id)
    services.evidence_delete(evidence=evidence, by=request.user, request=request)
    _flash_at_element(request, evidence.scorecard, evidence.element.code, True,
                      _("%(code)s：已删除“%(name)s”。") % {"code": evidence.element.code, "name": evidence.original_name})
    return redirect(reverse("evaluation:scorecard", args=[evidence.scorecard_id]) + f"#el-{evidence.element.code}")


# ---------------------------------------------------------------- offline xlsx


@require_GET
def scorecard_download(request, pk: int):
    card, _owner = _get_scorecard_for_user(request, pk)
    content = scorecard_xlsx(workspace=selectors.scorecard_workspace(scorecard=card))
    audit_record(event="scorecard.download", request=request, scope=scopes.describe(request.user), obj=card)
    stamp = timezone.localdate().strftime("%Y%m%d")
    school = f"校准{card.evaluation.round_id}" if card.evaluation.is_calibration else card.evaluation.school.code
    filename = f"评分表-{school}-{card.inspector.username}-{stamp}.xlsx"
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response


@require_POST
def scorecard_upload(request, pk: int):
    card = _get_rw_scorecard(request, pk)
    form = XlsxUploadForm(request.POST, request.FILES)
    errors: list[str] = []
    if not form.is_valid():
        errors = [str(e) for e in form.errors.get("file", [])]
    else:
        try:
            result = services.scorecard_import_xlsx(
                scorecard=card, file=form.cleaned_data["file"], by=request.user, request=request
            )
        except services.ScorecardImportError as exc:
            errors = exc.cell_errors
        except ValidationError as exc:
            errors = _messages_of(exc)
        else:
            messages.success(request, _("已从文件导入 %(n)s 项得分。") % {"n": len(result.saved)})
            return redirect("evaluation:scorecard", pk=card.pk)
    audit_record(event="scorecard.upload", request=request, obj=card, outcome="failure", errors=len(errors))
    return render(request, "evaluation/upload_errors.html", {"card": card, "errors": errors}, status=400)


# ---------------------------------------------------------------- the lead: reconcile, finalize; admin: reopen


@require_GET
def evaluation_detail(request, pk: int):
    evaluation, mine = _panel_evaluation(request, pk)
    data = selectors.evaluation_reconcile(evaluation=evaluation)
    is_lead = mine is not None and mine.is_lead
    lock_reason = evaluation.lock_reason()
    can_edit = is_lead and lock_reason is None
    # The round's agreement per element and the panel's leniency: admins and the lead only (evaluation.hooks).
    quality = hooks.round_quality(evaluation, data.tree) if is_lead or roles.is_admin(request.user) else None
    return render(
        request,
        "evaluation/evaluation_detail.html",
        {
            "ev": evaluation,
            "rc": data,
            "is_lead": is_lead,
            "can_edit": can_edit,
            # 退回 is offered for each submitted scorecard while the lead can still change things.
            "returnable": [c for c in data.scorecards if c.is_submitted] if can_edit else [],
            "lock_reason": lock_reason,
            "can_reopen": roles.is_admin(request.user) and evaluation.is_finalized,
            "opinion": selectors.evaluation_opinion(evaluation=evaluation, tree=data.tree),
            "reopen_form": ReopenForm(),
            # 移出专家组 (admins, while the evaluation is open); the service says why a member cannot go.
            "removable": ([c for c in data.scorecards if not c.is_lead]
                          if roles.is_admin(request.user) and lock_reason is None else []),
            "missing_notes": selectors.reconcile_rows_missing_notes(data) if can_edit else [],
            "evidence_prefix": reverse("evaluation:evidence_download", args=[0])[: -len("0/")],
            "self_side": (side := _self_side(evaluation)),
            "self_totals": _self_totals(side, data.tree),
            "self_prefix": reverse("selfassessment:evidence_download", args=[0])[: -len("0/")],
            "transitions": selectors.evaluation_transitions(evaluation=evaluation),
            "previous": selectors.previous_scores(evaluation=evaluation),
            "quality": quality,
            "survey_notes": hooks.element_survey_notes(evaluation),
            "fmt": fmt,
        },
    )


@require_POST
def final_scores_save(request, pk: int):
    evaluation = _get_lead_evaluation(request, pk)
    form = FinalScoresForm(request.POST)
    if not form.is_valid():
        for message in form.non_field_errors():
            messages.error(request, message)
        return redirect("evaluation:evaluation_detail", pk=evaluation.pk)
    try:
        result = services.final_scores_save_many(
            evaluation=evaluation, values=form.cleaned_data["values"], by=request.user, request=request
        )
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
        return redirect("evaluation:evaluation_detail", pk=evaluation.pk)
    if result.saved:
        messages.success(request, _("已保存 %(n)s 项最终得分或合议说明。") % {"n": len(result.saved)})
    for code, message in result.errors.items():
        messages.error(request, f"{code}：{message}")
    for code, row in result.conflicts.items():
        messages.warning(request, f"{code}：{services.conflict_message(row)}")
    return redirect("evaluation:evaluation_detail", pk=evaluation.pk)


@require_POST
def evaluation_finalize(request, pk: int):
    evaluation = _get_lead_evaluation(request, pk)
    try:
        services.evaluation_finalize(evaluation=evaluation, by=request.user, request=request)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("评估已定稿。"))
    return redirect("evaluation:evaluation_detail", pk=evaluation.pk)


@require_POST
def scorecard_return(request, pk: int, scorecard_pk: int):
    """退回: the lead sends one inspector's submitted scorecard back, with a reason."""
    evaluation = _get_lead_evaluation(request, pk)
    card = get_object_or_404(Scorecard.objects.select_related("inspector"), pk=scorecard_pk, evaluation=evaluation)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
        return redirect("evaluation:evaluation_detail", pk=evaluation.pk)
    try:
        services.scorecard_return(scorecard=card, by=request.user, reason=form.cleaned_data["reason"], request=request)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(
            request, _("已退回 %(name)s 的评分表，该专家可以修改后重新提交。") % {"name": card.inspector.display_name}
        )
    return redirect("evaluation:evaluation_detail", pk=evaluation.pk)


@require_POST
def panel_member_remove(request, pk: int, scorecard_pk: int):
    """移出专家组: an admin takes an inspector who has recorded nothing off the panel, with a reason."""
    evaluation, _mine = _panel_evaluation(request, pk)
    _require_admin(request)
    card = get_object_or_404(Scorecard.objects.select_related("inspector"), pk=scorecard_pk, evaluation=evaluation)
    form = RemoveMemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
        return redirect("evaluation:evaluation_detail", pk=evaluation.pk)
    try:
        services.panel_member_remove(scorecard=card, by=request.user, reason=form.cleaned_data["reason"],
                                     request=request)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("已将 %(name)s 移出专家组，并通知本人。") % {"name": card.inspector.display_name})
    return redirect("evaluation:evaluation_detail", pk=evaluation.pk)


@require_GET
def final_score_history(request, pk: int):
    """Every change of the final scores (who, when, old → new, 合议说明); ?code=C5 for one element."""
    evaluation, _mine = _panel_evaluation(request, pk)
    filters = FinalHistoryFilterForm(request.GET or None)
    element = None
    if filters.is_valid() and filters.cleaned_data.get("code"):
        element = get_object_or_404(
            Element, version_id=evaluation.round.rubric_version_id, code=filters.cleaned_data["code"]
        )
    records = list(selectors.final_score_history(evaluation=evaluation, element=element))
    previous: dict[int, object] = {}
    rows = []
    for record in reversed(records):  # oldest first, to pair each state with the one before it
        rows.append({"record": record, "old": previous.get(record.element_id)})
        previous[record.element_id] = record
    rows.reverse()
    return render(
        request,
        "evaluation/final_score_history.html",
        {"ev": evaluation, "element": element, "rows": rows, "filters": filters},
    )


@require_POST
def evaluation_reopen(request, pk: int):
    evaluation, _mine = _panel_evaluation(request, pk)
    _require_admin(request)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
        return redirect("evaluation:evaluation_detail", pk=evaluation.pk)
    try:
        services.evaluation_reopen(evaluation=evaluation, by=request.user, reason=form.cleaned_data["reason"], request=request)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("评估已重新开启：最终得分和评价意见保留，组长可以修改；各专家的评分表仍为已提交，需要专家修改时由组长逐份退回。"))
    return redirect("evaluation:evaluation_detail", pk=evaluation.pk)


# ---------------------------------------------------------------- 评价意见: inspectors' observations, the lead's opinion


@require_http_methods(["GET", "POST"])
def observations(request, pk: int):
    """An inspector's own observations per A (editable while their scorecard is); others read them."""
    if request.method == "POST":
        card, owner = _get_rw_scorecard(request, pk), True
    else:
        card, owner = _get_scorecard_for_user(request, pk)
    rows = selectors.scorecard_observations(scorecard=card)
    editable = owner and card.is_editable_by(request.user)
    form = ObservationsForm(request.POST or None, rows=rows)
    conflicts = {}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result = services.observations_save(scorecard=card, values=form.values(), by=request.user, request=request)
            for code, message in result.errors.items():
                form.add_error(f"obs_{code}" if f"obs_{code}" in form.fields else None, message)
            conflicts = result.conflicts
            if not result.errors and not conflicts:
                messages.success(request, _("观察意见已保存。"))
                return redirect("evaluation:observations", pk=card.pk)
            if result.saved and not result.errors:
                messages.info(request, _("其他一级指标的观察意见已保存。"))
        status = 409 if conflicts and not form.errors else 400
        if conflicts:
            # The next save overwrites what is stored now (the message shows it): the version moves on.
            data = request.POST.copy()
            for code, row in conflicts.items():
                data[f"over_{code}"] = str(row.version)
            form = ObservationsForm(data, rows=rows)
            form.is_valid()
    return render(request, "evaluation/observations.html", {
        "card": card, "form": form, "editable": editable, "owner": owner, "conflicts": conflicts,
        "lock_reason": card.lock_reason(),
    }, status=status)


@require_http_methods(["GET", "POST"])
def opinion(request, pk: int):
    """评价意见: the lead composes the panel's opinion with every inspector's observations and notes at hand;
    admins and officials in scope read it."""
    if request.method == "POST":
        evaluation = _get_lead_evaluation(request, pk)
    else:
        evaluation, _mine = _panel_evaluation(request, pk)
    view = selectors.evaluation_opinion(evaluation=evaluation, sources=True)
    editable = evaluation.opinion_editable_by(request.user)
    form = OpinionForm(request.POST or None, view=view)
    conflict = None
    status = 200
    if request.method == "POST":
        if not editable:
            messages.error(request, evaluation.opinion_lock_reason() or _("只有组长可以撰写评价意见。"))
            return redirect("evaluation:opinion", pk=evaluation.pk)
        if form.is_valid():
            try:
                saved = services.opinion_save(evaluation=evaluation, by=request.user, request=request,
                                              **form.service_kwargs())
            except services.OpinionConflict as exc:
                conflict = exc.current
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                missing = PanelOpinion.missing_parts_of(saved)
                if missing:
                    messages.warning(request, _("评价意见已保存；定稿前还须填写：%(parts)s。") % {"parts": "、".join(missing)})
                else:
                    messages.success(request, _("评价意见已保存。"))
                return redirect("evaluation:opinion", pk=evaluation.pk)
        status = 409 if conflict is not None else 400
        if conflict is not None:
            data = request.POST.copy()
            data["version"] = str(conflict.version)  # the next save overwrites, knowingly
            form = OpinionForm(data, view=view)
            form.is_valid()
    return render(request, "evaluation/opinion.html", {
        "ev": evaluation, "view": view, "form": form, "editable": editable, "conflict": conflict,
        "conflict_parts": [(label, getattr(conflict, name)) for name, label in PanelOpinion.PARTS] if conflict else [],
        "dim_rows": list(zip(view.dimensions, form.dimension_fields())),
        "lock_reason": evaluation.opinion_lock_reason(),
    }, status=status)
