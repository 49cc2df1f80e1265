"""Demo data: a couple of 整改事项 on the demo round (seed_demo), through the services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from evaluation.models import Evaluation, Scorecard
from reports.selectors import evaluation_totals

from . import services
from .models import RectificationItem

DEMO_ITEMS = 2


def seed_rectification(*, round, count: int = DEMO_ITEMS) -> int:
    """One item on the weakest element of each of the first `count` finalized demo schools, raised by
    the panel's lead (pending: the demo round's results are not yet published to schools)."""
    today = timezone.localdate()
    made = 0
    finalized = Evaluation.objects.filter(round=round, status=Evaluation.Status.FINALIZED).order_by("school__code")
    for ev in finalized[:count]:
        lead = Scorecard.objects.filter(evaluation=ev, is_lead=True).select_related("inspector").first()
        weakest = evaluation_totals(evaluation=ev).weakest(1)
        if lead is None or not weakest:
            continue
        line = weakest[0]
        services.rectification_item_create(
            evaluation=ev, element_codes=[line.element.code], problem=line.element.text,
            requirement="对照评估要素制定整改方案，明确措施与时间节点，整改后报告并上传佐证材料。",
            deadline=today + timedelta(days=60), responsible="分管副校长", source=RectificationItem.Source.LOW_SCORE,
            by=lead.inspector, today=today)
        made += 1
    return made
