"""Who may read results, and the results a user may read: the pages, workbooks, background exports
and the API all ask here (views stay thin)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts import scopes
from accounts.roles import can_view_results
from evaluation.models import Evaluation
from rubric.selectors import rubric_tree

from .forms import RankingFilterForm
from .selectors import round_totals


def require_viewer(user) -> None:
    """403 for roles that may not read results (and an official without a scope)."""
    if not can_view_results(user):
        raise PermissionDenied(_("只有教育局和管理员可以查看评估结果。"))
    scopes.require_scope(user)


def results_evaluation(user, pk: int) -> Evaluation:
    """An evaluation whose results the user may read: 403 for roles without results, 404
    outside the user's scope (accounts.scopes)."""
    require_viewer(user)
    return scopes.evaluation_results(user, pk)


def _sort_rows(rows, key: str):
    if not key:
        return rows
    reverse = key.startswith("-")
    name = key.lstrip("-")
    getters = {
        "rank": lambda r: (r.rank, r.school.code),
        "school": lambda r: r.school.code,
        "district": lambda r: (r.school.district.order, r.school.district.code, r.rank),
        "total": lambda r: (r.total, r.school.code),
    }
    getter = getters.get(name) or (lambda r: (r.dimensions.get(name, Decimal("0")), r.school.code))
    return sorted(rows, key=getter, reverse=reverse)


def ranking_rows(user, query, round_obj):
    """Rows of the ranking as the user filtered and sorted them (shared by the page, the inline
    xlsx and its background job: reports.table_exports)."""
    tree = rubric_tree(version=round_obj.rubric_version)
    codes = [d.code for d in tree.dimensions]
    scope = scopes.results_scope(user)
    districts = list(scope.districts())
    form = RankingFilterForm(query or None, districts=districts, dimension_codes=codes)
    data = form.cleaned_or_default() if query else {"include": False, "sort": "", "district": "",
                                                          "stage": "", "location": "", "status": ""}
    include = bool(data["include"]) or data["status"] == "in_progress"
    # Ranks are over the whole round (city-wide) so a school's rank is the same on every page.
    rows = round_totals(round=round_obj, include_in_progress=include, tree=tree)
    rows = scope.filter_rows(rows)
    if data["district"]:
        rows = [r for r in rows if str(r.school.district_id) == data["district"]]
    if data["stage"]:
        rows = [r for r in rows if r.school.stage == data["stage"]]
    if data["location"]:
        rows = [r for r in rows if r.school.location == data["location"]]
    if data["status"]:
        rows = [r for r in rows if r.status == data["status"]]
    rows = _sort_rows(rows, data["sort"])
    return form, tree, codes, rows, data
