"""The analytics workbooks as registered table exports (reports.background): the inline download
and the background job build them with access.analytics_workbook, from the page's own figures.

These tables are bounded by the rubric, the panels and the districts (a few hundred rows at most);
they are registered so that one rule decides for every export, not because they are often large."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from accounts import scopes
from evaluation.models import Scorecard
from reports import background
from reports.background import TableExport, register
from rubric.selectors import rubric_tree
from schools.models import School

from . import xlsx
from .access import analytics_workbook, require_export, round_from

WORKBOOKS = {
    "agreement": (xlsx.agreement_xlsx, gettext_lazy("评分一致性")),
    "leniency": (xlsx.leniency_xlsx, gettext_lazy("专家宽严度")),
    "cv": (xlsx.cv_xlsx, gettext_lazy("差异系数")),
    "elements": (xlsx.elements_xlsx, gettext_lazy("要素得分率")),
}


def _round(params):
    round_obj = round_from(params.get("round", ""))
    if round_obj is None:
        raise PermissionDenied
    return round_obj


def _count_for(kind: str):
    def count(user, params) -> int:
        """An upper bound of the table's rows, without computing the analytics."""
        round_obj = _round(params)
        if kind == "leniency":
            return Scorecard.objects.filter(evaluation__round=round_obj).values("inspector").distinct().count()
        if kind == "cv":
            districts = scopes.results_scope(user).districts().count()
            return (districts + 1) * (len(School.Stage.values) + 1)
        tree = rubric_tree(version=round_obj.rubric_version)
        return len(tree.elements) + len(tree.dimensions) + 1
    return count


def _allowed_for(kind: str):
    def allowed(user, params) -> None:
        require_export(user, kind)
        if scopes.results_scope(user).is_empty:
            raise PermissionDenied
        _round(params)
    return allowed


def _build_for(kind: str):
    def build(user, params, target, progress, *, today) -> int:
        content, rows = analytics_workbook(user, kind, params, WORKBOOKS[kind][0])
        target.write(content)
        progress(rows)
        return rows
    return build


def _validate(params) -> None:
    background.require_digits(params, "round")
    background.require_choice(params, "stage", School.Stage.values)
    background.require_choice(params, "location", School.Location.values)
    if "district" in params and ("/" in params["district"] or "\\" in params["district"]):
        raise background.BadParams("district")  # a district's name: never a path


def _filename_for(kind: str):
    def filename(user, params, *, today, now) -> str:
        return f"{_round(params).name}-{WORKBOOKS[kind][1]}.xlsx"
    return filename


for _kind, (_render, _label) in WORKBOOKS.items():
    register(TableExport(
        name=f"analytics_{_kind}", label=format_lazy(gettext_lazy("评估质量分析：{}（Excel）"), _label),
        params=("round", "district", "stage", "location") if _kind == "elements" else ("round",),
        allowed=_allowed_for(_kind), count=_count_for(_kind), build=_build_for(_kind),
        filename=_filename_for(_kind), round=lambda user, params: _round(params), validate=_validate,
        back_url=lambda params: f"{reverse('analytics:page')}?{urlencode(params)}",
    ))
