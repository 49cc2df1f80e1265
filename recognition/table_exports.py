"""The recognition workbooks (已认定学校名单, 复评名单) as registered table exports (reports.background):
the inline download and the background job build them here from the pages' own selections
(access.recognized, access.renewal_data)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import scopes
from reports import background
from reports.background import TableExport, register

from . import selectors
from .access import concluded_list, recognized, renewal_data, require_viewer
from .models import Recognition


def _round_pk(params) -> int:
    value = str(params.get("round", ""))
    if not value.isdigit():
        raise Http404
    return int(value)


# ---------------------------------------------------------------- 已认定学校名单


def _recognized_allowed(user, params) -> None:
    concluded_list(user, _round_pk(params))


def _recognized_count(user, params) -> int:
    rlist = concluded_list(user, _round_pk(params))
    return selectors.recognitions_of(rlist=rlist, scope=scopes.recognition_scope(user)).count()


def _recognized_build(user, params, target, progress, *, today) -> int:
    from . import xlsx
    _rlist, items, title = recognized(user, _round_pk(params))
    target.write(xlsx.recognized_list_xlsx(items, title=title))
    progress(len(items))
    return len(items)


def _recognized_filename(user, params, *, today, now) -> str:
    return f"{concluded_list(user, _round_pk(params)).round.name}-已认定学校.xlsx"


def _recognized_round(user, params):
    return concluded_list(user, _round_pk(params)).round


def _today():
    from .views import _today as today

    return today()


register(TableExport(
    name="recognized_list", label=gettext_lazy("已认定学校名单（Excel）"), params=("round",),
    allowed=_recognized_allowed, count=_recognized_count, build=_recognized_build, filename=_recognized_filename,
    round=_recognized_round,
    today=_today, validate=lambda params: background.require_digits(params, "round"),
    back_url=lambda params: reverse("recognition:list_detail", args=[_round_pk(params)]),
))


# ---------------------------------------------------------------- 复评名单


def _renewal_allowed(user, params) -> None:
    require_viewer(user)


def _renewal_count(user, params) -> int:
    """At most this many rows: the recognized schools in the user's scope."""
    return (Recognition.objects.filter(scopes.recognition_scope(user).school_q(),
                                                 status=Recognition.Status.RECOGNIZED)
            .values("school_id").distinct().count())


def _renewal_build(user, params, target, progress, *, today) -> int:
    from . import xlsx
    _form, days, today, rows = renewal_data(user, params, today)
    title = _("复评名单（%(today)s 起 %(days)s 天内到期）") % {"today": today.isoformat(), "days": days}
    target.write(xlsx.renewal_xlsx(rows, title=title))
    progress(len(rows))
    return len(rows)


def _renewal_validate(params) -> None:
    from .forms import RenewalForm

    background.require_form(RenewalForm(params or None))


def _renewal_filename(user, params, *, today, now) -> str:
    return f"复评名单-{today.isoformat()}.xlsx"


register(TableExport(
    name="renewal", label=gettext_lazy("复评名单（Excel）"), params=("days",),
    allowed=_renewal_allowed, count=_renewal_count, build=_renewal_build, filename=_renewal_filename,
    validate=_renewal_validate,
    today=_today,
    back_url=lambda params: f"{reverse('recognition:renewal')}?{urlencode(params)}",
))
