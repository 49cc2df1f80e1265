"""整改与复核 after finalization: the 雁塔 school finalized with C1 at 20% of its points (everything else
full), its panel's opinion written and the round's results published to schools; the 碑林 school finalized
at half points. "Today" is TODAY for the services and the pages (rectification.views._today)."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from evaluation.models import Round
from rectification import services
from tests import factories as f
from tests.reports.conftest import give_scores, half
from tests.selfassessment.conftest import PDF, PNG

TODAY = date(2026, 11, 2)
DEADLINE = date(2026, 12, 31)


def _fn(el, k):
    return el.points * Decimal("0.2") if el.code == "C1" else el.points


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def rect(world):
    give_scores(world.evaluation, _fn, by=world.lead)
    give_scores(world.other_evaluation, half, by=world.bob)
    f.opinion(world.evaluation, problems="课程评价机制有待完善。")
    Round.objects.filter(pk=world.round.pk).update(results_published_to_schools=True)
    world.round.refresh_from_db()
    world.evaluation.refresh_from_db()
    world.today = TODAY
    return world


@pytest.fixture(autouse=True)
def page_today(monkeypatch):
    """The day the pages act on: TODAY unless a test moves it."""
    day = SimpleNamespace(value=TODAY)
    monkeypatch.setattr("rectification.views._today", lambda: day.value)
    return day


def pdf(name="整改材料.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png(name="照片.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def create(w, **kw):
    values = {"evaluation": w.evaluation, "element_codes": "C1", "problem": "课程评价机制有待完善。",
              "requirement": "完善校本评价制度", "deadline": DEADLINE, "responsible": "张校长", "source": "low_score",
              "by": w.lead, "today": TODAY}
    values.update(kw)
    return services.rectification_item_create(**values)


def report(w, item, **kw):
    item.refresh_from_db()
    values = {"item": item, "text": "已修订评价制度并实施。", "files": [pdf()], "version": item.version,
              "by": w.school_user}
    values.update(kw)
    return services.rectification_report(**values)


def review(w, item, **kw):
    item.refresh_from_db()
    values = {"item": item, "outcome": "passed", "note": "", "version": item.version, "by": w.official}
    values.update(kw)
    return services.rectification_review(**values)


def state():
    """Everything rectification stores, to assert that a refused step changed nothing."""
    from rectification.models import (RectificationEvidence, RectificationItem, RectificationReport,
                                      RectificationReview, RectificationTransition)

    return {
        "items": list(RectificationItem.objects.order_by("pk").values_list("status", "version", "problem")),
        "reports": RectificationReport.objects.count(), "evidence": RectificationEvidence.objects.count(),
        "reviews": RectificationReview.objects.count(), "transitions": RectificationTransition.objects.count(),
    }
