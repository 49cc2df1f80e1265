import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from surveys import codes, selectors, services
from surveys.models import Answer, Item, Questionnaire, QuestionnaireLocked, Response, ResponseCode

from .conftest import BASE, CLOSES, NOW, OPENS, make_campaign, service_data


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def test_defaults_install_four_groups_linked_to_a5_a7_and_idempotent(world):
    made = services.questionnaire_defaults_install(rubric_version=world.version)
    assert sorted(q.group for q in made) == ["community", "parent", "student", "teacher"]
    assert all(q.is_default and not q.is_frozen for q in made)
    parent = next(q for q in made if q.group == "parent")
    first = parent.items.order_by("order").first()
    assert first.kind == Item.Kind.AGREEMENT and first.element_codes == ["C84"]
    linked = {c for q in made for i in q.items.all() for c in i.element_codes}
    assert linked and all(48 <= int(c[1:]) <= 84 for c in linked)  # A5–A7
    assert all(sum(1 for i in q.items.all() if i.kind == "open") <= services.MAX_OPEN_ITEMS for q in made)
    again = services.questionnaire_defaults_install(rubric_version=world.version)
    assert [q.pk for q in again] == [q.pk for q in made]
    assert Questionnaire.objects.count() == 4


def test_a_questionnaire_used_by_a_campaign_is_frozen_and_a_copy_is_editable(world):
    campaign = make_campaign(world)
    q = campaign.groups.get(group="parent").questionnaire
    q.refresh_from_db()
    assert q.is_frozen
    item = q.items.first()
    item.text = "改"
    with pytest.raises(QuestionnaireLocked):
        item.save()
    with pytest.raises(QuestionnaireLocked):
        item.delete()
    copy = services.questionnaire_clone(questionnaire=q)
    assert copy.version == q.version + 1 and not copy.is_frozen and copy.items.count() == q.items.count()
    it = copy.items.first()
    it.text = "改"
    it.save()


def test_campaign_create_admin_only_and_once_per_school(world):
    qs = {q.group: q for q in services.questionnaire_defaults_install(rubric_version=world.version)}
    with pytest.raises(PermissionDenied):
        services.campaign_create(round=world.round, school=world.school, opens_at=OPENS, closes_at=CLOSES,
                                 questionnaires={"parent": qs["parent"]}, by=world.official)
    with pytest.raises(ValidationError):
        services.campaign_create(round=world.round, school=world.school, opens_at=CLOSES, closes_at=OPENS,
                                 questionnaires={"parent": qs["parent"]}, by=world.admin)
    with pytest.raises(ValidationError):
        services.campaign_create(round=world.round, school=world.school, opens_at=OPENS, closes_at=CLOSES,
                                 questionnaires={"parent": qs["student"]}, by=world.admin)
    made = services.campaigns_create_for_round(round=world.round, opens_at=OPENS, closes_at=CLOSES,
                                               questionnaires={"parent": qs["parent"]}, by=world.admin)
    assert {c.school for c in made} == {world.school, world.other_school}
    assert services.campaigns_create_for_round(round=world.round, opens_at=OPENS, closes_at=CLOSES,
                                               questionnaires={"parent": qs["parent"]}, by=world.admin) == []


def test_codes_are_random_unambiguous_hashed_and_the_slips_pdf_is_stored(world):
    campaign = make_campaign(world)
    cg = campaign.groups.get(group="parent")
    batch = services.codes_generate(group=cg, count=12, base_url=BASE, by=world.school_user, now=NOW)
    plain = batch.plain_codes
    assert len(set(plain)) == 12
    assert all(len(c) >= 10 and set(c) <= set(codes.ALPHABET) for c in plain)
    assert not set("01OIL") & set(codes.ALPHABET)
    stored = set(ResponseCode.objects.values_list("code_hash", flat=True))
    assert stored == {codes.code_hash(c) for c in plain}
    assert not any(c in h for c in plain for h in stored)
    content = batch.slips.read()
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert codes.display(plain[0]) in text and "雁塔区第一小学" in text and "survey.example.cn/survey/" in text
    assert len(PdfReader(io.BytesIO(content)).pages) == 2  # 10 cut-out slips per A4 page


