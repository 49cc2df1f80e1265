"""round_status command: JSON/CSV rows per evaluation with the panel's progress."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from evaluation import services
from evaluation.models import Scorecard
from tests import factories as f
from tests.evaluation.conftest import elements, fill


def run(*args):
    out = io.StringIO()
    call_command("round_status", *args, stdout=out)
    return out.getvalue()


def test_json_lists_every_evaluation_with_status_and_panel(world, alice_card, lead_card):
    services.score_save(scorecard=alice_card, element=elements(world.version)[0], points="1", note="", version=0, by=world.alice)
    third = f.school(world.district, name="雁塔区第三小学")
    f.evaluation(world.round, third, lead=world.bob)
    rows = {r["school_code"]: r for r in json.loads(run("--format", "json"))}
    assert rows[world.school.code]["status"] == "in_progress"
    assert rows[world.school.code]["school_name"] == "雁塔区第一小学"
    assert rows[world.school.code]["inspectors"] == [
        {"username": "lead", "name": "李组长", "lead": True, "scored": 0, "submitted": False},
        {"username": "alice", "name": "张专家", "lead": False, "scored": 1, "submitted": False},
    ]
    assert rows[third.code]["status"] == "not_started"


def test_submitted_and_finalized_statuses(world, alice_card, lead_card):
    for card in (alice_card, lead_card):
        fill(card)
        services.scorecard_submit(scorecard=card, by=card.inspector)
    assert {r["school_code"]: r["status"] for r in json.loads(run())}[world.school.code] == "submitted"
    services.evaluation_finalize(evaluation=world.evaluation, by=world.lead)
    rows = {r["school_code"]: r for r in json.loads(run("--round", str(world.round.pk)))}
    assert rows[world.school.code]["status"] == "finalized"
    assert rows[world.school.code]["inspectors"][0]["scored"] == 84


def test_csv_has_one_line_per_inspector(world):
    lines = list(csv.DictReader(io.StringIO(run("--format", "csv", "--round", world.round.name))))
    mine = [r for r in lines if r["school_code"] == world.school.code]
    assert [(r["username"], r["lead"], r["submitted"]) for r in mine] == [("lead", "true", "false"), ("alice", "false", "false")]


def test_round_defaults_to_the_most_recent(world):
    newer = f.round_(world.version, name="2027年度评估", year=2027)
    school = f.school(world.district)
    f.evaluation(newer, school, lead=world.lead)
    assert [r["school_code"] for r in json.loads(run())] == [school.code]


def test_unknown_round_is_an_error(world):
    with pytest.raises(CommandError, match="找不到评估批次"):
        run("--round", "不存在的批次")


def test_query_count_does_not_grow_with_evaluations(world, django_assert_max_num_queries):
    for n in range(10):
        f.evaluation(world.round, f.school(world.district), lead=world.lead, inspectors=[world.alice])
    with django_assert_max_num_queries(4):
        run()
    assert Scorecard.objects.count() > 20
