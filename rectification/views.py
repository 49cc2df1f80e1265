"""Pages of 整改与复核.

Access (accounts.scopes): items a user may not see are 404 (`rectification_item_visible`); an insider
without the right for a write is 403 (`may_create_rectification`, `may_report_rectification`,
`may_review_rectification`). The ledger is for admins, officials (their scope) and inspectors (their
panels); a school account has its own page.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import scopes
from audit.services import audit_record
from config.evidence_files import evidence_response
from config.uploads import safe_file_name
from reports import background

from . import selectors, services
from .forms import ItemForm, RateForm, ReportForm, ReviewForm
from .models import RectificationEvidence, RectificationItem
from .access import ledger_data, require_ledger_reader

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _today():
    """The date the pages act on (a function, so that tests set the day instead of reading the clock)."""
    return timezone.localdate()


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _report_form(item, data=None, files=None) -> ReportForm:
    """The report form of one item: prefixed, and its labels name the item, so that several on one page
    are told apart (by screen readers too)."""
    form = ReportForm(data, files, initial={"version": item.version}, prefix=f"r{item.pk}")
    suffix = _("（整改事项 %(n)s）") % {"n": item.pk}
    for name in ("text", "files"):
        form.fields[name].label = f"{form.fields[name].label}{suffix}"
    return form


def _require_ledger_reader(request) -> None:
    require_ledger_reader(request.user)


# ---------------------------------------------------------------- 整改台账


def _ledger(request):
    return ledger_data(request.user, request.GET, _today())


@require_GET
def ledger(request):
    """整改台账: every item the user may see, filtered, with counts by status per round, district and school."""
    if scopes.school_of(request.user) is not None:
        return redirect("rectification:school_items")
    form, rows, today = _ledger(request)
    school = None
    if rows and form.is_bound and form.is_valid() and form.cleaned_data.get("school"):
        school = rows[0].evaluation.school  # named only from what the user may see
    return render(request, "rectification/ledger.html", {
        "form": form, "rows": [(item, item.is_overdue(today)) for item in rows], "school": school,
        "counts": selectors.ledger_counts(rows, today=today), "statuses": RectificationItem.Status,
        "query": urlencode({k: v for k, v in request.GET.items()}),
        "creatable": list(selectors.creatable_evaluations(request.user)[:200]),
    })


@require_GET
def ledger_xlsx(request):
    """The filtered ledger as xlsx (text cells never formulas); over EXPORT_INLINE_MAX_ROWS items a
    confirmation page, then a background job (reports.background, builder in rectification.table_exports)."""
    require_ledger_reader(request.user)
    params = background.clean_params(background.get_export("rectification_ledger"), request.GET, strict=False)
    confirm = background.confirm_if_large(request, "rectification_ledger", params)
    if confirm is not None:
        return confirm
    today = _today()
    content, rows = background.build_inline("rectification_ledger", request.user, params, today=today)
    audit_record(event="export.xlsx", request=request, scope=scopes.describe(request.user), kind="rectification",
                 rows=rows)
    response = HttpResponse(content, content_type=XLSX)
    name = safe_file_name(background.get_export("rectification_ledger").filename(
        request.user, params, today=today, now=None).removesuffix(".xlsx"), ext=".xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# ---------------------------------------------------------------- the school's own page


@require_GET
def school_items(request):
    """A school account's items (once the round's results are published) with a report form on each."""
    school = scopes.school_of(request.user)
    if school is None:
        raise PermissionDenied(_("此页面供学校账号使用。"))
    today = _today()
    items = list(selectors.items_for_school(request.user, school))
    rows = [(item, item.is_overdue(today),
             _report_form(item) if scopes.may_report_rectification(request.user, item) and item.awaits_report else None)
            for item in items]
    return render(request, "rectification/school_items.html", {"school": school, "rows": rows})


# ---------------------------------------------------------------- one item


def _item_page(request, item, *, report_form=None, review_form=None, status=200):
    today = _today()
    user = request.user
    if report_form is None and item.awaits_report and scopes.may_report_rectification(user, item):
        report_form = _report_form(item)
    if review_form is None and item.awaits_review and scopes.may_review_rectification(user, item):
        review_form = ReviewForm(initial={"version": item.version})
    return render(request, "rectification/item_detail.html", {
        "item": item, "overdue": item.is_overdue(today), "history": selectors.item_history(item=item),
        "report_form": report_form, "review_form": review_form,
        "is_school": scopes.school_of(user) is not None,
    }, status=status)


@require_GET
def item_detail(request, pk: int):
    """An item with its history: reports (and files), reviews and every transition."""
    return _item_page(request, scopes.rectification_item_visible(request.user, pk))


@require_POST
def item_report(request, pk: int):
    """The school reports on its item (text and files)."""
    item = scopes.rectification_item_visible(request.user, pk)
    if not scopes.may_report_rectification(request.user, item):
        raise PermissionDenied(_("只有本校账号可以报告整改情况。"))
    form = _report_form(item, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.rectification_report(item=item, text=data["text"], files=data["files"],
                                          version=data["version"], by=request.user, request=request)
        except services.ItemConflict as exc:
            form.add_error(None, str(exc))
            return _item_page(request, exc.current, report_form=form, status=409)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("整改情况已报告，等待复核。"))
            return redirect("rectification:item_detail", pk=item.pk)
    return _item_page(request, item, report_form=form, status=400)


@require_POST
def item_review(request, pk: int):
    """复核: 通过, or 未通过 with a note."""
    item = scopes.rectification_item_visible(request.user, pk)
    if not scopes.may_review_rectification(request.user, item):
        raise PermissionDenied(_("您不能复核该校的整改事项。"))
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.rectification_review(item=item, outcome=data["outcome"], note=data["note"],
                                          version=data["version"], by=request.user, request=request)
        except services.ItemConflict as exc:
            form.add_error(None, str(exc))
            return _item_page(request, exc.current, review_form=form, status=409)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("复核结果已保存。"))
            return redirect("rectification:item_detail", pk=item.pk)
    return _item_page(request, item, review_form=form, status=400)


@require_GET
def evidence_download(request, pk: int):
    """A report's file, for whoever may see the item (404 for everyone else)."""
    evidence = get_object_or_404(RectificationEvidence.objects.select_related("report"), pk=pk)
    scopes.rectification_item_visible(request.user, evidence.report.item_id)
    response = evidence_response(evidence)  # 404 when the stored file is gone
    audit_record(event="rectification_evidence.download", request=request, scope=scopes.describe(request.user),
                 obj=evidence, sha256=evidence.sha256)
    return response


