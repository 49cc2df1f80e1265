"""Building calibration cases for the tests (through the services; scores as fixture data)."""

from decimal import Decimal

from calibration import services
from evaluation.models import Score, Scorecard
from rubric.models import Element


def make_case(world, *, title="校准案例一", anonymized=False, description="", inspectors=None):
    case = services.calibration_create(title=title, source=world.evaluation, anonymized=anonymized,
                                       description=description, by=world.admin)
    if inspectors:
        services.calibration_members_add(case=case, inspectors=inspectors, by=world.admin)
    return case


def card_of(case, user) -> Scorecard:
    return Scorecard.objects.get(evaluation=case.evaluation, inspector=user)


def score(card, values: dict, *, rest=None, submit=False):
    """values {code: "0.5"}; every other element gets `rest` (None: left unscored)."""
    rows = []
    for e in Element.objects.filter(version_id=card.evaluation.round.rubric_version_id):
        raw = values.get(e.code, rest)
        if raw is not None:
            rows.append(Score(scorecard=card, element=e, points=Decimal(raw), version=1, updated_by=card.inspector))
    Score.objects.bulk_create(rows)
    if submit:
        Scorecard.objects.filter(pk=card.pk).update(status=Scorecard.Status.SUBMITTED)
        card.refresh_from_db()
    return card
