"""manage.py rectification_status: JSON and CSV of the items, read back; bad arguments."""

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from tests.rectification.conftest import create, report, review


def run(*args) -> str:
    out = io.StringIO()
    call_command("rectification_status", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def items(rect):
    a = create(rect, element_codes="C1, C2")
    report(rect, a)
    review(rect, a, outcome="failed", note="未落实")
    create(rect, evaluation=rect.other_evaluation, by=rect.admin, problem="碑林的问题", element_codes="",
           deadline=date(2026, 11, 10))
    return rect


def test_json_lists_every_item(items):
    doc = json.loads(run("--round", items.round.name, "--format", "json", "--today", "2026-11-20"))
    by_school = {row["school"]: row for row in doc}
    yanta = by_school["雁塔区第一小学"]
    assert yanta == {"round": items.round.name, "district": "雁塔区", "school_code": items.school.code,
                     "school": "雁塔区第一小学", "elements": ["C1", "C2"], "problem": "课程评价机制有待完善。",
                     "deadline": "2026-12-31", "status": "未通过", "overdue": False, "last_review": "未通过"}
    beilin = by_school["碑林区第一小学"]
    assert beilin["overdue"] is True and beilin["last_review"] == "" and beilin["elements"] == []


def test_without_a_round_every_round(items):
    assert len(json.loads(run("--today", "2026-11-02"))) == 2


def test_csv_has_the_same_rows(items):
    rows = list(csv.reader(io.StringIO(run("--round", str(items.round.pk), "--format", "csv", "--today",
                                           "2026-11-20"))))
    assert rows[0][:4] == ["评估批次", "区县", "学校代码", "学校名称"]
    assert len(rows) == 3
    beilin = next(r for r in rows if r[3] == "碑林区第一小学")
    assert beilin[8] == "是" and beilin[7] == "待整改"


def test_hostile_text_stays_text_in_csv_and_json(rect):
    create(rect, problem="=HYPERLINK(\"http://x\",\"点我\")", responsible="@SUM(1+1)")
    rows = list(csv.reader(io.StringIO(run("--format", "csv", "--today", "2026-11-02"))))
    assert rows[1][5].startswith("'=")
    assert json.loads(run("--today", "2026-11-02"))[0]["problem"].startswith("=HYPERLINK")


@pytest.mark.parametrize("args,message", [
    (("--round", "没有这个批次"), "找不到评估批次"),
    (("--today", "2026-13-01"), "日期无效"),
])
def test_bad_arguments_are_refused(rect, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_a_bad_format_is_refused(rect):
    with pytest.raises(CommandError):
        run("--format", "xml")