# ---------------------------------------------------------------- creating items


@require_http_methods(["GET", "POST"])
def create(request, pk: int):
    """The lead (or an admin) raises items on a finalized evaluation, from proposed candidates."""
    evaluation = scopes.evaluation_visible(request.user, pk)
    if not scopes.may_create_rectification(request.user, evaluation):
        raise PermissionDenied(_("只有该校评估的组长或管理员可以提出整改事项。"))
    rate_form = RateForm(request.GET or None)
    rate = rate_form.rate_or_default()
    today = _today()
    if request.method == "POST":
        form = ItemForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.rectification_item_create(
                    evaluation=evaluation, element_codes=data["element_codes"], problem=data["problem"],
                    requirement=data["requirement"], deadline=data["deadline"], responsible=data["responsible"],
                    source=data["source"], by=request.user, request=request, today=today)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("已提出整改事项。"))
                return redirect("rectification:create", pk=evaluation.pk)
    else:
        status = 200
        initial = {"source": request.GET.get("source") or RectificationItem.Source.OTHER,
                   "element_codes": request.GET.get("elements", "")[:500]}
        if initial["source"] == RectificationItem.Source.OPINION:
            candidate = selectors.opinion_candidate(evaluation=evaluation)
            initial["problem"] = candidate.problem if candidate else ""
        elif initial["source"] == RectificationItem.Source.LOW_SCORE:
            for candidate in selectors.low_score_candidates(evaluation=evaluation, rate=rate):
                if candidate.element_codes == [initial["element_codes"].strip().upper()]:
                    initial["problem"] = candidate.problem
        form = ItemForm(initial=initial)
    finalized = evaluation.is_finalized
    return render(request, "rectification/create.html", {
        "evaluation": evaluation, "finalized": finalized, "form": form if finalized else None,
        "rate_form": rate_form, "rate": rate,
        "opinion": selectors.opinion_candidate(evaluation=evaluation) if finalized else None,
        "low_scores": selectors.low_score_candidates(evaluation=evaluation, rate=rate) if finalized else [],
        "items": [(i, i.is_overdue(today)) for i in selectors.items_of_evaluation(evaluation=evaluation)],
    }, status=status)
