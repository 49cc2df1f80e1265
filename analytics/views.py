"""The analytics page and its workbooks, for admins and officials (officials within their scope).

Leniency names inspectors, so it is shown to admins only. Scope comes from accounts.scopes.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import scopes
from accounts.roles import is_admin
from audit.services import audit_record
from config.uploads import safe_file_name
from evaluation.models import Round
from reports import background
from schools.models import School

from . import xlsx
from .selectors import strongest_elements, weakest_elements
from .access import analytics_for, element_filter, require_export, require_viewer, round_from

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_viewer(request) -> None:
    require_viewer(request.user)


def _round(request) -> Round | None:
    return round_from(request.GET.get("round", ""))


def _analytics(request, round_obj):
    return analytics_for(request.user, round_obj)


def _element_filter(request, a) -> dict[str, str]:
    return element_filter(request.GET, a)


def _s(value) -> str | None:
    return None if value is None else format(value, "f")


def chart_data(a, *, rates, show_leniency: bool) -> dict:
    """The numbers each chart draws (the tables beside them show the same ones), as decimal strings."""
    ranked = [x for x in a.agreement_worst_first if x.alpha is not None]
    stages = [s for s in School.Stage.values if any(g.stage == s for g in a.cv)]
    districts = [g.district for g in a.cv if g.level == "district"]
    cell = {(g.district, g.stage): g.cv for g in a.cv if g.level == "district_stage"}
    district_cv = {g.district: g.cv for g in a.cv if g.level == "district"}
    city = next((g for g in a.cv if g.level == "city"), None)
    return {
        "agreement": {"labels": [x.code for x in ranked], "values": [_s(x.alpha) for x in ranked]},
        "leniency": {
            "labels": [x.name for x in a.leniency],
            "mean": [_s(x.overall.mean_deviation) for x in a.leniency],
            "low": [_s(x.overall.ci_low) for x in a.leniency],
            "high": [_s(x.overall.ci_high) for x in a.leniency],
            "names": [_("平均偏差"), _("95% 置信区间")],
        } if show_leniency else None,
        "cv": {
            "labels": districts,
            "series": [{"name": str(School.Stage(s).label), "values": [_s(cell.get((d, s))) for d in districts]}
                       for s in stages] + [{"name": _("全部学段"), "values": [_s(district_cv[d]) for d in districts]}],
            "city": _s(city.cv) if city else None, "city_name": _("全市"),
        },
        "weakest": _rates(weakest_elements(rates)),
        "strongest": _rates(strongest_elements(rates)),
    }


def _rates(items) -> dict:
    return {"labels": [e.code for e in items], "values": [_s(e.rate) for e in items]}


@require_GET
def page(request):
    """Agreement (worst first), leniency (admins), 差异系数 and the weakest/strongest elements."""
    _require_viewer(request)
    round_obj = _round(request)
    rounds = list(Round.objects.order_by("-year", "-created_at", "-id").only("id", "name"))
    a = _analytics(request, round_obj) if round_obj else None
    show_leniency = is_admin(request.user)
    where = _element_filter(request, a)
    rates = a.elements_where(**where) if a else []
    return render(request, "analytics/page.html", {
        "round": round_obj, "rounds": rounds, "a": a, "show_leniency": show_leniency,
        "scope_missing": scopes.scope_missing(request.user),
        "where": where, "where_query": urlencode({k: v for k, v in where.items() if v}),
        "stages": School.Stage.choices, "locations": School.Location.choices,
        "rates": [e for e in rates if e.rate is not None],
        "element_tables": [
            (_("得分率最低的 10 个要素"), weakest_elements(rates), "weakest-table", "weakest"),
            (_("得分率最高的 10 个要素"), strongest_elements(rates), "strongest-table", "strongest"),
        ] if a else [],
        "chart_data": chart_data(a, rates=rates, show_leniency=show_leniency) if a else None,
    })


def _download(request, kind: str, render_fn, label: str):
    require_export(request.user, kind)
    round_obj = _round(request)
    if round_obj is None or scopes.results_scope(request.user).is_empty:
        raise PermissionDenied(_("没有可导出的数据。"))
    name = f"analytics_{kind}"
    params = {**background.clean_params(background.get_export(name), request.GET, strict=False),
              "round": str(round_obj.pk)}
    confirm = background.confirm_if_large(request, name, params)
    if confirm is not None:
        return confirm
    content, _rows = background.build_inline(name, request.user, params, today=None)
    audit_record(event="export.xlsx", request=request, scope=scopes.describe(request.user), obj=round_obj,
                 kind=f"analytics_{kind}")
    response = HttpResponse(content, content_type=XLSX)
    # The round's name is user text: the same safe name as the background job's download.
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(safe_file_name(f'{round_obj.name}-{label}', ext='.xlsx'))}"
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
