"""The one visibility selector (accounts.scopes) and the rules built on it."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from django.urls import reverse

from accounts import roles, scopes
from evaluation.models import Score


def _drop_all_roles(user):
    user.groups.clear()
    user.__dict__.pop("_role_names", None)  # the per-request cache of role names


def test_an_inspector_without_roles_can_neither_open_nor_save_their_scorecard(world, client):
    card = world.evaluation.scorecards.get(inspector=world.alice)
    _drop_all_roles(world.alice)
    client.force_login(world.alice)
    assert client.get(reverse("evaluation:scorecard", args=[card.pk])).status_code == 404
    response = client.post(reverse("evaluation:scorecard_save", args=[card.pk]),
                           {"points_C1": "1", "version_C1": "0"})
    assert response.status_code == 404
    assert not Score.objects.filter(scorecard=card).exists()


def test_a_lead_who_lost_the_inspector_role_no_longer_sees_the_evaluation(world, client):
    world.lead.groups.remove(Group.objects.get(name=roles.INSPECTOR))
    client.force_login(world.lead)
    assert client.get(reverse("evaluation:evaluation_detail", args=[world.evaluation.pk])).status_code == 404


def test_the_model_rule_says_who_may_edit(world):
    card = world.evaluation.scorecards.get(inspector=world.alice)
    assert card.is_editable_by(world.alice)
    assert not card.is_editable_by(world.lead)
    assert not card.is_editable_by(world.admin)
    card.status = card.Status.SUBMITTED
    assert not card.is_editable_by(world.alice)
    assert card.lock_reason() == "评分表已提交，不能再修改。"


def test_the_rounds_list_shows_a_district_official_their_districts_counts_only(world, client):
    client.force_login(world.official)
    page = client.get(reverse("evaluation:round_list")).content.decode()
    assert "1（0）" in page and "2（0）" not in page
    client.force_login(world.city_official)
    assert "2（0）" in client.get(reverse("evaluation:round_list")).content.decode()


def test_scopes_answer_the_same_for_every_kind_of_user(world):
    assert scopes.results_scope(world.admin).city_wide
    assert scopes.results_scope(world.city_official).city_wide
    assert scopes.results_scope(world.official).district_ids == {world.district.pk}
    assert scopes.results_scope(world.alice).is_empty
    assert set(scopes.evaluations_visible_to(world.official)) == {world.evaluation}
    assert set(scopes.evaluations_visible_to(world.bob)) == {world.other_evaluation}
    assert set(scopes.evaluations_visible_to(world.nobody)) == set()


# --- explicit scopes: several districts, none, tampering ----------------------------------


def _third_district_world(world):
    from tests import factories as f

    chang = f.district("610116", "长安区")
    school = f.school(chang, name="长安区第一小学")
    evaluation = f.evaluation(world.round, school, lead=world.bob)
    return chang, evaluation


def test_an_official_with_two_districts_sees_both_and_no_third(world, client):
    chang, third = _third_district_world(world)
    world.other_official.scope_districts.add(world.district)  # 碑林 + 雁塔
    client.force_login(world.other_official)
    assert set(scopes.evaluations_visible_to(world.other_official)) == {world.evaluation, world.other_evaluation}
    workbook = client.get(reverse("reports:district_xlsx"), {"round": world.round.pk})
    assert workbook.status_code == 200
    assert client.get(reverse("reports:district_xlsx"), {"round": world.round.pk, "district": chang.pk}).status_code == 404
    assert client.get(reverse("reports:school_report", args=[world.evaluation.pk])).status_code == 200
    assert client.get(reverse("reports:school_report", args=[third.pk])).status_code == 404
    assert "2（0）" in client.get(reverse("evaluation:round_list")).content.decode()


@pytest.mark.parametrize("name,kwargs", [
    ("reports:ranking", {}), ("reports:dashboard", {}), ("reports:ranking_xlsx", {}),
    ("reports:district_xlsx", {}), ("evaluation:round_list", {}),
])
def test_an_official_without_a_scope_sees_nothing_and_is_told_why(world, client, name, kwargs):
    world.city_official.scope_city_wide = False
    world.city_official.save(update_fields=["scope_city_wide"])
    client.force_login(world.city_official)
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 403
    if name not in ("reports:ranking_xlsx", "reports:district_xlsx"):
        assert "还没有设置查看范围" in response.content.decode()
    assert client.get(reverse("reports:school_report", args=[world.evaluation.pk])).status_code == 403


def test_a_scoped_official_tampering_with_district_ids_gets_nothing_else(world, client):
    from reports.models import ExportJob

    chang, third = _third_district_world(world)
    client.force_login(world.official)  # 雁塔区 only
    for value in (str(world.other_district.pk), str(chang.pk), "-1", "1 OR 1=1", "\x00"):
        ranking = client.get(reverse("reports:ranking"), {"district": value, "include": "on"})
        assert ranking.status_code in (200, 400)
        body = ranking.content.decode()
        assert "碑林区第一小学" not in body and "长安区第一小学" not in body
        assert client.get(reverse("reports:district_xlsx"), {"district": value}).status_code in (400, 404)
    client.post(reverse("reports:export_start"), {"round": world.round.pk})
    job = ExportJob.objects.get(requested_by=world.official)
    assert job.district == world.district and job.total == 0  # nothing finalized in 雁塔区 yet


def test_the_migration_keeps_what_each_existing_official_saw(world):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0004_scopes_and_profile")
    from accounts.models import User

    User.objects.update(scope_city_wide=False)
    for user in User.objects.all():
        user.scope_districts.clear()
    migration.scopes_from_districts(apps, None)
    assert scopes.results_scope(User.objects.get(pk=world.city_official.pk)).city_wide
    assert scopes.results_scope(User.objects.get(pk=world.official.pk)).district_ids == {world.district.pk}
    assert not User.objects.get(pk=world.alice.pk).scope_city_wide  # not an official: no scope


def test_the_security_admin_sets_an_officials_scope(login, world):
    response = login(world.security_admin).post(reverse("accounts:user_edit", args=[world.official.pk]), {
        "username": "official", "name": "雁塔教育局", "roles": [roles.OFFICIAL], "is_active": "on",
        "scope_districts": [world.district.pk, world.other_district.pk],
    })
    assert response.status_code == 302
    from accounts.models import User

    assert scopes.results_scope(User.objects.get(pk=world.official.pk)).district_ids == {
        world.district.pk, world.other_district.pk}
    from audit.models import AuditEvent

    event = AuditEvent.objects.get(event="user.update")
    assert event.detail["scope_before"]["districts"] == ["雁塔区"]
    assert sorted(event.detail["scope_after"]["districts"]) == ["碑林区", "雁塔区"]


def test_the_ranking_command_can_answer_within_an_accounts_scope(world):
    import io
    import json

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("ranking", "--round", str(world.round.pk), "--include-in-progress", "--format", "json",
                 "--user", "official", stdout=out)
    assert "碑林区第一小学" not in out.getvalue()
    json.loads(out.getvalue())
    with pytest.raises(CommandError, match="不能查看评估结果"):
        call_command("ranking", "--user", "alice")


def _workbook_text(content: bytes) -> str:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row
                    if v is not None)


def _column(content: bytes, header: str) -> list:
    """The numbers under `header` in a workbook's first sheet."""
    import io

    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True))
    for i, row in enumerate(rows):
        if header in row:
            at = row.index(header)
            return [r[at] for r in rows[i + 1:] if len(r) > at and isinstance(r[at], (int, float))]
    return []


