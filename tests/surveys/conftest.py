"""满意度问卷: the default questionnaires on the Xi'an rubric, a campaign for the 雁塔 school (parents and
students, open through November 2026) with codes, and "now" NOW for the services and the pages."""

from datetime import datetime, timezone as dt_timezone
from types import SimpleNamespace

import pytest

from surveys import services
from surveys.models import Item

OPENS = datetime(2026, 11, 1, 0, 0, tzinfo=dt_timezone.utc)
CLOSES = datetime(2026, 12, 1, 0, 0, tzinfo=dt_timezone.utc)
NOW = datetime(2026, 11, 10, 9, 30, tzinfo=dt_timezone.utc)
BASE = "https://survey.example.cn"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def page_now(monkeypatch):
    moment = SimpleNamespace(value=NOW)
    monkeypatch.setattr("surveys.public_views._now", lambda: moment.value)
    monkeypatch.setattr("surveys.views._now", lambda: moment.value)
    monkeypatch.setattr("surveys.ratelimit._window", lambda: 1)
    return moment


@pytest.fixture(autouse=True)
def fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def make_campaign(world, school=None, groups=("parent", "student")):
    qs = {q.group: q for q in services.questionnaire_defaults_install(rubric_version=world.version)}
    return services.campaign_create(round=world.round, school=school or world.school, opens_at=OPENS,
                                    closes_at=CLOSES, questionnaires={g: qs[g] for g in groups}, by=world.admin)


def make_codes(campaign, group="parent", count=5, by=None):
    cg = campaign.groups.get(group=group)
    batch = services.codes_generate(group=cg, count=count, base_url=BASE, by=by or campaign.created_by,
                                    now=NOW)
    return batch.plain_codes


def full_answers(cg, value=5, text=""):
    """Form data answering every rated item with `value` (yes/no: 1 when value ≥ 4, else 0)."""
    data = {}
    for item in cg.questionnaire.items.all():
        if item.kind == Item.Kind.OPEN:
            data[f"item_{item.pk}"] = text
        elif item.kind == Item.Kind.YES_NO:
            data[f"item_{item.pk}"] = "1" if value >= 4 else "0"
        else:
            data[f"item_{item.pk}"] = str(value)
    return data


def service_data(cg, value=5, text=""):
    return {int(k.split("_")[1]): v for k, v in full_answers(cg, value, text).items()}


@pytest.fixture
def survey(world):
    campaign = make_campaign(world)
    world.campaign = campaign
    world.parent = campaign.groups.get(group="parent")
    world.student = campaign.groups.get(group="student")
    world.codes = make_codes(campaign, "parent", 6)
    return world
