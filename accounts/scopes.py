"""Who may see what: the one visibility selector for evaluations, scorecards and results.

Every page, export, JSON answer, batch job and command that shows results asks here, so a
scope rule is written once. Roles are read at the time of the request (accounts.roles), so
removing a role removes the access it gave at once.

- Admins (系统管理员) see every school (they run the rounds).
- An official (教育局) sees the schools of their scope: the whole city, or one or several
  districts; an official with no scope sees nothing (and the pages say why).
- An inspector (督导专家) sees the evaluations whose panel they sit on — only while they hold
  the inspector role.
- A school's account (学校（填报）) sees exactly its own school (User.school): its
  self-assessments and their status; never rankings, dashboards or other schools (404).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404

from . import roles


@dataclass(frozen=True)
class ResultsScope:
    """The schools whose results a user may read: city-wide, some districts, or none."""

    city_wide: bool = False
    district_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not self.city_wide and not self.district_ids

    def allows_district(self, district_id) -> bool:
        return self.city_wide or district_id in self.district_ids

    def school_q(self, prefix: str = "school__") -> Q:
        """A filter on objects with a school (prefix "school__") or on schools (prefix "")."""
        if self.city_wide:
            return Q()
        # pk__in=[] for an empty scope: matches nothing, never everything.
        return Q(**{f"{prefix}district_id__in": sorted(self.district_ids)})

    def school_filter(self, prefix: str = "school__") -> Q | None:
        """Like school_q, but None for city-wide (for selectors that take an optional filter)."""
        return None if self.city_wide else self.school_q(prefix)

    def filter_rows(self, rows: Iterable):
        """Keep the rows (anything with .school.district_id) inside the scope."""
        if self.city_wide:
            return list(rows)
        return [r for r in rows if r.school.district_id in self.district_ids]

    def single_district(self):
        """The district a scope of exactly one district means (exports name it), else None."""
        if self.city_wide or len(self.district_ids) != 1:
            return None
        from schools.models import District

        return District.objects.get(pk=next(iter(self.district_ids)))

    def districts(self):
        """The districts in scope, in the city's order."""
        from schools.models import District

        qs = District.objects.order_by("order", "code")
        return qs if self.city_wide else qs.filter(pk__in=sorted(self.district_ids))


NOTHING = ResultsScope()
CITY = ResultsScope(city_wide=True)


def official_scope(user) -> ResultsScope:
    """The scope stored on an official's account (whatever roles they hold)."""
    if getattr(user, "scope_city_wide", False):
        return CITY
    # Cached on the user object like the role names: pages ask several times per request.
    ids = getattr(user, "_scope_district_ids", None)
    if ids is None:
        ids = frozenset(user.scope_districts.values_list("pk", flat=True)) if user.pk else frozenset()
        user._scope_district_ids = ids
    return ResultsScope(district_ids=ids)


def describe(user) -> str:
    """The scope a read happened under, for the audit log (who saw what, within which scope)."""
    if roles.is_admin(user):
        return "全市（管理员）"
    if roles.is_official(user):
        return scope_label(user)
    school = school_of(user)
    if school is not None:
        return f"本校（{school.name}）"
    return "本人评估" if roles.is_inspector(user) else "无"


def school_of(user):
    """The one school a 学校（填报） account acts for, or None (any other account, or no school set)."""
    if not roles.is_school(user) or not getattr(user, "school_id", None):
        return None
    return user.school


def scope_label(user) -> str:
    """The official's scope in words: 全市, the district names, or 未设置."""
    scope = official_scope(user)
    if scope.city_wide:
        return "全市"
    if scope.is_empty:
        return "未设置"
    return "、".join(d.name for d in scope.districts())


def results_scope(user) -> ResultsScope:
    """Schools whose results (rankings, reports, exports) the user may read."""
    if roles.is_admin(user):
        return CITY
    if roles.is_official(user):
        return official_scope(user)
    return NOTHING


def scope_missing(user) -> bool:
    """True for an official whose account has no scope yet: they see nothing and are told why."""
    return roles.is_official(user) and not roles.is_admin(user) and results_scope(user).is_empty


NO_SCOPE_MESSAGE = "您的教育局账号还没有设置查看范围（全市或区县），因此看不到任何评估结果。请联系安全管理员设置。"


def require_scope(user) -> None:
    """Refuse (403 with the reason) an official whose account has no scope yet."""
    from django.core.exceptions import PermissionDenied

    if scope_missing(user):
        raise PermissionDenied(NO_SCOPE_MESSAGE)


def evaluations_visible_to(user):
    """Evaluations a user may look at: their results scope, plus (while an inspector) those
    they sit on the panel of."""
    from evaluation.models import Evaluation

    qs = Evaluation.objects.select_related("round", "school__district")
    scope = results_scope(user)
    # A calibration case (校准) is never a result: only its own inspectors reach it here.
    assessed = Q(pk__in=Evaluation.objects.assessed().values("pk"))
    if scope.city_wide:
        condition = assessed
    else:
        condition = Q(pk__in=[]) if scope.is_empty else scope.school_q() & assessed
    if roles.is_inspector(user):
        condition |= Q(pk__in=Evaluation.objects.filter(scorecards__inspector=user).values("pk"))
    return qs.filter(condition)


