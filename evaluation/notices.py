"""Who is told what when the scoring workflow moves (notifications.services.notify).

Called from evaluation.services inside each step's transaction; the email follows in the background.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from notifications.models import Kind
from notifications.services import notify


def panel_assigned(*, added: dict, schools_by_id: dict, round, by) -> None:
    """`added`: inspector → [school ids] of the panels they newly joined."""
    url = reverse("evaluation:inspector_home")
    for inspector, school_ids in added.items():
        names = [schools_by_id[s].name for s in school_ids]
        if len(names) == 1:
            title = _("您被分配到%(school)s的专家组") % {"school": names[0]}
        else:
            title = _("您被分配到 %(n)s 所学校的专家组") % {"n": len(names)}
        body = _("评估批次：%(round)s\n学校：%(schools)s") % {"round": round.name, "schools": "、".join(names)}
        notify(users=[inspector], kind=Kind.PANEL_ASSIGNED, title=title, body=body, url=url, actor=by)


def panel_removed(*, scorecard, by, reason: str) -> None:
    evaluation = scorecard.evaluation
    notify(users=[scorecard.inspector], kind=Kind.PANEL_REMOVED,
           title=_("您已被移出%(school)s的专家组") % {"school": evaluation.school.name},
           body=_("评估批次：%(round)s\n原因：%(reason)s") % {"round": evaluation.round.name, "reason": reason},
           url=reverse("evaluation:inspector_home"), actor=by)


def scorecard_returned(*, scorecard, by, reason: str) -> None:
    evaluation = scorecard.evaluation
    notify(users=[scorecard.inspector], kind=Kind.SCORECARD_RETURNED,
           title=_("您对%(school)s的评分表被组长退回") % {"school": evaluation.school.name},
           body=_("退回原因：%(reason)s") % {"reason": reason},
           url=reverse("evaluation:scorecard", args=[scorecard.pk]), actor=by)


def scorecard_submitted(*, scorecard, by) -> None:
    """Tell the lead once every scorecard of the panel is submitted."""
    evaluation = scorecard.evaluation
    cards = list(evaluation.scorecards.select_related("inspector"))
    if any(not c.is_submitted for c in cards):
        return
    lead = next((c.inspector for c in cards if c.is_lead), None)
    if lead is None:
        return
    notify(users=[lead], kind=Kind.PANEL_SUBMITTED,
           title=_("%(school)s专家组已全部提交评分表") % {"school": evaluation.school.name},
           body=_("请进行合议定分。评估批次：%(round)s") % {"round": evaluation.round.name},
           url=reverse("evaluation:evaluation_detail", args=[evaluation.pk]), actor=by)


def _members(evaluation):
    return [c.inspector for c in evaluation.scorecards.select_related("inspector")]


def evaluation_finalized(*, evaluation, by) -> None:
    notify(users=_members(evaluation), kind=Kind.EVALUATION_FINALIZED,
           title=_("%(school)s的评估已定稿") % {"school": evaluation.school.name},
           body=_("评估批次：%(round)s") % {"round": evaluation.round.name},
           url=reverse("evaluation:inspector_home"), actor=by)


def evaluation_reopened(*, evaluation, by, reason: str) -> None:
    notify(users=_members(evaluation), kind=Kind.EVALUATION_REOPENED,
           title=_("%(school)s的评估已重新开启") % {"school": evaluation.school.name},
           body=_("原因：%(reason)s\n评估批次：%(round)s") % {"reason": reason, "round": evaluation.round.name},
           url=reverse("evaluation:evaluation_detail", args=[evaluation.pk]), actor=by)


def calibration_joined(*, evaluation, inspectors, by) -> None:
    """Added to a calibration case (校准): the case's title only, never the school (it may be anonymized)."""
    notify(users=inspectors, kind=Kind.PANEL_ASSIGNED,
           title=_("您被加入校准评估：%(round)s") % {"round": evaluation.round.name},
           body=_("校准评估不计入任何结果；请在“我的评估”中完成评分并提交。"),
           url=reverse("evaluation:inspector_home"), actor=by)
