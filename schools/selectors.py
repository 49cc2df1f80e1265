"""Read queries for districts and schools."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import District, School


def school_list(*, district: District | None = None, stage: str = "", location: str = "", q: str = "") -> QuerySet[School]:
    """Schools matching the admin list's filters, with their district in the same query."""
    schools = School.objects.select_related("district").order_by("district__order", "code")
    if district is not None:
        schools = schools.filter(district=district)
    if stage:
        schools = schools.filter(stage=stage)
    if location:
        schools = schools.filter(location=location)
    q = q.strip()
    if q:
        schools = schools.filter(
            Q(code__icontains=q) | Q(name__icontains=q) | Q(address__icontains=q) | Q(principal__icontains=q)
        )
    return schools


def district_list() -> QuerySet[District]:
    """All districts in their official order."""
    return District.objects.order_by("order", "code")