def evaluation_visible(user, pk) -> "Evaluation":  # noqa: F821
    """One evaluation the user may look at, with round and rubric version; 404 otherwise."""
    evaluation = evaluations_visible_to(user).select_related("round__rubric_version").filter(pk=pk).first()
    if evaluation is None:
        raise Http404
    return evaluation


def evaluation_results(user, pk) -> "Evaluation":  # noqa: F821
    """One evaluation whose results the user may read (officials in scope, admins); 404 otherwise."""
    from evaluation.models import Evaluation

    scope = results_scope(user)
    evaluation = (
        Evaluation.objects.assessed().select_related("school__district", "round__rubric_version")
        .filter(scope.school_q(), pk=pk).first()
    )
    if evaluation is None:
        raise Http404
    return evaluation


def evaluation_opinion_document(user, pk) -> "Evaluation":  # noqa: F821
    """One evaluation whose 督导评估意见书 the user may download: officials in scope and admins (as
    for results), the panel's lead while an inspector, and the school's own account once the
    evaluation is finalized and its round's results are published to the schools
    (evaluation.selectors.results_published). Outsiders 404; other panel members 403."""
    from django.core.exceptions import PermissionDenied

    school = school_of(user)
    if school is not None:
        from evaluation.models import Evaluation
        from evaluation.selectors import results_published

        own = (Evaluation.objects.assessed().select_related("school__district", "round__rubric_version")
               .filter(pk=pk, school_id=school.pk, status=Evaluation.Status.FINALIZED).first())
        if own is None or not results_published(round=own.round):
            raise Http404
        return own
    evaluation = evaluation_visible(user, pk)
    evaluation = type(evaluation).objects.select_related("school__district", "round__rubric_version").get(pk=evaluation.pk)
    if results_scope(user).allows_district(evaluation.school.district_id):
        return evaluation
    if evaluation.is_lead(user):
        return evaluation
    raise PermissionDenied


def school_story_visible(user, pk) -> tuple["School", bool]:  # noqa: F821
    """One school whose 学校发展档案 (every round's results) the user may read, and whether only the
    rounds published to schools may be shown: admins and officials in scope see every finalized
    round; the school's own account only the published ones (published_only=True). Another school,
    or a school outside the official's scope, 404; roles without results (inspectors, the separated
    admins, an official without a scope) 403."""
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import get_object_or_404

    from schools.models import School

    own = school_of(user)
    if own is not None:
        if str(own.pk) != str(pk):
            raise Http404
        return School.objects.select_related("district").get(pk=own.pk), True
    if not roles.can_view_results(user):
        raise PermissionDenied
    require_scope(user)
    return get_object_or_404(School.objects.select_related("district").filter(results_scope(user).school_q("")), pk=pk), False


def recognition_scope(user) -> ResultsScope:
    """Schools whose place in the recognition process (拟认定 lists, 公示, 异议, 认定) the user may see:
    the same as results — admins all, officials their scope, everyone else none."""
    return results_scope(user)


def objection_contact_visible(user) -> bool:
    """Who raised an objection and how to reach them (异议人联系方式): admins only."""
    return roles.is_admin(user)


@dataclass(frozen=True)
class ScorecardAccess:
    visible: bool
    owner: bool


def scorecard_access(user, card) -> ScorecardAccess:
    """May the user see this scorecard, and is it theirs? Owner and the panel's lead only while
    they hold the inspector role; officials in scope and admins read it."""
    from evaluation.models import Scorecard

    inspector = roles.is_inspector(user)
    if card.inspector_id == user.pk and inspector:
        return ScorecardAccess(visible=True, owner=True)
    if card.evaluation.round.is_calibration:
        # A calibration case (校准) is no result of the school: its owner, and admins who run calibration.
        return ScorecardAccess(visible=roles.is_admin(user), owner=False)
    if results_scope(user).allows_district(card.evaluation.school.district_id):
        return ScorecardAccess(visible=True, owner=False)
    if inspector and Scorecard.objects.filter(evaluation_id=card.evaluation_id, inspector=user, is_lead=True).exists():
        return ScorecardAccess(visible=True, owner=False)
    return ScorecardAccess(visible=False, owner=False)


def round_counts_q(user, prefix: str = "evaluations__") -> Q | None:
    """Filter for counting a round's evaluations as the user may see them (the rounds list);
    None when the user sees the whole city."""
    return results_scope(user).school_filter(prefix=f"{prefix}school__")


# ---------------------------------------------------------------- 学校自评申报 (selfassessment)


def review_districts(user) -> frozenset[int]:
    """Districts whose schools' self-assessments the user reviews (区县初评) and nominates: the
    districts of a district-level 教育局 account. City-wide officials and admins review none (the
    city admits, it does not stand in for the district)."""
    if not roles.is_official(user) or roles.is_admin(user):
        return frozenset()
    scope = official_scope(user)
    return frozenset() if scope.city_wide else scope.district_ids


