"""Reads of 满意度问卷: campaigns a user may see, results per school and group, the satisfaction rate with
its 95% Wilson interval (Decimal), and the notes beside linked rubric elements.

The satisfaction rate of a scale item is the share of the two positive answers (非常满意 and 满意, or
非常认同 and 认同) among those who answered it; of a yes/no item the share of 是. A group's overall rate
pools every rated answer of the group.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.db.models import Count, Q

from accounts import roles, scopes

from .models import (POSITIVE, SCALE_LABELS, Answer, Campaign, CampaignGroup, Group, Item, Response,
                     ResponseCode)

Z95 = Decimal("1.96")
Q4 = Decimal("0.0001")
C84_THRESHOLD = Decimal("0.85")


def wilson(positive: int, n: int, z: Decimal = Z95) -> tuple[Decimal, Decimal] | None:
    """The Wilson score interval of positive/n, bounds rounded to 4 places; None when n is 0."""
    if n <= 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 28
        n_d = Decimal(n)
        p = Decimal(positive) / n_d
        z2 = z * z
        denom = 1 + z2 / n_d
        centre = (p + z2 / (2 * n_d)) / denom
        half = z * (p * (1 - p) / n_d + z2 / (4 * n_d * n_d)).sqrt() / denom
        low, high = max(Decimal(0), centre - half), min(Decimal(1), centre + half)
    return low.quantize(Q4, ROUND_HALF_UP), high.quantize(Q4, ROUND_HALF_UP)


def rate(positive: int, n: int) -> Decimal | None:
    return (Decimal(positive) / Decimal(n)).quantize(Q4, ROUND_HALF_UP) if n else None


@dataclass
class Rated:
    positive: int = 0
    answered: int = 0

    @property
    def rate(self):
        return rate(self.positive, self.answered)

    @property
    def interval(self):
        return wilson(self.positive, self.answered)

    @property
    def low(self):
        return self.interval[0] if self.answered else None

    @property
    def high(self):
        return self.interval[1] if self.answered else None


@dataclass
class ItemResult(Rated):
    item: Item = None
    counts: list = field(default_factory=list)  # [(value, label, n)] in the questionnaire's order
    texts: list = field(default_factory=list)  # open answers (shown to the panel and admins only)


@dataclass
class GroupResult(Rated):
    cgroup: CampaignGroup = None
    issued: int = 0
    responses: int = 0
    items: list = field(default_factory=list)

    @property
    def response_rate(self):
        return rate(self.responses, self.issued)

    @property
    def label(self):
        return self.cgroup.get_group_display()


@dataclass
class CampaignResult:
    campaign: Campaign
    groups: list


def _group_results(groups, *, with_texts: bool) -> dict[int, GroupResult]:
    ids = [g.pk for g in groups]
    issued = dict(ResponseCode.objects.filter(group_id__in=ids).values("group_id").annotate(n=Count("id"))
                  .values_list("group_id", "n"))
    responses = dict(Response.objects.filter(group_id__in=ids).values("group_id").annotate(n=Count("id"))
                     .values_list("group_id", "n"))
    counts = defaultdict(int)
    for group_id, item_id, value, n in (Answer.objects.filter(response__group_id__in=ids, value__isnull=False)
                                        .values("response__group_id", "item_id", "value").annotate(n=Count("id"))
                                        .values_list("response__group_id", "item_id", "value", "n")):
        counts[(group_id, item_id, value)] += n
    texts = defaultdict(list)
    if with_texts:
        for group_id, item_id, text in (Answer.objects.filter(response__group_id__in=ids).exclude(text="")
                                        .order_by("response_id").values_list("response__group_id", "item_id",
                                                                             "text")):
            texts[(group_id, item_id)].append(text)
    items_by_q = defaultdict(list)
    for item in Item.objects.filter(questionnaire_id__in={g.questionnaire_id for g in groups}).order_by("order"):
        items_by_q[item.questionnaire_id].append(item)
    out = {}
    for g in groups:
        result = GroupResult(cgroup=g, issued=issued.get(g.pk, 0), responses=responses.get(g.pk, 0))
        for item in items_by_q[g.questionnaire_id]:
            ir = ItemResult(item=item)
            if item.is_rated:
                ir.counts = [(v, label, counts[(g.pk, item.pk, v)]) for v, label in SCALE_LABELS[item.kind]]
                ir.answered = sum(n for _v, _l, n in ir.counts)
                ir.positive = sum(n for v, _l, n in ir.counts if v in POSITIVE[item.kind])
                result.answered += ir.answered
                result.positive += ir.positive
            else:
                ir.texts = texts.get((g.pk, item.pk), [])
            result.items.append(ir)
        out[g.pk] = result
    return out


def campaign_results(*, campaigns, with_texts: bool = False) -> list[CampaignResult]:
    """Results of several campaigns (their groups in the usual order), in three queries plus one per kind."""
    campaigns = list(campaigns)
    groups = list(CampaignGroup.objects.filter(campaign__in=campaigns).select_related("questionnaire"))
    results = _group_results(groups, with_texts=with_texts)
    by_campaign = defaultdict(list)
    for g in sorted(groups, key=lambda g: Group.values.index(g.group)):
        by_campaign[g.campaign_id].append(results[g.pk])
    return [CampaignResult(campaign=c, groups=by_campaign[c.pk]) for c in campaigns]


# ---------------------------------------------------------------- who sees what


def campaigns_visible_to(user):
    """Campaigns a user may look at: admins all; officials their results scope; a school account its own;
    inspectors (while they hold the role) those of the schools whose panel they sit on in that round."""
    from evaluation.models import Evaluation

    qs = Campaign.objects.select_related("round", "school__district")
    scope = scopes.results_scope(user)
    if scope.city_wide:
        return qs
    condition = Q(pk__in=[]) if scope.is_empty else scope.school_q()
    school = scopes.school_of(user)
    if school is not None:
        condition |= Q(school_id=school.pk)
    if roles.is_inspector(user):
        panels = Evaluation.objects.filter(scorecards__inspector=user).values_list("round_id", "school_id")
        for round_id, school_id in set(panels):
            condition |= Q(round_id=round_id, school_id=school_id)
    return qs.filter(condition)


def may_read_open_answers(user, campaign: Campaign) -> bool:
    """Open answers: the panel of the school's evaluation in that round, and admins (not the school, not officials)."""
    if roles.is_admin(user):
        return True
    from evaluation.models import Evaluation

    return roles.is_inspector(user) and Evaluation.objects.filter(
        round_id=campaign.round_id, school_id=campaign.school_id, scorecards__inspector=user).exists()