def test_codes_generate_refuses_strangers_bad_counts_and_closed_campaigns(world):
    campaign = make_campaign(world)
    cg = campaign.groups.get(group="parent")
    for who in (world.other_school_user, world.official, world.lead):
        with pytest.raises(PermissionDenied):
            services.codes_generate(group=cg, count=1, base_url=BASE, by=who, now=NOW)
    for bad in (0, -1, services.MAX_CODES_PER_BATCH + 1):
        with pytest.raises(ValidationError):
            services.codes_generate(group=cg, count=bad, base_url=BASE, by=world.admin, now=NOW)
    with pytest.raises(ValidationError):
        services.codes_generate(group=cg, count=1, base_url=BASE, by=world.admin, now=CLOSES)
    assert ResponseCode.objects.count() == 0


def test_submit_once_then_used(survey):
    code = survey.codes[0]
    response = services.response_submit(code=code.lower(), data=service_data(survey.parent, text="很好"), now=NOW)
    assert response.submitted_hour == NOW.replace(minute=30 - 30)
    assert Answer.objects.filter(response=response, text="很好").count() == 1
    with pytest.raises(services.CodeRefused) as exc:
        services.response_submit(code=code, data=service_data(survey.parent), now=NOW)
    assert exc.value.reason == "used"
    assert Response.objects.count() == 1


@pytest.mark.parametrize("code,moment,reason", [
    ("AAAAAAAAAAAA", NOW, "unknown"), ("", NOW, "unknown"), ("X" * 1000, NOW, "unknown"),
    (None, OPENS - timedelta(seconds=1), "not_open"), (None, CLOSES, "closed"),
])
def test_refusals_write_nothing(survey, code, moment, reason):
    with pytest.raises(services.CodeRefused) as exc:
        services.response_submit(code=survey.codes[0] if code is None else code, data=service_data(survey.parent), now=moment)
    assert exc.value.reason == reason
    assert Response.objects.count() == 0 and not ResponseCode.objects.filter(used_at__isnull=False).exists()


def test_invalid_answers_refused_and_code_not_spent(survey):
    data = service_data(survey.parent)
    first = next(iter(data))
    data[first] = "7"
    with pytest.raises(ValidationError) as exc:
        services.response_submit(code=survey.codes[0], data=data, now=NOW)
    assert f"item_{first}" in exc.value.message_dict
    assert not ResponseCode.objects.filter(used_at__isnull=False).exists()
    assert Response.objects.count() == 0


def test_wilson_by_hand():
    # 17 of 20, z = 1.96: p = .85, z² = 3.8416, 1 + z²/n = 1.19208;
    # centre = (.85 + 3.8416/40) / 1.19208 = .94604 / 1.19208 = .793604;
    # half = 1.96 * sqrt(.85 * .15 / 20 + 3.8416 / 1600) / 1.19208 = 1.96 * sqrt(.008776) / 1.19208
    #      = 1.96 * .093680 / 1.19208 = .154028 → [.639576, .947632] → [.6396, .9476]
    assert selectors.wilson(17, 20) == (Decimal("0.6396"), Decimal("0.9476"))
    assert selectors.wilson(0, 0) is None
    low, high = selectors.wilson(0, 10)
    assert low == Decimal("0.0000") and high == Decimal("0.2775")
    assert selectors.wilson(10, 10)[1] == Decimal("1.0000")
    assert selectors.rate(17, 20) == Decimal("0.8500")


def test_results_distribution_rate_and_overall(survey):
    values = [5, 4, 3, 2]
    for code, v in zip(survey.codes, values):
        services.response_submit(code=code, data=service_data(survey.parent, value=v), now=NOW)
    cr = selectors.campaign_results(campaigns=[survey.campaign])[0]
    parent = next(g for g in cr.groups if g.cgroup.group == "parent")
    assert (parent.issued, parent.responses, parent.response_rate) == (6, 4, Decimal("0.6667"))
    first = parent.items[0]
    assert first.item.element_codes == ["C84"]
    assert [n for _v, _l, n in first.counts] == [1, 1, 1, 1, 0]
    assert (first.positive, first.answered, first.rate) == (2, 4, Decimal("0.5000"))
    assert (first.low, first.high) == selectors.wilson(2, 4)
    rated = [i for i in parent.items if i.item.is_rated]
    assert parent.answered == 4 * len(rated) and parent.positive == 2 * len(rated)
    notes = selectors.element_notes(round_id=survey.round.pk, school_id=survey.school.pk)
    c84 = [n for n in notes["C84"] if n.threshold is not None]
    assert c84 and c84[0].meets is False
