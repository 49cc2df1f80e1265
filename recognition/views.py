"""Pages of the recognition process: admins run it, officials read it within their scope.

Access: `_require_viewer` (403 for roles without results: inspectors, the security and audit
admins, an official without a scope), `_require_admin` for every write (403 for officials), and
objects outside the user's scope are 404 (accounts.scopes.recognition_scope).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import scopes
from accounts.roles import is_admin
from audit.services import audit_record
from config.uploads import safe_file_name
from evaluation import services as evaluation_services
from evaluation.models import Round
from reports import background

from . import pdf as pdf_render
from . import selectors, services
from .forms import ConcludeForm, DecisionForm, ObjectionForm, ObjectionHandleForm, PublishForm
from .models import Objection, Recognition, RecognitionEntry, RecognitionList
from .access import concluded_list, published_list, recognized, renewal_data, renewal_window, require_viewer, round_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _today():
    """The date the pages act on (a function, so that tests set the day instead of reading the clock)."""
    return timezone.localdate()


def _require_viewer(request) -> None:
    require_viewer(request.user)


def _require_admin(request) -> None:
    _require_viewer(request)
    if not is_admin(request.user):
        raise PermissionDenied(_("只有管理员可以办理认定。"))


def _get_round(request, round_pk: int) -> Round:
    return round_for(request.user, round_pk)


def _get_entry(request, pk: int) -> RecognitionEntry:
    """An entry of a school in the user's scope (404 otherwise)."""
    _require_viewer(request)
    scope = scopes.recognition_scope(request.user)
    return get_object_or_404(
        RecognitionEntry.objects.filter(scope.school_q("evaluation__school__"))
        .select_related("list__round", "evaluation__school"), pk=pk)


def _messages_of(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


# ---------------------------------------------------------------- rounds and their lists


@require_GET
def index(request):
    """Every round and where its recognition stands."""
    _require_viewer(request)
    rows = selectors.recognition_rounds(scope=scopes.recognition_scope(request.user), today=_today())
    return render(request, "recognition/index.html", {"rows": rows, "can_manage": is_admin(request.user)})


def _list_page(request, round_obj: Round, *, forms=None, status: int = 200):
    rlist = selectors.recognition_list_of(round=round_obj)
    scope = scopes.recognition_scope(request.user)
    admin = is_admin(request.user)
    entries = list(selectors.list_entries(rlist=rlist, scope=scope)) if rlist else []
    editable = admin and rlist is not None and rlist.is_draft
    forms = forms or {}
    rows = []
    for entry in entries:
        form = forms.get(entry.pk)
        if form is None and editable:
            form = DecisionForm(initial={"decision": entry.decision, "reason": entry.reason, "version": entry.version},
                                prefix=f"e{entry.pk}")
        rows.append((entry, form))
    return render(request, "recognition/list_detail.html", {
        "round": round_obj, "rlist": rlist, "rows": rows, "editable": editable, "can_manage": admin,
        "check": selectors.list_check(rlist=rlist) if editable else None,
        "counts": selectors.decision_counts(entries),
        "not_finalized": selectors.round_not_finalized_count(round=round_obj, scope=scope),
        "phase": rlist.phase_label(_today()) if rlist else "",
        "transitions": list(rlist.transitions.select_related("by")[:100]) if admin and rlist else [],
        "public_url": reverse("public:notice", args=[round_obj.pk])
        if settings.PUBLIC_NOTICE_ENABLED and rlist is not None and rlist.is_published else "",
    }, status=status)


@require_GET
def list_detail(request, round_pk: int):
    return _list_page(request, _get_round(request, round_pk))


@require_POST
def list_build(request, round_pk: int):
    """拟定名单 (or refresh a draft one) from the round's finalized evaluations."""
    round_obj = _get_round(request, round_pk)
    _require_admin(request)
    try:
        result = services.recognition_list_build(round=round_obj, by=request.user, request=request)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        if result.created:
            messages.success(request, _("已拟定名单：%(n)s 所已定稿学校。") % {"n": len(result.added)})
        else:
            messages.success(request, _("名单已刷新：新增 %(a)s 所，移出 %(r)s 所，总分或意见更新 %(c)s 所。") % {
                "a": len(result.added), "r": len(result.removed), "c": len(result.changed)})
    return redirect("recognition:list_detail", round_pk=round_obj.pk)


@require_POST
def entry_decide(request, pk: int):
    """One school's decision on a draft list; errors come back at the row."""
    entry = _get_entry(request, pk)
    _require_admin(request)
    form = DecisionForm(request.POST, prefix=f"e{entry.pk}")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.recognition_entry_decide(entry=entry, decision=data["decision"], reason=data["reason"],
                                              version=data["version"], by=request.user, request=request)
        except services.EntryConflict as exc:
            # The next save overwrites what is stored now (named in the message): the version moves on.
            data = request.POST.copy()
            data[f"e{entry.pk}-version"] = str(exc.current.version)
            form = DecisionForm(data, prefix=f"e{entry.pk}")
            form.is_valid()
            form.add_error(None, _("该校的拟认定意见已被他人修改为“%(d)s”，您的修改未保存；请核对后再次保存。") % {
                "d": exc.current.get_decision_display()})
            status = 409
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("已保存 %(school)s 的拟认定意见。") % {"school": entry.evaluation.school.name})
            return redirect(reverse("recognition:list_detail", args=[entry.list.round_id]) + f"#entry-{entry.pk}")
    return _list_page(request, entry.list.round, forms={entry.pk: form}, status=status)


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=content_type)
    stem, _dot, ext = filename.rpartition(".")
    # Round and school names are user text: no separators or control characters in the saved name.
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(safe_file_name(stem, ext='.' + ext))}"
    return response


