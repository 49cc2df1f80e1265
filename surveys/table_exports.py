"""满意度问卷 workbooks as registered table exports (reports.background): the raw anonymous answers of a
campaign and the round's comparison; the inline download and the background job build them here."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import background
from reports.background import TableExport, register

from .access import answers_campaign, round_campaign_results, round_campaigns
from .models import CampaignGroup, Response


def _pk(params, key: str) -> int:
    value = str(params.get(key, ""))
    if not value.isdigit():
        raise Http404
    return int(value)


# ---------------------------------------------------------------- 原始答卷


def _answers_campaign(user, params):
    return answers_campaign(user, _pk(params, "campaign"))


def _answers_count(user, params) -> int:
    return Response.objects.filter(group__campaign=_answers_campaign(user, params)).count()


def _answers_build(user, params, target, progress, *, today) -> int:
    from . import exports

    rows = 0

    def counted(done: int) -> None:
        nonlocal rows
        rows = done
        progress(done)

    exports.answers_xlsx(_answers_campaign(user, params), target=target, progress=counted)
    return rows


register(TableExport(
    name="survey_answers", label=gettext_lazy("满意度原始答卷（Excel）"), params=("campaign",),
    allowed=lambda user, params: _answers_campaign(user, params),  # raises 404/403; the value is unused
    count=_answers_count, build=_answers_build, validate=lambda params: background.require_digits(params, "campaign"),
    filename=lambda user, params, *, today, now: f"{_answers_campaign(user, params).school.name}-满意度原始答卷.xlsx",
    round=lambda user, params: _answers_campaign(user, params).round,
    back_url=lambda params: reverse("surveys:campaign_detail", args=[_pk(params, "campaign")]),
))


# ---------------------------------------------------------------- 各校结果比较


def _round_campaigns(user, params):
    return round_campaigns(user, _pk(params, "round"))


def _results_count(user, params) -> int:
    _rnd, campaigns = _round_campaigns(user, params)
    return CampaignGroup.objects.filter(campaign__in=campaigns).count()


def _results_build(user, params, target, progress, *, today) -> int:
    from . import exports

    rnd, results = round_campaign_results(user, _pk(params, "round"))
    target.write(exports.results_xlsx(results, title=_("%(round)s 满意度调查结果") % {"round": rnd.name}))
    rows = sum(len(cr.groups) for cr in results)  # the summary sheet's rows
    progress(rows)
    return rows


register(TableExport(
    name="survey_results", label=gettext_lazy("满意度调查结果（Excel）"), params=("round",),
    allowed=lambda user, params: _round_campaigns(user, params),  # raises 404/403; the value is unused
    count=_results_count, build=_results_build, validate=lambda params: background.require_digits(params, "round"),
    filename=lambda user, params, *, today, now: f"{_round_campaigns(user, params)[0].name}-满意度调查结果.xlsx",
    round=lambda user, params: _round_campaigns(user, params)[0],
    back_url=lambda params: reverse("surveys:round_results", args=[_pk(params, "round")]),
))