# Each export with a district or round filter, and how its workbook shows what it covers:
# the district and school names, or a count of schools that must stay within the one in scope.
TAMPERED_EXPORTS = [
    ("reports:ranking_xlsx", "names"), ("reports:district_xlsx", "names"), ("analytics:cv_xlsx", "names"),
    ("analytics:elements_xlsx", "学校数"), ("analytics:agreement_xlsx", "可比学校数"),
]


@pytest.mark.parametrize("name,shows", TAMPERED_EXPORTS)
def test_a_scoped_official_tampering_with_export_filters_gets_nothing_else(world, client, name, shows):
    """Every export taking a district or round filter, with results in all three districts: the
    雁塔区 official gets 雁塔区 or a refusal, never another district's school."""
    from evaluation.models import Scorecard
    from tests.reports.conftest import give_scores

    chang, third = _third_district_world(world)
    for evaluation in (world.other_evaluation, third):  # two inspectors each, as 雁塔区's school has
        Scorecard.objects.create(evaluation=evaluation, inspector=world.alice)
    for evaluation in (world.evaluation, world.other_evaluation, third):
        give_scores(evaluation, lambda el, k: el.points / (2 + k))
    Scorecard.objects.update(status=Scorecard.Status.SUBMITTED, submitted_at=timezone.now())
    client.force_login(world.official)  # 雁塔区 only
    seen_own = False
    for district in (str(world.other_district.pk), str(chang.pk), "-1", "1 OR 1=1", "", str(world.district.pk)):
        for round_value in (str(world.round.pk), world.round.name, "999999"):
            response = client.get(reverse(name), {"district": district, "round": round_value, "include": "on",
                                                  "status": "finalized"})
            assert response.status_code in (200, 400, 403, 404), (district, round_value, response.status_code)
            if response.status_code != 200:
                continue
            if shows == "names":
                text = _workbook_text(response.content)
                assert "碑林区" not in text and "长安区" not in text, (district, round_value)
                seen_own = seen_own or "雁塔区第一小学" in text or "雁塔区" in text
            else:
                counts = _column(response.content, shows)
                assert counts and max(counts) <= 1, (district, round_value, counts)
                seen_own = seen_own or max(counts) == 1
    assert seen_own  # the official's own results did come through (so the checks above can fail)