def reviews_district(user, district_id) -> bool:
    """May the user act as 区县初评 for schools of this district (their one write)?"""
    return district_id in review_districts(user)


def self_assessments_visible_to(user):
    """Self-assessments a user may look at: admins all; officials their scope; a school account its
    own school's; inspectors (while they hold the role) those of the schools whose panel they sit
    on in the same round, and only once the district recommended it (SelfAssessment.SIDE_STATUSES)."""
    from django.db.models import Exists, OuterRef

    from evaluation.models import Evaluation
    from selfassessment.models import SelfAssessment

    qs = SelfAssessment.objects.select_related("round__rubric_version", "school__district")
    scope = results_scope(user)
    if scope.city_wide:
        return qs
    condition = Q(pk__in=[]) if scope.is_empty else scope.school_q()
    school = school_of(user)
    if school is not None:
        condition |= Q(school_id=school.pk)
    if roles.is_inspector(user):
        on_panel = Evaluation.objects.filter(round_id=OuterRef("round_id"), school_id=OuterRef("school_id"),
                                             scorecards__inspector=user)
        condition |= Q(Exists(on_panel), status__in=SelfAssessment.SIDE_STATUSES)
    return qs.filter(condition)


def self_assessment_visible(user, pk) -> "SelfAssessment":  # noqa: F821
    """One self-assessment the user may look at; 404 otherwise."""
    found = self_assessments_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def schools_in_scope(user):
    """Schools whose 申报 status the user may see: admins all, officials their scope, a school its own."""
    from schools.models import School

    qs = School.objects.select_related("district")
    scope = results_scope(user)
    if scope.city_wide:
        return qs
    condition = Q(pk__in=[]) if scope.is_empty else scope.school_q(prefix="")
    school = school_of(user)
    if school is not None:
        condition |= Q(pk=school.pk)
    return qs.filter(condition)


# ---------------------------------------------------------------- 整改与复核 (rectification)


def rectification_items_visible_to(user):
    """Rectification items a user may look at: admins all; officials their results scope; a school
    account its own school's, once the round's results are published to schools; inspectors (while
    they hold the role) those of the evaluations whose panel they sit on."""
    from evaluation.models import Evaluation
    from rectification.models import RectificationItem

    qs = RectificationItem.objects.select_related("evaluation__round", "evaluation__school__district")
    scope = results_scope(user)
    if scope.city_wide:
        return qs
    condition = Q(pk__in=[]) if scope.is_empty else scope.school_q("evaluation__school__")
    school = school_of(user)
    if school is not None:
        condition |= Q(evaluation__school_id=school.pk, evaluation__round__results_published_to_schools=True)
    if roles.is_inspector(user):
        condition |= Q(evaluation_id__in=Evaluation.objects.filter(scorecards__inspector=user).values("pk"))
    return qs.filter(condition)


def rectification_item_visible(user, pk) -> "RectificationItem":  # noqa: F821
    """One rectification item the user may look at; 404 otherwise."""
    item = rectification_items_visible_to(user).filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


def may_create_rectification(user, evaluation) -> bool:
    """整改事项 are raised by the evaluation's lead (while an inspector) or an admin."""
    return roles.is_admin(user) or evaluation.is_lead(user)


def may_report_rectification(user, item) -> bool:
    """The school's own account reports on its items, once the round's results are published to it."""
    school = school_of(user)
    return (school is not None and school.pk == item.evaluation.school_id
            and bool(item.evaluation.round.results_published_to_schools))


def may_review_rectification(user, item) -> bool:
    """复核: a district-level official of the school's district, an inspector on the evaluation's panel
    (while they hold the role), or an admin."""
    if roles.is_admin(user) or reviews_district(user, item.evaluation.school.district_id):
        return True
    return roles.is_inspector(user) and item.evaluation.scorecards.filter(inspector=user).exists()


# ---------------------------------------------------------------- who is told (notifications)


def school_accounts(school_id):
    """Active 学校（填报） accounts of one school (the people school_of() maps to it)."""
    from .models import User

    return User.objects.filter(is_active=True, school_id=school_id, groups__name=roles.SCHOOL).distinct()


def district_reviewers(district_id):
    """Active accounts for which reviews_district(user, district_id) holds: district-level 教育局
    accounts (not city-wide, not admins) whose scope holds the district."""
    from .models import User

    admins = User.objects.filter(groups__name=roles.ADMIN).values("pk")
    return (User.objects.filter(is_active=True, is_superuser=False, groups__name=roles.OFFICIAL,
                                scope_city_wide=False, scope_districts=district_id)
            .exclude(pk__in=admins).distinct())


def city_admins():
    """Active 管理员 accounts (the city's side of the process)."""
    from .models import User

    return User.objects.filter(Q(groups__name=roles.ADMIN) | Q(is_superuser=True), is_active=True).distinct()