def _published_list(request, round_pk: int) -> RecognitionList:
    return published_list(request.user, round_pk)


# ---------------------------------------------------------------- 公示


def _draft_list_or_redirect(request, round_obj):
    rlist = selectors.recognition_list_of(round=round_obj)
    if rlist is None:
        messages.info(request, _("请先拟定名单。"))
    elif not rlist.is_draft:
        messages.info(request, _("名单已发布公示。"))
    else:
        return rlist, None
    return None, redirect("recognition:list_detail", round_pk=round_obj.pk)


@require_http_methods(["GET", "POST"])
def publish(request, round_pk: int):
    """发布公示: dates (default: today, the minimum length) and where to send objections."""
    round_obj = _get_round(request, round_pk)
    _require_admin(request)
    rlist, response = _draft_list_or_redirect(request, round_obj)
    if response is not None:
        return response
    today = _today()
    form = PublishForm(request.POST or None, initial={
        "starts_on": today, "ends_on": services.publicity_default_end(today)})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.recognition_publish(rlist=rlist, objection_contact=data["objection_contact"],
                                             starts_on=data["starts_on"], ends_on=data["ends_on"], by=request.user,
                                             today=today, request=request)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                messages.success(request, _("公示已发布。"))
                return redirect("recognition:list_detail", round_pk=round_obj.pk)
    check = selectors.list_check(rlist=rlist)
    return render(request, "recognition/publish.html", {
        "round": round_obj, "rlist": rlist, "form": form, "check": check,
        "days": settings.RECOGNITION_PUBLICITY_DAYS,
    }, status=status)


@require_GET
def notice_pdf(request, round_pk: int):
    """The printable 公示 notice (a public document: the whole list, no totals, no contacts)."""
    rlist = _published_list(request, round_pk)
    content = pdf_render.notice_pdf(selectors.publicity_notice(rlist=rlist))
    audit_record(event="export.pdf", request=request, scope=scopes.describe(request.user), obj=rlist, kind="notice")
    return _download(content, f"{rlist.round.name}-拟认定名单公示.pdf", "application/pdf")


# ---------------------------------------------------------------- 异议


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_GET
def objections(request, round_pk: int):
    """The objections of a published list (officials: their schools, without contacts)."""
    rlist = _published_list(request, round_pk)
    items = list(selectors.objections_of(rlist=rlist, scope=scopes.recognition_scope(request.user)))
    return render(request, "recognition/objections.html", {
        "round": rlist.round, "rlist": rlist, "objections": items, "counts": selectors.objection_counts(items),
        "can_manage": is_admin(request.user) and rlist.in_publicity,
        "show_contact": scopes.objection_contact_visible(request.user),
    })


@require_http_methods(["GET", "POST"])
def objection_create(request, round_pk: int):
    """登记异议 (admins, while the list is in 公示)."""
    rlist = _published_list(request, round_pk)
    _require_admin(request)
    if not rlist.in_publicity:
        messages.info(request, _("认定已完成，不能再登记异议。"))
        return redirect("recognition:objections", round_pk=round_pk)
    today = _today()
    form = ObjectionForm(request.POST or None, rlist=rlist, initial={"received_on": min(today, rlist.publicity_ends_on)})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                objection = services.objection_record(
                    rlist=rlist, entry=data["entry"], received_on=data["received_on"], channel=data["channel"],
                    content=data["content"], contact=data["contact"], handler=data["handler"], by=request.user,
                    today=today, request=request)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("异议已登记。"))
                return redirect("recognition:objection_detail", pk=objection.pk)
    return render(request, "recognition/objection_form.html", {"round": rlist.round, "rlist": rlist, "form": form},
                  status=status)


