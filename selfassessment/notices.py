"""Who is told when a self-assessment moves (学校 → 区县初评 → 市级受理), via notifications.notify."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import scopes
from notifications.models import Kind
from notifications.services import notify


def _send(users, *, sa, title: str, body: str, url: str, by) -> None:
    notify(users=users, kind=Kind.SELF_ASSESSMENT, title=title, body=body, url=url, actor=by)


def step(*, sa, action: str, by, reason: str = "") -> None:
    """`action`: submit, return, recommend, send_back, admit, decline."""
    school = sa.school
    names = {"school": school.name, "round": sa.round.name}
    to_school = reverse("selfassessment:workspace", args=[sa.round_id])
    review = reverse("selfassessment:review", args=[sa.pk])
    body = _("评估批次：%(round)s") % names + (("\n" + _("原因或意见：%(r)s") % {"r": reason}) if reason else "")
    if action == "submit":
        _send(scopes.district_reviewers(school.district_id), sa=sa, by=by, url=review, body=body,
              title=_("%(school)s提交了自评申报，待区县初评") % names)
    elif action == "return":
        _send(scopes.school_accounts(school.pk), sa=sa, by=by, url=to_school, body=body,
              title=_("本校自评申报被区县退回修改") % names)
    elif action == "recommend":
        _send(scopes.city_admins(), sa=sa, by=by, url=review, body=body,
              title=_("区县推荐了%(school)s，待市级受理") % names)
    elif action == "send_back":
        _send(scopes.district_reviewers(school.district_id), sa=sa, by=by, url=review, body=body,
              title=_("市级将%(school)s的申报退回区县") % names)
    elif action == "admit":
        _send(scopes.school_accounts(school.pk), sa=sa, by=by, url=to_school, body=body,
              title=_("本校申报已被市级受理，进入评估") % names)
    elif action == "decline":
        users = [*scopes.school_accounts(school.pk), *scopes.district_reviewers(school.district_id)]
        _send(users, sa=sa, by=by, url=review, body=body, title=_("%(school)s的申报不予受理") % names)
    else:
        raise ValueError(action)
