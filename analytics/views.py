"""The analytics page and its workbooks, for admins and officials (officials within their scope).

Leniency names inspectors, so it is shown to admins only. Scope comes from accounts.scopes.
"""

from __future__ import annotations

from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import scopes
from accounts.roles import can_view_results, is_admin
from audit.services import audit_record
from evaluation.models import Round
from evaluation.selectors import RoundNotFound, round_resolve

from . import xlsx
from .selectors import round_analytics

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_viewer(request) -> None:
    if not can_view_results(request.user):
        raise PermissionDenied(_("只有教育局和管理员可以查看评估质量分析。"))
    scopes.require_scope(request.user)  # an official without a scope: 403 with the reason, as on reports


def _round(request) -> Round | None:
    """The round asked for; else the latest with finalized results; else the latest round."""
    for value, results in ((request.GET.get("round", ""), True), ("", False)):
        try:
            return round_resolve(value, results=results)
        except RoundNotFound:
            continue
    return None


def _analytics(request, round_obj):
    scope = scopes.results_scope(request.user)
    if scope.is_empty:
        return None
    return round_analytics(round=round_obj, school_filter=scope.school_filter())


@require_GET
def page(request):
    """Agreement (worst first), leniency (admins), 差异系数 and the weakest/strongest elements."""
    _require_viewer(request)
    round_obj = _round(request)
    rounds = list(Round.objects.order_by("-year", "-created_at", "-id").only("id", "name"))
    a = _analytics(request, round_obj) if round_obj else None
    return render(request, "analytics/page.html", {
        "round": round_obj, "rounds": rounds, "a": a, "show_leniency": is_admin(request.user),
        "scope_missing": scopes.scope_missing(request.user),
        "element_tables": [
            (_("得分率最低的 10 个要素"), a.weakest, "weakest-table"),
            (_("得分率最高的 10 个要素"), a.strongest, "strongest-table"),
        ] if a else [],
    })


def _download(request, kind: str, render_fn, label: str):
    _require_viewer(request)
    round_obj = _round(request)
    a = _analytics(request, round_obj) if round_obj else None
    if a is None:
        raise PermissionDenied(_("没有可导出的数据。"))
    content = render_fn(a)
    audit_record(event="export.xlsx", request=request, scope=scopes.describe(request.user), obj=round_obj,
                 kind=f"analytics_{kind}")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{round_obj.name}-{label}.xlsx')}"
    return response


@require_GET
def agreement_xlsx(request):
    return _download(request, "agreement", xlsx.agreement_xlsx, _("评分一致性"))


@require_GET
def leniency_xlsx(request):
    if not is_admin(request.user):
        raise PermissionDenied(_("专家宽严度仅管理员可见。"))
    return _download(request, "leniency", xlsx.leniency_xlsx, _("专家宽严度"))


@require_GET
def cv_xlsx(request):
    return _download(request, "cv", xlsx.cv_xlsx, _("差异系数"))


@require_GET
def elements_xlsx(request):
    return _download(request, "elements", xlsx.elements_xlsx, _("要素得分率"))
