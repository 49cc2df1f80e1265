"""Reads of the recognition process: the list as each user may see it, and the checks before 公示.

Who sees which schools is accounts.scopes (admins: all; officials: their scope); objection contacts
are for admins only (scopes.objection_contact_visible). Totals are the snapshots on the entries,
compared with the one totals selector (reports.selectors.round_totals) where freshness matters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from django.db.models import Count, Q

from accounts.scopes import ResultsScope
from evaluation.models import Evaluation, Round
from reports.selectors import round_totals

from .models import Objection, Recognition, RecognitionEntry, RecognitionList


def recognition_list_of(*, round: Round) -> RecognitionList | None:
    """The round's list (with its round), or None before it is built."""
    return RecognitionList.objects.select_related("round", "published_by", "concluded_by").filter(round=round).first()


def list_entries(*, rlist: RecognitionList, scope: ResultsScope):
    """The entries of a list within a scope, with school, district, evaluation status, objection counts
    and the recognition once concluded; by district, then school code (one query)."""
    return (
        RecognitionEntry.objects.filter(list=rlist)
        .filter(scope.school_q("evaluation__school__"))
        .select_related("evaluation__school__district", "recognition", "updated_by")
        .annotate(
            objection_count=Count("objections", distinct=True),
            objection_open=Count("objections", filter=Q(objections__status=Objection.Status.OPEN), distinct=True),
            objection_upheld=Count("objections", filter=Q(objections__outcome=Objection.Outcome.UPHELD), distinct=True),
        )
        .order_by("evaluation__school__district__order", "evaluation__school__district__code",
                  "evaluation__school__code")
    )


@dataclass
class ListCheck:
    """What stands between a draft list and its 公示 (empty lists: nothing)."""

    reopened: list[str] = field(default_factory=list)  # school names whose evaluation is no longer finalized
    stale: list[str] = field(default_factory=list)  # totals changed since the list was built
    missing: list[str] = field(default_factory=list)  # finalized schools not on the list
    proposed: int = 0  # entries proposed for recognition

    @property
    def needs_refresh(self) -> bool:
        return bool(self.reopened or self.stale or self.missing)

    def messages(self) -> list[str]:
        out = []
        if self.reopened:
            out.append("以下学校的评估已重新开启、尚未定稿，请待定稿后刷新名单：" + "、".join(self.reopened))
        if self.stale:
            out.append("以下学校的总分在拟定名单后有变化，请刷新名单：" + "、".join(self.stale))
        if self.missing:
            out.append("以下学校已定稿但不在名单中，请刷新名单：" + "、".join(self.missing))
        return out


def list_check(*, rlist: RecognitionList) -> ListCheck:
    """Is the draft list still what the finalized evaluations say? The one rule the list page shows and
    publishing enforces (three queries)."""
    check = ListCheck()
    rows = {r.evaluation_id: r for r in round_totals(round=rlist.round)}
    entries = list(RecognitionEntry.objects.filter(list=rlist).select_related("evaluation__school"))
    on_list = set()
    for entry in entries:
        on_list.add(entry.evaluation_id)
        row = rows.get(entry.evaluation_id)
        if row is None:
            check.reopened.append(entry.evaluation.school.name)
        elif row.total != entry.total:
            check.stale.append(entry.evaluation.school.name)
        if entry.is_proposed:
            check.proposed += 1
    check.missing = [r.school.name for ev_id, r in rows.items() if ev_id not in on_list]
    return check


def round_not_finalized_count(*, round: Round, scope: ResultsScope) -> int:
    """Schools of the round (in scope) whose evaluation is not finalized: not on any list yet."""
    return (
        Evaluation.objects.filter(round=round).exclude(status=Evaluation.Status.FINALIZED)
        .filter(scope.school_q()).count()
    )


@dataclass
class RoundRecognitionRow:
    round: Round
    rlist: RecognitionList | None
    entries: int
    proposed: int
    recognized: int
    phase: str = ""


def recognition_rounds(*, scope: ResultsScope, today) -> list[RoundRecognitionRow]:
    """Every round with its list's state and counts within the scope (four queries)."""
    rounds = list(Round.objects.order_by("-year", "-created_at", "-id"))
    lists = {rl.round_id: rl for rl in RecognitionList.objects.all()}
    counts: dict[int, list[int]] = {}
    entries = RecognitionEntry.objects.filter(scope.school_q("evaluation__school__")).values_list(
        "list__round_id", "decision", "withdrawn")
    for round_id, decision, withdrawn in entries:
        row = counts.setdefault(round_id, [0, 0, 0])
        row[0] += 1
        row[1] += decision == RecognitionEntry.Decision.PROPOSED and not withdrawn
    for (round_id,) in Recognition.objects.filter(scope.school_q()).values_list("round_id"):
        counts.setdefault(round_id, [0, 0, 0])[2] += 1
    return [
        RoundRecognitionRow(round=r, rlist=lists.get(r.pk), entries=counts.get(r.pk, [0, 0, 0])[0],
                            proposed=counts.get(r.pk, [0, 0, 0])[1], recognized=counts.get(r.pk, [0, 0, 0])[2],
                            phase=lists[r.pk].phase_label(today) if r.pk in lists else "")
        for r in rounds
    ]


