"""Every write of 学校自评申报: nominations, self-scores, evidence, the report, and each step of the
chain (提交 → 退回 / 推荐 → 退回区县 / 受理 / 不予受理), under row locks with their preconditions.

Scores share the inspectors' versioned saver (evaluation.versioned), so a stale save is a conflict
and never overwrites; every step is a Transition and an audit record.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scopes
from audit.services import audit_record
from evaluation.models import Round

from .models import SchoolNomination


def _today(today: date | None) -> date:
    return today or timezone.localdate()


# ---------------------------------------------------------------- nominations (区县提名)


@transaction.atomic
def nominations_set(*, round: Round, district_ids, schools, by, request=None, today: date | None = None):
    """The district's nominated schools in a round become exactly `schools` (within the districts
    the official reviews); returns (added, removed) school lists."""
    from .models import SelfAssessment

    round = Round.objects.select_for_update().get(pk=round.pk)
    if not round.self_assessment or round.applicants != Round.Applicants.NOMINATED:
        raise ValidationError(_("本批次不采用区县推荐（提名）的方式确定申报学校。"))
    district_ids = set(district_ids)
    if not district_ids or not district_ids <= set(scopes.review_districts(by)):
        raise PermissionDenied(_("只有区县教育局可以提名本区县的学校。"))
    if round.apply_closes_on and _today(today) > round.apply_closes_on:
        raise ValidationError(_("申报已于 %(d)s 截止，不能再调整提名。") % {"d": round.apply_closes_on.isoformat()})
    schools = list(schools)
    outside = [s.name for s in schools if s.district_id not in district_ids]
    if outside:
        raise PermissionDenied(_("只能提名本区县的学校：%(names)s") % {"names": "、".join(outside)})
    current = {n.school_id: n for n in SchoolNomination.objects.select_for_update()
               .filter(round=round, school__district_id__in=district_ids).select_related("school")}
    wanted = {s.pk: s for s in schools}
    removed = [n for school_id, n in current.items() if school_id not in wanted]
    started = set(SelfAssessment.objects.filter(round=round, school__in=[n.school_id for n in removed])
                  .exclude(status=SelfAssessment.Status.NOT_STARTED).values_list("school__name", flat=True))
    if started:
        raise ValidationError(_("以下学校已开始填报，不能取消提名：%(names)s") % {"names": "、".join(sorted(started))})
    added = [s for pk, s in wanted.items() if pk not in current]
    SchoolNomination.objects.bulk_create([SchoolNomination(round=round, school=s, by=by) for s in added])
    SchoolNomination.objects.filter(pk__in=[n.pk for n in removed]).delete()
    if added or removed:
        audit_record(event="self_assessment.nominate", request=request, user=by, obj=round,
                     added=[s.code for s in added], removed=[n.school.code for n in removed])
    return added, [n.school for n in removed]
