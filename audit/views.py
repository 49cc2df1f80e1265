from dataclasses import asdict

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from reports import background

from . import selectors
from .forms import AuditFilterForm
from .services import audit_record
from .table_exports import EXPORT_MAX_ROWS, require_auditor  # noqa: F401  (the cap lives with the export)


def _require_auditor(request) -> None:
    require_auditor(request.user)


@require_GET
def event_list(request):
    """The audit log for auditors: filters, 50 per page."""
    _require_auditor(request)
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        events = selectors.AuditFilters()  # show the errors, list nothing filtered wrongly
        page = Paginator([], 50).get_page(1)
    else:
        events = form.filters() if form.is_bound else selectors.AuditFilters()
        page = Paginator(selectors.audit_event_list(filters=events), 50).get_page(request.GET.get("page"))
    return render(request, "audit/event_list.html", {
        "form": form, "page": page, "event_names": selectors.audit_event_names(),
    })


@require_GET
def event_export(request):
    """The filtered log as xlsx (formula-injection neutralized); the export itself is audited."""
    _require_auditor(request)
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/event_list.html", {
            "form": form, "page": Paginator([], 50).get_page(1), "event_names": selectors.audit_event_names(),
        }, status=400)
    filters = form.filters() if form.is_bound else selectors.AuditFilters()
    # Over EXPORT_INLINE_MAX_ROWS rows: a confirmation page, then a background job (reports.background).
    params = background.clean_params(background.get_export("audit_log"), request.GET, strict=False)
    confirm = background.confirm_if_large(request, "audit_log", params)
    if confirm is not None:
        return confirm
    now = timezone.now()
    content, _rows = background.build_inline("audit_log", request.user, params, today=timezone.localdate(now))
    audit_record(event="export.audit_xlsx", request=request, scope="审计日志（按筛选条件）",
                 filters={k: str(v) for k, v in asdict(filters).items() if v})
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = background.get_export("audit_log").filename(request.user, params, today=timezone.localdate(now), now=now)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
