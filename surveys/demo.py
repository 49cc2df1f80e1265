"""Demo data: 满意度 campaigns on the demo round with a few hundred answers (seed_demo), through the services."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from . import services
from .models import Item

DEMO_SCHOOLS = 2
# Codes issued and answers given per group: roughly 80% of parents and 90% of students answer.
DEMO_GROUPS = {"parent": (100, 82), "student": (80, 72)}


def seed_surveys(*, round, admin, schools: int = DEMO_SCHOOLS, seed: int = 2026) -> int:
    """A campaign (parents and students, default questionnaires) for the first `schools` schools of the round,
    most of its codes answered, leaning positive; returns the number of answers. The answered batches get no
    slips PDF (seed_demo stays fast); the school generates slips for new codes on its campaign page."""
    now = timezone.now()
    qs = {q.group: q for q in services.questionnaire_defaults_install(rubric_version=round.rubric_version)}
    rng = random.Random(f"{seed}-surveys")
    answered = 0
    for school in list(services.campaign_schools(round)[:schools]):
        campaign = services.campaign_create(round=round, school=school, opens_at=now - timedelta(days=7),
                                            closes_at=now + timedelta(days=30),
                                            questionnaires={g: qs[g] for g in DEMO_GROUPS}, by=admin)
        mood = rng.uniform(0.7, 0.95)  # the share of positive answers at this school
        for group in campaign.groups.all():
            issued, answers = DEMO_GROUPS[group.group]
            codes = services.codes_generate(group=group, count=issued, base_url="http://127.0.0.1:8000", by=admin,
                                            now=now, slips=False).plain_codes
            items = list(group.questionnaire.items.all())
            for code in codes[:answers]:
                data = {}
                for item in items:
                    if item.kind == Item.Kind.OPEN:
                        data[item.pk] = rng.choice(["", "", "", "希望多组织亲子活动。", "食堂饭菜可以更丰富一些。"])
                    elif item.kind == Item.Kind.YES_NO:
                        data[item.pk] = 1 if rng.random() < mood else 0
                    else:
                        data[item.pk] = rng.choice([5, 4]) if rng.random() < mood else rng.choice([3, 3, 2, 1])
                services.response_submit(code=code, data=data, now=now)
                answered += 1
    return answered
