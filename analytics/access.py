"""Who may read the evaluation-quality analytics and what they read: the page, its workbooks (inline
and in the background) and the API ask here."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts import scopes
from accounts.roles import can_view_results, is_admin
from evaluation.models import Round
from evaluation.selectors import RoundNotFound, round_resolve
from schools.models import School

from .selectors import round_analytics


def require_viewer(user) -> None:
    if not can_view_results(user):
        raise PermissionDenied(_("只有教育局和管理员可以查看评估质量分析。"))
    scopes.require_scope(user)  # an official without a scope: 403 with the reason, as on reports


def require_export(user, kind: str) -> None:
    """Who may download an analytics workbook: viewers; leniency names inspectors, so admins only."""
    if kind == "leniency" and not is_admin(user):
        raise PermissionDenied(_("专家宽严度仅管理员可见。"))
    require_viewer(user)


def round_from(wanted: str) -> Round | None:
    """The round asked for; else the latest with finalized results; else the latest round."""
    for value, results in ((wanted, True), ("", False)):
        try:
            return round_resolve(value, results=results)
        except RoundNotFound:
            continue
    return None


def analytics_for(user, round_obj):
    """The round's analytics over the user's scope (None for an empty scope)."""
    scope = scopes.results_scope(user)
    if scope.is_empty:
        return None
    return round_analytics(round=round_obj, school_filter=scope.school_filter())


def element_filter(query, a) -> dict[str, str]:
    """The weakest/strongest filter (district, stage, location) from the query; unknown values mean all."""
    wanted = {key: query.get(key, "") for key in ("district", "stage", "location")}
    allowed = {"district": a.district_names() if a else [], "stage": School.Stage.values,
               "location": School.Location.values}
    return {key: value if value in allowed[key] else "" for key, value in wanted.items()}


def analytics_workbook(user, kind: str, params, render_fn) -> tuple[bytes, int]:
    """One analytics workbook of the round in `params` over the user's scope, and its table's rows
    (the inline download and its background job: analytics.table_exports)."""
    round_obj = round_from(params.get("round", ""))
    a = analytics_for(user, round_obj) if round_obj else None
    if a is None:
        raise PermissionDenied(_("没有可导出的数据。"))
    if kind == "elements":  # the page's filter applies to its workbook too
        rates = a.elements_where(**element_filter(params, a))
        return render_fn(a, rates=rates), sum(1 for e in rates if e.rate is not None)
    rows = {"agreement": lambda: len(a.agreement_worst_first) + len(a.agreement_by_dimension) + 1,
            "leniency": lambda: len(a.leniency), "cv": lambda: len(a.cv)}[kind]()
    return render_fn(a), rows
