"""The REST API answers as the pages do (same selectors, same access helpers), validates input with Chinese
messages at field paths, refuses stale saves with 409, and its answers match the OpenAPI schema."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation.models import Score, Scorecard
from reports.selectors import round_totals
from schools.models import School
from tests.hostile import strings
from tests.reports.conftest import full, give_scores, half

from .conftest import make_token
from .schema_check import Schema

# Tokens are made at conftest.NOW and checked at NOW (api.authentication._now): no test reads the clock.
pytestmark = pytest.mark.usefixtures("at_now")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return Schema()


def test_the_schema_builds_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def _scored(world):
    give_scores(world.evaluation, full, by=world.lead)
    give_scores(world.other_evaluation, half, by=world.bob)


def test_read_endpoints_match_the_schema(login, world, schema):
    _scored(world)
    admin = login(world.admin)
    card = world.evaluation.scorecards.get(inspector=world.alice)
    for url in ["/api/v1/rubric-versions/", f"/api/v1/rubric-versions/{world.version.pk}/", "/api/v1/districts/",
                "/api/v1/schools/", f"/api/v1/schools/{world.school.pk}/", "/api/v1/rounds/",
                f"/api/v1/rounds/{world.round.pk}/", f"/api/v1/rounds/{world.round.pk}/ranking/",
                f"/api/v1/rounds/{world.round.pk}/analytics/", f"/api/v1/rounds/{world.round.pk}/recognition/",
                "/api/v1/evaluations/", f"/api/v1/evaluations/{world.evaluation.pk}/",
                f"/api/v1/evaluations/{world.evaluation.pk}/totals/", "/api/v1/scorecards/",
                f"/api/v1/scorecards/{card.pk}/", "/api/v1/rounds/?year=abc"]:
        response = admin.get(url)
        assert response.status_code in (200, 400), (url, response.content[:300])
        schema.validate(response)
    # Errors are documented too (403 JSON for a role without the right, 404 for another's object).
    official = login(world.other_official)
    schema.validate(official.get("/api/v1/rubric-versions/"))
    schema.validate(official.get(f"/api/v1/evaluations/{world.evaluation.pk}/totals/"))


def test_ranking_is_the_pages_ranking_within_the_callers_scope(login, world):
    _scored(world)
    rows = round_totals(round=world.round)
    body = login(world.city_official).get(f"/api/v1/rounds/{world.round.pk}/ranking/").json()
    assert body["count"] == 2
    assert [(r["school"]["code"], r["rank"], r["total"]) for r in body["results"]] == [
        (r.school.code, r.rank, f"{r.total:.2f}") for r in rows]
    # The 雁塔 official sees only their school, with its city-wide rank, as on the page.
    body = login(world.official).get(f"/api/v1/rounds/{world.round.pk}/ranking/").json()
    assert [r["school"]["code"] for r in body["results"]] == [world.school.code]
    bad = login(world.official).get(f"/api/v1/rounds/{world.round.pk}/ranking/", {"stage": "<script>"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "stage"


def test_the_ranking_runs_a_constant_number_of_queries(login, world):
    from tests import factories as f

    _scored(world)
    client = login(world.city_official)
    url = f"/api/v1/rounds/{world.round.pk}/ranking/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(6):
        give_scores(f.evaluation(world.round, f.school(world.district), lead=world.bob), full, by=world.bob)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).json()["count"] == 8
    assert len(large) == len(small)


def test_totals_are_the_school_reports(login, world):
    give_scores(world.evaluation, full, by=world.lead)
    body = login(world.official).get(f"/api/v1/evaluations/{world.evaluation.pk}/totals/").json()
    assert body["total"] == "100.00" and body["provisional"] is False
    assert set(body["dimensions"]) == {"A1", "A2", "A3", "A4", "A5"} or body["dimensions"]
    assert len(body["elements"]) == world.version.elements.count()


def test_analytics_hide_leniency_from_officials(login, world):
    _scored(world)
    assert login(world.official).get(f"/api/v1/rounds/{world.round.pk}/analytics/").json()["leniency"] is None
    assert isinstance(login(world.admin).get(f"/api/v1/rounds/{world.round.pk}/analytics/").json()["leniency"], list)


def test_filters_and_pagination(login, world):
    client = login(world.admin)
    body = client.get("/api/v1/schools/", {"district": world.other_district.pk}).json()
    assert [s["code"] for s in body["results"]] == [world.other_school.code]
    body = client.get("/api/v1/schools/", {"page_size": 1}).json()
    assert body["count"] == 2 and len(body["results"]) == 1 and body["next"]
    bad = client.get("/api/v1/schools/", {"stage": "college"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "stage"
    assert client.get("/api/v1/evaluations/", {"round": world.round.pk, "status": "finalized"}).json()["count"] == 0


@pytest.mark.parametrize("text", strings("sql_like", "markup", "path_traversal", "control_and_noncharacters"))
def test_hostile_text_in_filters_is_never_a_server_error(login, world, text):
    client = login(world.admin)
    for params in ({"q": text}, {"district": text}, {"stage": text}, {"page": text}, {"page_size": text}):
        response = client.get("/api/v1/schools/", params)
        assert response.status_code in (200, 400, 404), (params, response.status_code)
        assert response["Content-Type"].startswith("application/json")


# ---------------------------------------------------------------- writes


def _card(world, user):
    return Scorecard.objects.get(evaluation=world.evaluation, inspector=user)


def test_scores_are_saved_with_the_version_check_and_a_stale_save_gets_409(api, world, schema):
    card = _card(world, world.alice)
    key = make_token(world.alice).key
    url = f"/api/v1/scorecards/{card.pk}/scores/"
    first = api("post", url, key=key, json={"scores": {"C1": {"points": "1", "note": "好", "version": 0}}})
    assert first.status_code == 200, first.content
    schema.validate(first, method="post")
    assert first.json()["saved"]["C1"]["version"] == 1
    second = api("post", url, key=key, json={"scores": {"C1": {"points": "0.5", "version": 1}}})
    assert second.json()["saved"]["C1"] == {"points": "0.50", "note": "好", "version": 2}
    stale = api("post", url, key=key, json={"scores": {"C1": {"points": "0", "version": 1}}})
    assert stale.status_code == 409
    schema.validate(stale, method="post")
    body = stale.json()
    assert body["code"] == "conflict" and body["conflicts"]["C1"]["points"] == "0.50"
    assert body["conflicts"]["C1"]["version"] == 2 and "0.5" in body["detail"]
    assert Score.objects.get(scorecard=card, element__code="C1").points == Decimal("0.50")


def test_score_errors_name_the_element_and_nothing_bad_is_written(api, world, schema):
    card = _card(world, world.alice)
    key = make_token(world.alice).key
    response = api("post", f"/api/v1/scorecards/{card.pk}/scores/", key=key,
                   json={"scores": {"C1": {"points": "99", "version": 0}, "C999": {"points": "1", "version": 0}}})
    assert response.status_code == 400
    schema.validate(response, method="post")
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"scores.C1.points", "scores.C999.points"}
    assert not Score.objects.filter(scorecard=card).exists()
    missing_version = api("post", f"/api/v1/scorecards/{card.pk}/scores/", key=key,
                          json={"scores": {"C1": {"points": "1"}}})
    assert missing_version.status_code == 400
    assert missing_version.json()["errors"] == [{"field": "scores.C1.version", "message": "该字段是必填项。"}]


@pytest.mark.parametrize("body", ["{not json", "[]", json.dumps({"scores": []}), json.dumps({"scores": {}}),
                                  json.dumps({"scores": {"C1": "x"}})])
def test_malformed_json_is_a_400_in_chinese(api, world, body):
    card = _card(world, world.alice)
    key = make_token(world.alice).key
    response = api("post", f"/api/v1/scorecards/{card.pk}/scores/", key=key, data=body,
                   content_type="application/json")
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in detail), detail


def test_an_oversized_body_is_refused(api, world, settings):
    card = _card(world, world.alice)
    key = make_token(world.alice).key
    big = json.dumps({"scores": {"C1": {"points": "1", "note": "长" * 10, "version": 0}}, "pad": "x" * (6 * 1024 * 1024)})
    response = api("post", f"/api/v1/scorecards/{card.pk}/scores/", key=key, data=big, content_type="application/json")
    assert response.status_code in (400, 413)
    assert not Score.objects.exists()


def test_others_scorecards_are_refused_like_the_page(api, world):
    card = _card(world, world.alice)
    payload = {"scores": {"C1": {"points": "1", "version": 0}}}
    assert api("post", f"/api/v1/scorecards/{card.pk}/scores/", key=make_token(world.lead).key,
               json=payload).status_code == 403  # the lead reads it, never writes it
    assert api("post", f"/api/v1/scorecards/{card.pk}/scores/", key=make_token(world.bob).key,
               json=payload).status_code == 404
    assert api("post", f"/api/v1/scorecards/{card.pk}/submit/", key=make_token(world.admin).key).status_code == 403
    assert not Score.objects.exists()


def test_submit_needs_every_element_and_then_locks_the_card(api, world, schema):
    card = _card(world, world.alice)
    key = make_token(world.alice).key
    response = api("post", f"/api/v1/scorecards/{card.pk}/submit/", key=key)
    assert response.status_code == 400 and response.json()["code"] == "incomplete"
    schema.validate(response, method="post")
    assert response.json()["errors"][0]["field"] == "scores.C1.points"
    scores = {e.code: {"points": str(e.points), "version": 0} for e in world.version.elements.all()}
    assert api("post", f"/api/v1/scorecards/{card.pk}/scores/", key=key, json={"scores": scores}).status_code == 200
    done = api("post", f"/api/v1/scorecards/{card.pk}/submit/", key=key)
    assert done.status_code == 200 and done.json()["status"] == "submitted" and done.json()["editable"] is False
    schema.validate(done, method="post")
    again = api("post", f"/api/v1/scorecards/{card.pk}/scores/", key=key,
                json={"scores": {"C1": {"points": "0", "version": 1}}})
    assert again.status_code == 403


def _row(**values):
    return {"code": "610113-900", "name": "雁塔区新建小学", "district": "雁塔区", "stage": "小学", "location": "城区",
            **values}


def test_school_import_uses_the_import_services_rules_with_field_paths(api, world, schema):
    key = make_token(world.admin).key
    response = api("post", "/api/v1/schools/import/", key=key, json={"rows": [
        _row(), _row(code="", stage="大学"), _row(code="610113-901", district="火星区")]})
    assert response.status_code == 400
    schema.validate(response, method="post")
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["rows[1].code", "rows[1].stage", "rows[2].district"]
    assert "第 2 行「学段」" in response.json()["errors"][1]["message"]
    assert not School.objects.filter(code__startswith="610113-9").exists()  # all or nothing
    ok = api("post", "/api/v1/schools/import/", key=key, json={"rows": [_row()]})
    assert ok.status_code == 200 and ok.json()["created"] == ["610113-900"]
    schema.validate(ok, method="post")
    shape = api("post", "/api/v1/schools/import/", key=key, json={"rows": [{"code": ["x"]}]})
    assert shape.status_code == 400 and shape.json()["errors"][0]["field"] == "rows[0].code"


def test_school_import_accepts_the_pages_csv_file(api, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    key = make_token(world.admin).key
    csv = "学校代码,学校名称,所属区县,学段,城乡类别\n610113-950,文件导入小学,雁塔区,小学,城区\n".encode()
    response = api("post", "/api/v1/schools/import/", key=key,
                   data={"file": SimpleUploadedFile("schools.csv", csv, content_type="text/csv")})
    assert response.status_code == 200, response.content
    assert response.json()["created"] == ["610113-950"]


def test_only_admins_import_schools(api, world):
    for user in (world.official, world.city_official, world.security_admin, world.alice):
        response = api("post", "/api/v1/schools/import/", key=make_token(user).key, json={"rows": [_row()]})
        assert response.status_code == 403
    assert not School.objects.filter(code="610113-900").exists()


@pytest.mark.parametrize("text", strings())
def test_hostile_school_names_through_the_import_and_out_as_json(api, world, text):
    key = make_token(world.admin).key
    response = api("post", "/api/v1/schools/import/", key=key, json={"rows": [_row(name=text)]})
    assert response.status_code in (200, 400), response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    if response.status_code == 400:
        assert all(e["field"].startswith("rows[0].") for e in response.json()["errors"])
        return
    stored = School.objects.get(code="610113-900")
    listed = api("get", "/api/v1/schools/", key=key, data={"q": "610113-900"})
    assert listed["Content-Type"].startswith("application/json")
    assert json.loads(listed.content)["results"][0]["name"] == stored.name
    assert b"<script" not in listed.content.lower() or listed["Content-Type"].startswith("application/json")


def test_the_schema_is_served_as_json_to_a_token_and_names_the_bearer_scheme(api, world):
    response = api("get", "/api/schema/", key=make_token(world.official, scope="read").key)
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.") and "/api/v1/rounds/{id}/ranking/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
