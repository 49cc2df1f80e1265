"""Round management pages and bulk panel assignment."""

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from evaluation import services
from evaluation.models import Evaluation, Round, Scorecard, Transition
from rubric.models import RubricVersion
from tests import factories as f
from tests.evaluation.conftest import elements


def round_data(world, **over):
    data = {"name": "2027年度评估", "year": "2027", "rubric_version": world.version.pk, "starts_on": "2027-03-01",
            "ends_on": "2027-06-30", "status": "open", "consolidation": "median", "pass_mark": "85"}
    data.update(over)
    return data


def test_round_list_for_admins_and_officials(world, login):
    url = reverse("evaluation:round_list")
    response = login(world.admin).get(url)
    assert response.status_code == 200 and world.round.name in response.content.decode() and "新建批次" in response.content.decode()
    response = login(world.official).get(url)
    assert response.status_code == 200 and "新建批次" not in response.content.decode()
    assert login(world.alice).get(url).status_code == 403
    assert login(world.admin).post(url).status_code == 405


def test_admin_creates_a_round(world, login):
    response = login(world.admin).post(reverse("evaluation:round_create"), round_data(world))
    r = Round.objects.get(name="2027年度评估")
    assert response.status_code == 302 and response["Location"] == reverse("evaluation:round_detail", args=[r.pk])
    assert r.consolidation == "median" and r.pass_mark == Decimal("85") and r.rubric_version == world.version
    assert AuditEvent.objects.filter(event="round.create").exists()


def test_only_published_versions_are_offered_and_accepted(world, login):
    draft = RubricVersion.objects.create(code="draft-1", name="草稿版", status="draft")
    retired = RubricVersion.objects.create(code="old-1", name="停用版", status="retired")
    c = login(world.admin)
    form = c.get(reverse("evaluation:round_create")).context["form"]
    offered = set(form.fields["rubric_version"].queryset)
    assert world.version in offered and draft not in offered and retired not in offered
    for v in (draft, retired):
        response = c.post(reverse("evaluation:round_create"), round_data(world, rubric_version=v.pk))
        assert response.status_code == 400
    assert not Round.objects.filter(name="2027年度评估").exists()