def recognitions_of(*, rlist: RecognitionList, scope: ResultsScope):
    """The schools a concluded list recognized, within the scope, by district then code."""
    return (
        Recognition.objects.filter(list=rlist).filter(scope.school_q())
        .select_related("school__district", "round", "entry")
        .order_by("school__district__order", "school__district__code", "school__code")
    )


def decision_counts(entries) -> dict[str, int]:
    counts = dict.fromkeys(RecognitionEntry.Decision.values, 0)
    for e in entries:
        counts[e.decision] += 1
    return counts


# ---------------------------------------------------------------- the 公示 notice


@dataclass
class NoticeSchool:
    number: int  # 序号 over the whole notice
    name: str
    code: str
    stage: str
    withdrawn: bool


@dataclass
class NoticeDistrict:
    name: str
    schools: list[NoticeSchool]


@dataclass
class Notice:
    """The 公示 notice: what is public — the proposed schools by district, the dates, where to send
    objections. No totals, no other decisions, no objections or contacts."""

    round: Round
    rlist: RecognitionList
    districts: list[NoticeDistrict]

    @property
    def count(self) -> int:
        return sum(1 for d in self.districts for s in d.schools if not s.withdrawn)


def publicity_notice(*, rlist: RecognitionList) -> Notice:
    """The notice of a published list (the whole city: it is a public document), one query."""
    entries = (
        RecognitionEntry.objects.filter(list=rlist, decision=RecognitionEntry.Decision.PROPOSED)
        .select_related("evaluation__school__district")
        .order_by("evaluation__school__district__order", "evaluation__school__district__code",
                  "evaluation__school__code")
    )
    districts: dict[int, NoticeDistrict] = {}
    for number, e in enumerate(entries, start=1):
        school = e.evaluation.school
        group = districts.setdefault(school.district_id, NoticeDistrict(name=school.district.name, schools=[]))
        group.schools.append(NoticeSchool(number=number, name=school.name, code=school.code,
                                          stage=school.get_stage_display(), withdrawn=e.withdrawn))
    return Notice(round=rlist.round, rlist=rlist, districts=list(districts.values()))


def public_notices():
    """Lists whose 公示 has been published, newest first (the public index, when enabled)."""
    return (RecognitionList.objects.filter(status__in=[RecognitionList.Status.PUBLICITY, RecognitionList.Status.CONCLUDED])
            .select_related("round").order_by("-publicity_starts_on", "-id"))


# ---------------------------------------------------------------- 异议


def objections_of(*, rlist: RecognitionList, scope: ResultsScope):
    """The list's objections about schools in the scope, oldest first (one query)."""
    return (
        Objection.objects.filter(list=rlist).filter(scope.school_q("entry__evaluation__school__"))
        .select_related("entry__evaluation__school__district", "created_by", "closed_by")
        .order_by("received_on", "id")
    )


def objection_counts(objections) -> dict[str, int]:
    counts = {"open": 0, "closed": 0, "upheld": 0}
    for o in objections:
        counts["open" if o.is_open else "closed"] += 1
        counts["upheld"] += o.outcome == Objection.Outcome.UPHELD
    return counts


# ---------------------------------------------------------------- validity and 复评


RENEWAL_DAYS = 180


@dataclass(frozen=True)
class Standing:
    """Where a recognition stands on a day: 有效 / 即将到期 (within the window) / 已过期, and days left."""

    recognition: Recognition
    state: str  # "valid" | "expiring" | "expired"
    days_left: int  # negative once expired

    @property
    def label(self) -> str:
        from django.utils.translation import gettext as _

        return {"valid": _("有效"), "expiring": _("即将到期"), "expired": _("已过期")}[self.state]


def recognition_standing(*, recognition: Recognition, today, window: int = RENEWAL_DAYS) -> Standing:
    """The one rule for "expired / expiring": expired after valid_until, expiring when at most
    `window` days are left."""
    days = (recognition.valid_until - today).days
    state = "expired" if days < 0 else ("expiring" if days <= window else "valid")
    return Standing(recognition=recognition, state=state, days_left=days)


def renewal_due(*, scope: ResultsScope, today, days: int = RENEWAL_DAYS) -> list[Standing]:
    """复评: each school's latest recognition (by validity) that ends within `days` days from today, or has
    already ended, within the scope; by date of expiry, then district and school (one query)."""
    latest: dict[int, Recognition] = {}
    rows = (Recognition.objects.filter(scope.school_q(), status=Recognition.Status.RECOGNIZED)
            .select_related("school__district", "round").order_by("school_id", "-valid_until", "-id"))
    for rec in rows:
        latest.setdefault(rec.school_id, rec)
    due = [recognition_standing(recognition=r, today=today, window=days) for r in latest.values()]
    due = [s for s in due if s.days_left <= days]
    return sorted(due, key=lambda s: (s.recognition.valid_until, s.recognition.school.district.order,
                                      s.recognition.school.district.code, s.recognition.school.code))
