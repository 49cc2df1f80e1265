"""The ranking workbook as a registered table export (reports.background): the inline download
and the background job both build it here, from the ranking page's own rows (access.ranking_rows)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import scopes
from evaluation.models import Evaluation
from evaluation.selectors import RoundNotFound, round_resolve

from . import background
from .access import ranking_rows, require_viewer
from .background import TableExport, register

RANKING_PARAMS = ("round", "include", "sort", "district", "stage", "location", "status")


def _round(user, params):
    """The round the export names (stored as its id by the view): 404 if it is gone or unknown."""
    try:
        return round_resolve(params.get("round", ""), results=True)
    except RoundNotFound:
        raise Http404 from None


def _allowed(user, params) -> None:
    require_viewer(user)
    _round(user, params)


def _count(user, params) -> int:
    """At most this many rows: the round's evaluations in the user's scope, narrowed by the cheap
    filters (the status filter and the in-progress toggle only shorten the list further)."""
    round_obj = _round(user, params)
    qs = Evaluation.objects.filter(round=round_obj).filter(scopes.results_scope(user).school_q())
    if str(params.get("district", "")).isdigit():
        qs = qs.filter(school__district_id=int(params["district"]))
    for key in ("stage", "location"):
        if params.get(key):
            qs = qs.filter(**{f"school__{key}": params[key]})
    return qs.count()


def _build(user, params, target, progress, *, today) -> int:
    from . import xlsx

    round_obj = _round(user, params)
    _form, tree, _codes, rows, _data = ranking_rows(user, params, round_obj)
    title = _("%(round)s 排名结果") % {"round": round_obj.name}
    xlsx.ranking_xlsx(rows=rows, tree=tree, round_obj=round_obj, title=title, target=target, progress=progress)
    return len(rows)


def _validate(params) -> None:
    from schools.models import School

    from .forms import STATUS_CHOICES

    background.require_digits(params, "round", "district")
    background.require_choice(params, "stage", School.Stage.values)
    background.require_choice(params, "location", School.Location.values)
    background.require_choice(params, "status", [value for value, _label in STATUS_CHOICES])
    background.require_choice(params, "include", background.BOOLEAN_VALUES)
    if "sort" in params and not re.fullmatch(r"-?[A-Za-z0-9_]{1,20}", params["sort"]):
        raise background.BadParams("sort")


def _filename(user, params, *, today, now) -> str:
    return f"{_round(user, params).name}-排名.xlsx"


register(TableExport(
    name="ranking", label=gettext_lazy("排名结果（Excel）"), params=RANKING_PARAMS,
    allowed=_allowed, count=_count, build=_build, filename=_filename, round=_round, validate=_validate,
    back_url=lambda params: f"{reverse('reports:ranking')}?{urlencode(params)}",
))