def test_bad_round_input_shows_field_errors_and_changes_nothing(world, login):
    c = login(world.admin)
    response = c.post(reverse("evaluation:round_create"), round_data(world, ends_on="2027-01-01", pass_mark="120"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "结束日期不能早于开始日期" in text or "认定分数线不能高于细则总分" in text
    assert not Round.objects.filter(name="2027年度评估").exists()


def test_admin_edits_a_round(world, login):
    c = login(world.admin)
    url = reverse("evaluation:round_edit", args=[world.round.pk])
    assert c.get(url).status_code == 200
    response = c.post(url, round_data(world, name=world.round.name, year="2026", status="closed"))
    assert response.status_code == 302
    world.round.refresh_from_db()
    assert world.round.status == "closed" and world.round.consolidation == "median"


def test_rubric_version_cannot_change_once_scored(world, alice_card):
    services.score_save(scorecard=alice_card, element=elements(world.version)[0], points="1", note="", version=0, by=world.alice)
    other = RubricVersion.objects.create(code="other-1", name="另一版", status="published")
    world.round.rubric_version = other
    with pytest.raises(Exception, match="不能更换"):
        services.round_save(round=world.round, by=world.admin)


def test_a_version_retired_after_it_was_read_is_refused(world):
    """The service checks the version as stored now, not the (stale) object it was handed."""
    version = RubricVersion.objects.create(code="late-1", name="刚退役", status="published")
    stale = Round(name="2028年度评估", year=2028, rubric_version=version)
    RubricVersion.objects.filter(pk=version.pk).update(status="retired")
    assert stale.rubric_version.status == "published"
    with pytest.raises(Exception, match="只能选择已发布"):
        services.round_save(round=stale, by=world.admin)
    assert not Round.objects.filter(name="2028年度评估").exists()


@pytest.mark.parametrize("name", ["round_create", "round_edit"])
def test_round_forms_are_admin_only(world, login, name):
    url = reverse(f"evaluation:{name}", args=[world.round.pk] if name == "round_edit" else [])
    assert login(world.official).get(url).status_code == 403
    assert login(world.alice).post(url, round_data(world)).status_code == 403
    assert login(world.admin).put(url).status_code == 405


def test_round_detail_shows_status_rows_filtered_by_district(world, login):
    url = reverse("evaluation:round_detail", args=[world.round.pk])
    admin_html = login(world.admin).get(url).content.decode()
    assert "雁塔区第一小学" in admin_html and "碑林区第一小学" in admin_html
    official = login(world.official).get(url)
    assert official.status_code == 200
    assert "雁塔区第一小学" in official.content.decode() and "碑林区第一小学" not in official.content.decode()
    assert login(world.alice).get(url).status_code == 403
    assert login(world.admin).post(url).status_code == 405


# ---------------------------------------------------------------- panels

def test_panel_assign_creates_evaluations_scorecards_and_sets_the_lead(world, login):
    new_round = f.round_(world.version, name="2027年度评估", year=2027)
    s1, s2 = f.school(world.district, name="甲校"), f.school(world.other_district, name="乙校")
    c = login(world.admin)
    url = reverse("evaluation:panel_assign", args=[new_round.pk])
    assert c.get(url).status_code == 200
    response = c.post(url, {"schools": [s1.pk, s2.pk], "inspectors": [world.alice.pk, world.bob.pk], "lead": world.lead.pk})
    assert response.status_code == 302
    for school in (s1, s2):
        ev = Evaluation.objects.get(round=new_round, school=school)
        cards = {sc.inspector.username: sc.is_lead for sc in ev.scorecards.select_related("inspector")}
        assert cards == {"alice": False, "bob": False, "lead": True}
        assert Transition.objects.filter(evaluation=ev, action="assign", by=world.admin).exists()
    assert AuditEvent.objects.filter(event="panel.assign").exists()


def test_panel_assign_replaces_the_lead_and_keeps_existing_members(world, login):
    login(world.admin).post(
        reverse("evaluation:panel_assign", args=[world.round.pk]),
        {"schools": [world.school.pk], "inspectors": [world.bob.pk], "lead": world.alice.pk},
    )
    cards = {sc.inspector.username: sc.is_lead for sc in Scorecard.objects.filter(evaluation=world.evaluation).select_related("inspector")}
    assert cards == {"lead": False, "alice": True, "bob": False}


def test_panel_assign_refuses_non_inspectors_and_finalized_evaluations(world, login):
    c = login(world.admin)
    url = reverse("evaluation:panel_assign", args=[world.round.pk])
    response = c.post(url, {"schools": [world.school.pk], "inspectors": [world.official.pk], "lead": world.lead.pk})
    assert response.status_code == 400
    world.evaluation.status = "finalized"
    world.evaluation.save()
    response = c.post(url, {"schools": [world.school.pk], "inspectors": [world.bob.pk], "lead": world.lead.pk})
    assert response.status_code == 400 and "已定稿" in response.content.decode()
    assert not Scorecard.objects.filter(evaluation=world.evaluation, inspector=world.bob).exists()
    response = c.post(url, {"inspectors": [world.bob.pk], "lead": world.lead.pk})
    assert response.status_code == 400 and "请至少选择一所学校" in response.content.decode()


def test_panel_assign_errors_are_tied_to_their_fields(world, login):
    """A refused assignment: each error is announced with the field or group it belongs to."""
    from tests.a11y import field_errors, group_errors

    response = login(world.admin).post(reverse("evaluation:panel_assign", args=[world.round.pk]), {})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请选择组长" in field_errors(html)["id_lead"]
    groups = group_errors(html)
    assert "请至少选择一所学校" in groups["schools-error"] and groups["inspectors-error"]


def test_panel_assign_filters_schools(world, login):
    response = login(world.admin).get(
        reverse("evaluation:panel_assign", args=[world.round.pk]), {"district": world.other_district.pk}
    )
    names = [s.name for s, _panel in response.context["school_rows"]]
    assert names == ["碑林区第一小学"]


def test_panel_assign_is_admin_only(world, login):
    url = reverse("evaluation:panel_assign", args=[world.round.pk])
    assert login(world.official).get(url).status_code == 403
    assert login(world.lead).post(url, {}).status_code == 403
    assert login(world.admin).delete(url).status_code == 405