def test_the_tampering_checks_see_other_districts_when_they_are_in_scope(world, client):
    """The same workbooks for the city-wide official do show the other districts (the checks can fail)."""
    from evaluation.models import Scorecard
    from tests.reports.conftest import give_scores

    chang, third = _third_district_world(world)
    for evaluation in (world.other_evaluation, third):
        Scorecard.objects.create(evaluation=evaluation, inspector=world.alice)
    for evaluation in (world.evaluation, world.other_evaluation, third):
        give_scores(evaluation, lambda el, k: el.points / (2 + k))
    Scorecard.objects.update(status=Scorecard.Status.SUBMITTED, submitted_at=timezone.now())
    client.force_login(world.city_official)
    for name, shows in TAMPERED_EXPORTS:
        response = client.get(reverse(name), {"round": world.round.pk, "include": "on"})
        assert response.status_code == 200, name
        if shows == "names":
            assert "碑林区" in _workbook_text(response.content), name
        else:
            assert max(_column(response.content, shows)) == 3, name


@pytest.mark.parametrize("name,args", [
    ("accounts:home", None), ("reports:overview", []), ("reports:ranking", []), ("reports:dashboard", []),
    ("analytics:page", []), ("evaluation:round_list", []), ("evaluation:round_detail", ["round"]),
    ("reports:school_report", ["evaluation"]), ("reports:ranking_xlsx", []), ("reports:district_xlsx", []),
    ("analytics:elements_xlsx", []), ("reports:scoresheet_pdf", ["evaluation"]),
])
def test_the_unscoped_official_is_told_why_everywhere(world, client, name, args):
    """An 教育局 account without a scope sees no results anywhere, and each page says why."""
    objects = {"round": world.round.pk, "evaluation": world.evaluation.pk}
    client.force_login(world.unscoped_official)
    response = client.get(reverse(name, args=[objects[a] for a in args] if args else None), follow=True)
    assert response.status_code == 403
    body = response.content.decode()
    assert scopes.NO_SCOPE_MESSAGE in body
    assert "雁塔区第一小学" not in body and "碑林区第一小学" not in body


# --- one rule, one name: the scope's single district, the views' evaluation helpers -------


def test_a_scope_of_exactly_one_district_means_that_district(world):
    from accounts.scopes import CITY, NOTHING, ResultsScope

    assert ResultsScope(district_ids=frozenset({world.district.pk})).single_district() == world.district
    assert ResultsScope(district_ids=frozenset({world.district.pk, world.other_district.pk})).single_district() is None
    assert CITY.single_district() is None
    assert NOTHING.single_district() is None


def test_the_district_workbook_and_the_batch_export_both_ask_the_scope(world, client, monkeypatch):
    """Both name their district through ResultsScope.single_district (no second copy of the rule)."""
    import io

    from openpyxl import load_workbook

    from reports.models import ExportJob

    world.other_official.scope_districts.add(world.district)  # 碑林 + 雁塔: no single district
    monkeypatch.setattr(scopes.ResultsScope, "single_district", lambda self: world.other_district)
    client.force_login(world.other_official)
    workbook = client.get(reverse("reports:district_xlsx"), {"round": world.round.pk})
    assert workbook.status_code == 200
    title = load_workbook(io.BytesIO(workbook.content)).worksheets[0]["A1"].value
    assert "碑林区" in title and "雁塔区" not in title  # unpatched: "碑林区、雁塔区"
    client.post(reverse("reports:export_start"), {"round": world.round.pk})
    assert ExportJob.objects.get(requested_by=world.other_official).district == world.other_district


def test_no_two_view_helpers_share_a_name_with_different_contracts():
    """The panel's and the results' evaluation helpers are named for what they do."""
    import evaluation.views
    import reports.views

    assert not hasattr(evaluation.views, "_get_evaluation_for_user")
    assert not hasattr(reports.views, "_get_evaluation_for_user")
    assert callable(evaluation.views._panel_evaluation) and callable(reports.views._results_evaluation)
