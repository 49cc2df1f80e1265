"""Who is told about 整改 and 复核 (notifications.notify)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import scopes
from notifications.models import Kind
from notifications.services import notify


def _names(item) -> dict:
    ev = item.evaluation
    return {"school": ev.school.name, "round": ev.round.name, "n": item.pk}


def created(*, item, by) -> None:
    notify(users=scopes.school_accounts(item.evaluation.school_id), kind=Kind.RECTIFICATION, actor=by,
           title=_("新的整改事项（%(round)s）") % _names(item),
           body=_("整改期限：%(d)s") % {"d": item.deadline.isoformat()}, url=reverse("rectification:school_items"))


def reported(*, item, by) -> None:
    """The school reported: the district's reviewers and the panel's lead may 复核."""
    ev = item.evaluation
    leads = [c.inspector for c in ev.scorecards.filter(is_lead=True).select_related("inspector")]
    notify(users=[*scopes.district_reviewers(ev.school.district_id), *leads], kind=Kind.RECTIFICATION, actor=by,
           title=_("%(school)s报告了整改事项 %(n)s，待复核") % _names(item), body=_("评估批次：%(round)s") % _names(item),
           url=reverse("rectification:item_detail", args=[item.pk]))


def reviewed(*, item, review, by) -> None:
    notify(users=scopes.school_accounts(item.evaluation.school_id), kind=Kind.RECTIFICATION, actor=by,
           title=_("整改事项 %(n)s 复核结果：%(outcome)s") % {**_names(item), "outcome": review.get_outcome_display()},
           body=review.note, url=reverse("rectification:school_items"))
