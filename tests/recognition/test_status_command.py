"""manage.py recognition_status: JSON and CSV of a round's recognition, read back."""

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from recognition import services
from recognition.models import RecognitionList
from tests.hostile import strings
from tests.recognition.helpers import entry_of

AFTER = date(2026, 11, 9)


def run(*args) -> str:
    out = io.StringIO()
    call_command("recognition_status", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def concluded(rec):
    services.recognition_list_build(round=rec.round, by=rec.admin)
    rlist = RecognitionList.objects.get()
    services.recognition_entry_decide(entry=entry_of(rec.other_evaluation), decision="deferred", reason="待补充材料",
                                      version=1, by=rec.admin)
    services.recognition_publish(rlist=rlist, objection_contact="督导室", by=rec.admin, today=rec.today)
    o = services.objection_record(rlist=rlist, entry=entry_of(rec.evaluation), received_on=date(2026, 11, 3),
                                  channel="letter", content="反映", by=rec.admin, today=date(2026, 11, 3))
    services.objection_close(objection=o, outcome="rejected", withdraw=False, handler="", investigation="不属实",
                             version=1, by=rec.admin)
    services.recognition_conclude(rlist=rlist, document_no="市教发〔2026〕12号", recognized_on=AFTER, by=rec.admin,
                                  today=AFTER)
    return rec


def test_json_lists_every_school_with_its_decision_objections_and_recognition(concluded):
    doc = json.loads(run("--round", concluded.round.name, "--format", "json"))
    assert doc["status"] == "concluded" and doc["document_no"] == "市教发〔2026〕12号"
    assert doc["publicity_starts_on"] == "2026-11-02" and doc["pass_mark"] == "80.00"
    by_code = {s["school_code"]: s for s in doc["schools"]}
    yanta = by_code[concluded.school.code]
    assert yanta == {
        "school_code": concluded.school.code, "school_name": "雁塔区第一小学", "district": "雁塔区", "total": "99.50",
        "default_decision": "proposed", "decision": "proposed", "decision_label": "拟认定", "reason": "",
        "objections": 1, "objections_open": 0, "objections_upheld": 0, "withdrawn": False, "recognized": True,
        "document_no": "市教发〔2026〕12号", "recognized_on": "2026-11-09", "valid_until": "2029-11-09",
    }
    beilin = by_code[concluded.other_school.code]
    assert beilin["total"] == "50.00" and beilin["decision"] == "deferred" and beilin["reason"] == "待补充材料"
    assert beilin["recognized"] is False and beilin["document_no"] == ""
    assert concluded.pending_school.code not in by_code  # not finalized: not on the list


def test_csv_has_the_same_rows(concluded):
    rows = list(csv.DictReader(io.StringIO(run("--round", str(concluded.round.pk), "--format", "csv"))))
    # By district (the city's order, then district code: 碑林区 610103 before 雁塔区 610113), then school code.
    assert [r["school_code"] for r in rows] == [concluded.other_school.code, concluded.school.code]
    yanta = next(r for r in rows if r["school_code"] == concluded.school.code)
    assert yanta["total"] == "99.50" and yanta["recognized"] == "是" and yanta["withdrawn"] == ""


def test_the_default_round_is_the_latest_with_results(concluded):
    assert json.loads(run())["round"] == concluded.round.name


def test_errors_are_command_errors(rec):
    with pytest.raises(CommandError, match="找不到评估批次"):
        run("--round", "不存在的批次")
    with pytest.raises(CommandError, match="还没有拟定认定名单"):
        run("--round", rec.round.name)


@pytest.mark.parametrize("text", strings("spreadsheet_formulas", "control_and_noncharacters", "markup"))
def test_hostile_names_and_reasons_are_inert_in_csv_and_valid_json(concluded, text):
    clean = text.replace("\x00", "")
    type(concluded.school).objects.filter(pk=concluded.school.pk).update(name=clean)
    from recognition.models import RecognitionEntry

    RecognitionEntry.objects.filter(evaluation=concluded.other_evaluation).update(reason=clean)
    doc = json.loads(run("--round", concluded.round.name, "--format", "json"))
    assert any(s["school_name"] == clean for s in doc["schools"])
    rows = list(csv.reader(io.StringIO(run("--round", concluded.round.name, "--format", "csv"))))
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r", "\n")), cell
    assert len(rows) == 3  # header + two schools: a CR or LF inside a name does not split a row
