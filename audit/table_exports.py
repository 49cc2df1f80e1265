"""The audit log export as a registered table export (reports.background): for auditors only
(三权分立: neither the system nor the security administrator may read it, inline or as a job)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy
from urllib.parse import urlencode

from reports.background import TableExport, register, require_form

from . import selectors
from .forms import AuditFilterForm
from .xlsx import audit_events_xlsx

AUDIT_PARAMS = ("date_from", "date_to", "user", "event", "outcome")
# An export is capped so one click cannot build an unbounded workbook (inline or as a job).
EXPORT_MAX_ROWS = 50_000


def require_auditor(user) -> None:
    from accounts import roles

    if not roles.is_auditor(user):
        raise PermissionDenied


def audit_filters(params) -> selectors.AuditFilters | None:
    """The validated filters of a query (None when the form rejects it)."""
    form = AuditFilterForm(params or None)
    if form.is_bound and not form.is_valid():
        return None
    return form.filters() if form.is_bound else selectors.AuditFilters()


def audit_export_events(params):
    """The events the export holds: the viewer's filters, newest first, capped."""
    filters = audit_filters(params)
    if filters is None:
        raise PermissionDenied  # never reached from a page: the view answers 400 first
    return selectors.audit_event_list(filters=filters)[:EXPORT_MAX_ROWS]


def _allowed(user, params) -> None:
    require_auditor(user)


def _count(user, params) -> int:
    return audit_export_events(params).count()


def _build(user, params, target, progress, *, today) -> int:
    rows = 0

    def counted(done: int) -> None:
        nonlocal rows
        rows = done
        progress(done)

    audit_events_xlsx(audit_export_events(params).iterator(chunk_size=2000), target=target, progress=counted)
    return rows


def _filename(user, params, *, today, now) -> str:
    from django.utils import timezone

    return f"audit-{timezone.localtime(now).strftime('%Y%m%d-%H%M')}.xlsx"


def _validate(params) -> None:
    require_form(AuditFilterForm(params or None))


register(TableExport(
    name="audit_log", label=gettext_lazy("审计日志（Excel）"), params=AUDIT_PARAMS,
    allowed=_allowed, count=_count, build=_build, filename=_filename, validate=_validate,
    back_url=lambda params: f"{reverse('audit:event_list')}?{urlencode(params)}",
))
