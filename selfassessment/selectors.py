"""Reads of 学校自评申报: who may apply, a school's workspace, review pages, the chain's status.

"May this school apply in this round, today?" is answered here only (application_refusal), for
the pages, the services, the offline import and the commands alike.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from evaluation.models import Round
from schools.models import School

from .models import SchoolNomination


def eligible_schools(*, round: Round) -> QuerySet[School]:
    """The schools the round's rule lets apply (dates aside): all schools of the chosen stages, the
    city's list, or the schools the districts nominated."""
    qs = School.objects.select_related("district").order_by("district__order", "code")
    if round.applicants == Round.Applicants.LIST:
        return qs.filter(applicant_rounds=round)
    if round.applicants == Round.Applicants.NOMINATED:
        return qs.filter(nominations__round=round)
    stages = round.stage_list
    return qs.filter(stage__in=stages) if stages else qs


def is_eligible(*, round: Round, school: School) -> bool:
    """Does the round's rule let this school apply (no query for the stage rule)?"""
    if round.applicants == Round.Applicants.STAGES:
        return not round.stage_list or school.stage in round.stage_list
    return eligible_schools(round=round).filter(pk=school.pk).exists()


def application_refusal(*, round: Round, school: School, today: date) -> str | None:
    """Why this school may not apply in this round today, or None when it may."""
    if not round.self_assessment:
        return _("本批次未开放学校自评申报。")
    if round.status == Round.Status.CLOSED:
        return _("该评估批次已结束。")
    if not is_eligible(round=round, school=school):
        if round.applicants == Round.Applicants.LIST:
            return _("本校不在本批次的申报学校名单中。")
        if round.applicants == Round.Applicants.NOMINATED:
            return _("本校尚未被区县推荐（提名）参加本批次申报。")
        return _("本批次只接受%(stages)s学校申报。") % {"stages": round.stage_labels()}
    if round.apply_opens_on and today < round.apply_opens_on:
        return _("申报将于 %(d)s 开始。") % {"d": round.apply_opens_on.isoformat()}
    if round.apply_closes_on and today > round.apply_closes_on:
        return _("申报已于 %(d)s 截止。") % {"d": round.apply_closes_on.isoformat()}
    return None


def nomination_rows(*, round: Round, district_ids) -> list[tuple[School, SchoolNomination | None]]:
    """Every school of the districts with its nomination in the round (two queries)."""
    schools = list(School.objects.filter(district_id__in=list(district_ids)).select_related("district")
                   .order_by("district__order", "code"))
    found = {n.school_id: n for n in SchoolNomination.objects.filter(round=round, school__in=schools).select_related("by")}
    return [(s, found.get(s.pk)) for s in schools]
