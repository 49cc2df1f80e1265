"""移出专家组: an admin takes an inspector who recorded nothing off a panel; nothing scored is ever lost."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import roles
from audit.models import AuditEvent
from evaluation import services
from evaluation.models import Evaluation, Score, Scorecard, Transition
from notifications.models import Kind, Notification
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol_card(world):
    carol = f.user("carol", roles.INSPECTOR, name="钱专家")
    return Scorecard.objects.create(evaluation=world.evaluation, inspector=carol)


def test_admin_removes_an_empty_member_with_a_reason(world, carol_card):
    services.panel_member_remove(scorecard=carol_card, by=world.admin, reason="因病无法参加")
    assert not Scorecard.objects.filter(pk=carol_card.pk).exists()
    t = Transition.objects.filter(evaluation=world.evaluation).latest("pk")
    assert "钱专家" in t.reason and "因病无法参加" in t.reason
    assert AuditEvent.objects.filter(event="panel.remove").count() == 1
    note = Notification.objects.get(user=carol_card.inspector)
    assert note.kind == Kind.PANEL_REMOVED and "因病无法参加" in note.body


@pytest.mark.parametrize("case", ["lead", "scored", "submitted", "finalized", "too_small", "no_reason"])
def test_refusals_change_nothing(world, carol_card, case):
    card = carol_card
    reason = "调整"
    if case == "lead":
        card = world.evaluation.scorecards.get(is_lead=True)
    elif case == "scored":
        el = world.version.dimensions.first().indicators.first().elements.first()
        Score.objects.create(scorecard=card, element=el, points=el.points)
    elif case == "submitted":
        Scorecard.objects.filter(pk=card.pk).update(status=Scorecard.Status.SUBMITTED)
    elif case == "finalized":
        Evaluation.objects.filter(pk=world.evaluation.pk).update(status=Evaluation.Status.FINALIZED)
    elif case == "too_small":
        type(world.round).objects.filter(pk=world.round.pk).update(panel_min=3)
    elif case == "no_reason":
        reason = "  "
    before = Scorecard.objects.count(), Transition.objects.count(), Notification.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.panel_member_remove(scorecard=card, by=world.admin, reason=reason)
    assert all("\u4e00" <= ch <= "\u9fff" for ch in "".join(exc.value.messages)[:1])  # a Chinese reason
    assert (Scorecard.objects.count(), Transition.objects.count(), Notification.objects.count()) == before


def test_only_admins(world, carol_card):
    with pytest.raises(PermissionDenied):
        services.panel_member_remove(scorecard=carol_card, by=world.lead, reason="x")


def test_page_offers_it_to_admins_and_the_view_reports(world, carol_card, login):
    client = login(world.admin)
    page = client.get(reverse("evaluation:evaluation_detail", args=[world.evaluation.pk])).content.decode()
    assert reverse("evaluation:panel_member_remove", args=[world.evaluation.pk, carol_card.pk]) in page
    lead_card = world.evaluation.scorecards.get(is_lead=True)
    assert reverse("evaluation:panel_member_remove", args=[world.evaluation.pk, lead_card.pk]) not in page
    response = client.post(reverse("evaluation:panel_member_remove", args=[world.evaluation.pk, carol_card.pk]),
                           {"reason": "回避：曾在该校任教"}, follow=True)
    assert "已将 钱专家 移出专家组" in response.content.decode()
    lead_page = login(world.lead).get(reverse("evaluation:evaluation_detail", args=[world.evaluation.pk]))
    assert "移出专家组成员" not in lead_page.content.decode()
