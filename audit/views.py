from dataclasses import asdict

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import roles

from . import selectors
from .forms import AuditFilterForm
from .services import audit_record
from .xlsx import audit_events_xlsx

# An export is capped so one click cannot build an unbounded workbook in memory.
EXPORT_MAX_ROWS = 50_000


def _require_auditor(request) -> None:
    if not roles.is_auditor(request.user):
        raise PermissionDenied


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
    events = selectors.audit_event_list(filters=filters)[:EXPORT_MAX_ROWS]
    content = audit_events_xlsx(events.iterator(chunk_size=2000))
    audit_record(event="export.audit_xlsx", request=request, scope="审计日志（按筛选条件）",
                 filters={k: str(v) for k, v in asdict(filters).items() if v})
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
    return response