def _get_objection(request, pk: int) -> Objection:
    """An objection about a school in the user's scope (404 otherwise)."""
    _require_viewer(request)
    scope = scopes.recognition_scope(request.user)
    return get_object_or_404(
        Objection.objects.filter(scope.school_q("entry__evaluation__school__"))
        .select_related("list__round", "entry__evaluation__school__district", "created_by", "closed_by"), pk=pk)


@require_http_methods(["GET", "POST"])
def objection_detail(request, pk: int):
    """One objection: admins record the handling and close it with an outcome; officials read it."""
    objection = _get_objection(request, pk)
    if request.method == "POST":
        _require_admin(request)
    editable = is_admin(request.user) and objection.is_open and not objection.list.is_concluded
    initial = {"handler": objection.handler, "investigation": objection.investigation, "outcome": objection.outcome,
               "withdraw": objection.withdraw, "version": objection.version}
    form = ObjectionHandleForm(request.POST or None, initial=initial) if editable else None
    status = 200
    if request.method == "POST":
        if not editable:
            messages.error(request, _("该异议已办结或认定已完成，不能再修改。"))
            return redirect("recognition:objection_detail", pk=objection.pk)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            closing = data.get("action") == "close"
            try:
                if closing:
                    services.objection_close(objection=objection, outcome=data["outcome"], withdraw=data["withdraw"],
                                             handler=data["handler"], investigation=data["investigation"],
                                             version=data["version"], by=request.user, request=request)
                else:
                    services.objection_update(objection=objection, handler=data["handler"],
                                              investigation=data["investigation"], version=data["version"],
                                              by=request.user, request=request)
            except services.ObjectionConflict as exc:
                data = request.POST.copy()
                data["version"] = str(exc.current.version)
                form = ObjectionHandleForm(data, initial=initial)
                form.is_valid()
                form.add_error(None, _("该异议已被他人修改，您的修改未保存；页面下方为当前保存的内容，核对后再次保存。"))
                objection = exc.current
                status = 409
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("异议已办结。") if closing else _("处理情况已保存。"))
                return redirect("recognition:objection_detail", pk=objection.pk)
    return render(request, "recognition/objection_detail.html", {
        "o": objection, "round": objection.list.round, "form": form, "editable": editable,
        "show_contact": scopes.objection_contact_visible(request.user),
    }, status=status)


# ---------------------------------------------------------------- 认定, certificates, the recognized list


@require_http_methods(["GET", "POST"])
def conclude(request, round_pk: int):
    """认定: after the 公示 has ended and every objection is closed, with the 文号 and its date."""
    rlist = _published_list(request, round_pk)
    _require_admin(request)
    if rlist.is_concluded:
        messages.info(request, _("该名单已完成认定。"))
        return redirect("recognition:list_detail", round_pk=round_pk)
    today = _today()
    form = ConcludeForm(request.POST or None, initial={"recognized_on": today})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                made = services.recognition_conclude(
                    rlist=rlist, document_no=form.cleaned_data["document_no"],
                    recognized_on=form.cleaned_data["recognized_on"], by=request.user, today=today, request=request)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("认定已完成：%(n)s 所学校被认定为新优质学校。") % {"n": len(made)})
                return redirect("recognition:list_detail", round_pk=round_pk)
    open_objections = Objection.objects.filter(list=rlist, status=Objection.Status.OPEN).count()
    return render(request, "recognition/conclude.html", {
        "round": rlist.round, "rlist": rlist, "form": form, "open_objections": open_objections,
        "publicity_over": rlist.publicity_over(today),
        "proposed": RecognitionEntry.objects.filter(list=rlist, decision=RecognitionEntry.Decision.PROPOSED,
                                                    withdrawn=False).count(),
    }, status=status)


def _concluded_list(request, round_pk: int) -> RecognitionList:
    return concluded_list(request.user, round_pk)


@require_GET
def certificate_pdf(request, pk: int):
    """One recognized school's certificate (officials in scope, admins)."""
    _require_viewer(request)
    scope = scopes.recognition_scope(request.user)
    recognition = get_object_or_404(
        Recognition.objects.filter(scope.school_q()).select_related("school__district", "round"), pk=pk)
    content = pdf_render.certificates_pdf([recognition])
    audit_record(event="export.pdf", request=request, scope=scopes.describe(request.user), obj=recognition,
                 kind="certificate")
    return _download(content, f"{recognition.school.code}-{recognition.school.name}-认定证书.pdf", "application/pdf")