# ---------------------------------------------------------------- beside the rubric elements


@dataclass(frozen=True)
class ElementSurveyNote:
    """One linked item's result beside an element (the scoring pages and the school report show it)."""

    group_label: str
    text: str
    rate: Decimal | None
    low: Decimal | None
    high: Decimal | None
    answered: int
    threshold: Decimal | None  # C84: 85% of parents

    @property
    def meets(self):
        if self.threshold is None or self.rate is None:
            return None
        return self.rate >= self.threshold

    @property
    def summary(self) -> str:
        """One line: 问卷（家长）“…”：满意率 82.0%（95%区间 70.1%–90.2%，n=40）；要求 ≥85%：未达到."""
        from django.utils.translation import gettext as _

        line = _("问卷（%(group)s）“%(text)s”：满意率 %(rate)s") % {
            "group": self.group_label, "text": self.text[:40], "rate": pct(self.rate)}
        if self.answered:
            line += _("（95%%区间 %(low)s–%(high)s，n=%(n)s）") % {"low": pct(self.low), "high": pct(self.high),
                                                              "n": self.answered}
        if self.threshold is not None and self.rate is not None:
            line += _("；要求 ≥%(t)s：%(verdict)s") % {"t": pct(self.threshold).replace(".0%", "%"),
                                                     "verdict": _("达到") if self.meets else _("未达到")}
        return line


def element_notes(*, round_id, school_id) -> dict[str, list[ElementSurveyNote]]:
    """{element code: [notes]} for one school's campaign in a round (empty when there is none)."""
    campaign = Campaign.objects.filter(round_id=round_id, school_id=school_id).first()
    if campaign is None:
        return {}
    notes: dict[str, list] = defaultdict(list)
    for gr in campaign_results(campaigns=[campaign])[0].groups:
        for ir in gr.items:
            if not ir.item.is_rated:
                continue
            for code in ir.item.element_codes:
                threshold = C84_THRESHOLD if code == "C84" and gr.cgroup.group == Group.PARENT else None
                notes[code].append(ElementSurveyNote(group_label=gr.label, text=ir.item.text, rate=ir.rate,
                                                     low=ir.low, high=ir.high, answered=ir.answered,
                                                     threshold=threshold))
    return dict(notes)


def evaluation_element_notes(evaluation) -> dict[str, list[ElementSurveyNote]]:
    """The hook for evaluation's pages (evaluation.hooks.survey_element_notes)."""
    return element_notes(round_id=evaluation.round_id, school_id=evaluation.school_id)


def pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{(value * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def results_json(results: list[CampaignResult]) -> list[dict]:
    """The CLI's JSON: per school and group, issued, responses, per item counts and rate with bounds as strings."""
    def s(v):
        return None if v is None else str(v)

    out = []
    for cr in results:
        school = cr.campaign.school
        out.append({"school": school.code, "school_name": school.name, "round": cr.campaign.round.name, "groups": [{
            "group": gr.cgroup.group, "issued": gr.issued, "responses": gr.responses,
            "response_rate": s(gr.response_rate), "rate": s(gr.rate), "low": s(gr.low), "high": s(gr.high),
            "items": [{"order": ir.item.order, "text": ir.item.text, "kind": ir.item.kind,
                       "elements": list(ir.item.element_codes),
                       "counts": {str(v): n for v, _l, n in ir.counts}, "answered": ir.answered,
                       "rate": s(ir.rate), "low": s(ir.low), "high": s(ir.high)}
                      for ir in gr.items if ir.item.is_rated],
        } for gr in cr.groups]})
    return out
