"""Reads of the audit log for the auditors' viewer and export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .events import event_codes_matching, event_label
from .models import AuditEvent


@dataclass(frozen=True)
class AuditFilters:
    """Validated filters (from audit.forms.AuditFilterForm); empty fields filter nothing."""

    date_from: date | None = None
    date_to: date | None = None
    user: str = ""
    event: str = ""
    outcome: str = ""


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_event_list(*, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Events newest first, filtered by local-date range, username (prefix), event (code prefix
    or Chinese name), outcome."""
    qs = AuditEvent.objects.select_related("user").order_by("-at", "-id")
    if filters.date_from:
        qs = qs.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.user:
        qs = qs.filter(username__istartswith=filters.user)
    if filters.event:
        # By code prefix ("score") or by the Chinese name ("评分" → 修改评分, 提交评分表, …).
        qs = qs.filter(Q(event__startswith=filters.event) | Q(event__in=event_codes_matching(filters.event)))
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    return qs


def audit_event_names() -> list[tuple[str, str]]:
    """Distinct event codes present in the log with their Chinese names, for the filter's suggestions."""
    codes = AuditEvent.objects.order_by("event").values_list("event", flat=True).distinct()
    return [(code, event_label(code)) for code in codes]