@require_GET
def certificates_pdf(request, round_pk: int):
    """Every certificate of a concluded list within the user's scope, one page each."""
    rlist = _concluded_list(request, round_pk)
    items = list(selectors.recognitions_of(rlist=rlist, scope=scopes.recognition_scope(request.user)))
    if not items:
        raise Http404
    content = pdf_render.certificates_pdf(items)
    audit_record(event="export.pdf", request=request, scope=scopes.describe(request.user), obj=rlist,
                 kind="certificate", count=len(items))
    return _download(content, f"{rlist.round.name}-认定证书.pdf", "application/pdf")


def _recognized(request, round_pk: int):
    return recognized(request.user, round_pk)


@require_GET
def recognized_xlsx(request, round_pk: int):
    """已认定学校名单: inline up to EXPORT_INLINE_MAX_ROWS rows, else a confirmation page and a
    background job (reports.background; the builder is recognition.table_exports)."""
    rlist = _concluded_list(request, round_pk)
    params = {"round": str(round_pk)}
    confirm = background.confirm_if_large(request, "recognized_list", params)
    if confirm is not None:
        return confirm
    content, rows = background.build_inline("recognized_list", request.user, params, today=_today())
    audit_record(event="export.xlsx", request=request, scope=scopes.describe(request.user), obj=rlist,
                 kind="recognized_list", rows=rows)
    return _download(content, f"{rlist.round.name}-已认定学校.xlsx", XLSX)


@require_GET
def recognized_pdf(request, round_pk: int):
    rlist, items, title = _recognized(request, round_pk)
    content = pdf_render.recognized_list_pdf(rlist, items, title=title)
    audit_record(event="export.pdf", request=request, scope=scopes.describe(request.user), obj=rlist,
                 kind="recognized_list", rows=len(items))
    return _download(content, f"{rlist.round.name}-已认定学校.pdf", "application/pdf")


@require_POST
def results_publish(request, round_pk: int):
    """The round switch "results published to schools" (evaluation's service; noted on the list)."""
    round_obj = _get_round(request, round_pk)
    _require_admin(request)
    published = request.POST.get("published", "") == "1"
    evaluation_services.round_results_publish(round=round_obj, published=published, by=request.user, request=request)
    services.record_results_published(round=round_obj, published=published, by=request.user)
    messages.success(request, _("已向学校公布本批次结果。") if published else _("已撤回向学校公布的结果。"))
    return redirect("recognition:list_detail", round_pk=round_pk)


# ---------------------------------------------------------------- the public page (PUBLIC_NOTICE=1)


def _public_enabled() -> None:
    if not settings.PUBLIC_NOTICE_ENABLED:
        raise Http404


@login_not_required
@require_GET
def public_index(request):
    """The published 公示 notices, without login (only when the deployment enables it)."""
    _public_enabled()
    return render(request, "recognition/public_index.html", {"lists": selectors.public_notices()})


@login_not_required
@require_GET
def public_notice(request, round_pk: int):
    """One 公示 notice, read-only, without login: only what the printed notice says."""
    _public_enabled()
    rlist = get_object_or_404(selectors.public_notices(), round_id=round_pk)
    return render(request, "recognition/public_notice.html", {
        "n": selectors.publicity_notice(rlist=rlist), "today": _today()})


# ---------------------------------------------------------------- 复评


def _renewal(request):
    return renewal_data(request.user, request.GET, _today())


@require_GET
def renewal(request):
    """复评: schools whose recognition ends within the chosen window (or has ended), for re-evaluation."""
    form, days, today, rows = _renewal(request)
    return render(request, "recognition/renewal.html", {"form": form, "days": days, "today": today, "rows": rows})


@require_GET
def renewal_xlsx(request):
    """复评名单: inline up to EXPORT_INLINE_MAX_ROWS rows, else a confirmation page and a background job."""
    require_viewer(request.user)
    params = background.clean_params(background.get_export("renewal"), request.GET, strict=False)
    confirm = background.confirm_if_large(request, "renewal", params)
    if confirm is not None:
        return confirm
    today = _today()
    content, rows = background.build_inline("renewal", request.user, params, today=today)
    _form, days = renewal_window(params)
    audit_record(event="export.xlsx", request=request, scope=scopes.describe(request.user), kind="renewal",
                 rows=rows, days=days)
    return _download(content, f"复评名单-{today.isoformat()}.xlsx", XLSX)
