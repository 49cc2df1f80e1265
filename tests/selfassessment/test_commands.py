"""The commands: self_assessment_status (JSON/CSV) and import_self_assessment (the offline path)."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from selfassessment import selectors
from selfassessment.models import SelfScore, Transition
from selfassessment.xlsx import self_assessment_xlsx
from tests import factories as f
from tests.hostile import strings

from .conftest import fill, submitted


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_status_as_json_lists_every_eligible_school(sa):
    submitted(sa)
    data = json.loads(_run("self_assessment_status", "--round", sa.sa_round.name, "--format", "json"))
    assert data["round"] == sa.sa_round.name
    by_code = {r["school_code"]: r for r in data["schools"]}
    mine = by_code[sa.school.code]
    assert mine["status"] == "submitted" and mine["status_label"] == "已提交" and mine["self_total"] == "10.00"
    assert mine["missing_required_evidence"] == 0 and mine["district_decision"] == ""
    other = by_code[sa.other_school.code]
    assert other["status"] == "not_started" and other["self_total"] is None and other["missing_required_evidence"] == 3


def test_status_defaults_to_the_newest_round_open_for_applications(sa):
    data = json.loads(_run("self_assessment_status"))
    assert data["round"] == sa.sa_round.name


def test_status_csv_neutralizes_hostile_names(sa):
    for n, text in enumerate(s for s in strings("spreadsheet_formulas")):
        f.school(sa.district, name=text.replace("/", "")[:100].strip() or "x", code=f"F{n:03d}")
    out = _run("self_assessment_status", "--round", str(sa.sa_round.pk), "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:4] == ["school_code", "school_name", "district", "status"]
    for row in rows[1:]:
        assert not row[1].startswith(("=", "+", "-", "@")), row


def test_status_refuses_an_unknown_or_closed_round(sa, world):
    with pytest.raises(CommandError, match="找不到评估批次"):
        _run("self_assessment_status", "--round", "不存在")
    with pytest.raises(CommandError, match="没有开放学校自评申报"):
        _run("self_assessment_status", "--round", world.round.name)


def _workbook(sa, tmp_path, values, name="in.xlsx"):
    sa_row = selectors.self_assessment_of(round=sa.sa_round, school=sa.school)
    book = load_workbook(io.BytesIO(self_assessment_xlsx(workspace=selectors.self_workspace(self_assessment=sa_row))))
    ws = book.active
    for row, value in zip(range(3, 8), values):
        ws.cell(row=row, column=6, value=value)
    path = tmp_path / name
    book.save(path)
    return str(path)


def test_import_loads_a_workbook_for_the_school(sa, tmp_path):
    out = _run("import_self_assessment", _workbook(sa, tmp_path, [2, 1.5, 2.5, 3, 1]), "--school", sa.school.code,
               "--round", sa.sa_round.name)
    assert "已导入 5 项自评" in out
    assert SelfScore.objects.filter(self_assessment__school=sa.school).count() == 5
    assert SelfScore.objects.first().updated_by == sa.school_user
    assert Transition.objects.get().action == "import"


def test_import_with_bad_cells_saves_nothing_and_names_them(sa, tmp_path):
    path = _workbook(sa, tmp_path, [2, "abc", 9, 3, 1])
    err = io.StringIO()
    with pytest.raises(CommandError, match="共 2 处错误"):
        call_command("import_self_assessment", path, "--school", sa.school.code, "--round", sa.sa_round.name,
                     stdout=io.StringIO(), stderr=err)
    assert "F4" in err.getvalue() and "F5" in err.getvalue()
    assert not SelfScore.objects.exists()


def test_import_refuses_a_submitted_self_assessment_unknown_school_and_missing_file(sa, tmp_path):
    path = _workbook(sa, tmp_path, [0, 0, 0, 0, 0])
    submitted(sa)
    before = list(SelfScore.objects.values_list("points", flat=True))
    with pytest.raises(CommandError, match="自评已提交"):
        _run("import_self_assessment", path, "--school", sa.school.code, "--round", sa.sa_round.name)
    assert list(SelfScore.objects.values_list("points", flat=True)) == before
    with pytest.raises(CommandError, match="找不到学校代码"):
        _run("import_self_assessment", path, "--school", "NOPE", "--round", sa.sa_round.name)
    with pytest.raises(CommandError, match="找不到文件"):
        _run("import_self_assessment", str(tmp_path / "none.xlsx"), "--school", sa.other_school.code,
             "--round", sa.sa_round.name, "--by", "admin")


def test_import_needs_an_operator_when_the_school_has_no_single_account(sa, tmp_path):
    fill(sa, school_user=sa.other_school_user)
    f.user("xx2", "学校（填报）", school=sa.other_school)
    path = _workbook(sa, tmp_path, [1, 1, 1, 1, 1])
    with pytest.raises(CommandError, match="请用 --by 指定操作人"):
        _run("import_self_assessment", path, "--school", sa.other_school.code, "--round", sa.sa_round.name)
    _run("import_self_assessment", path, "--school", sa.other_school.code, "--round", sa.sa_round.name, "--by", "admin")
    assert SelfScore.objects.filter(self_assessment__school=sa.other_school, element__code="C1").get().points == 1


@pytest.mark.parametrize("who", ["official", "city_official", "alice", "other_school_user", "security_admin", "nobody"])
def test_import_refuses_an_operator_who_is_neither_admin_nor_the_schools_account(sa, tmp_path, who):
    path = _workbook(sa, tmp_path, [1, 1, 1, 1, 1])
    with pytest.raises(CommandError, match="只有管理员或本校的学校（填报）账号"):
        _run("import_self_assessment", path, "--school", sa.school.code, "--round", sa.sa_round.name,
             "--by", getattr(sa, who).username)
    assert not SelfScore.objects.exists() and not Transition.objects.exists()


def test_import_refuses_an_inactive_account(sa, tmp_path):
    sa.school_user.is_active = False
    sa.school_user.save(update_fields=["is_active"])
    path = _workbook(sa, tmp_path, [1, 1, 1, 1, 1])
    with pytest.raises(CommandError, match="只有管理员或本校的学校（填报）账号"):
        _run("import_self_assessment", path, "--school", sa.school.code, "--round", sa.sa_round.name,
             "--by", sa.school_user.username)
    assert not SelfScore.objects.exists()


@pytest.mark.parametrize("who", ["admin", "school_user"])
def test_import_accepts_the_admin_or_the_schools_own_account(sa, tmp_path, who):
    path = _workbook(sa, tmp_path, [1, 1, 1, 1, 1])
    _run("import_self_assessment", path, "--school", sa.school.code, "--round", sa.sa_round.name,
         "--by", getattr(sa, who).username)
    assert SelfScore.objects.filter(self_assessment__school=sa.school).count() == 5


def test_import_refusal_exits_non_zero_from_the_command_line(sa, tmp_path):
    """What a script sees: the message on stderr and exit status 1 (run_from_argv, the path manage.py takes)."""
    from selfassessment.management.commands.import_self_assessment import Command

    path = _workbook(sa, tmp_path, [1, 1, 1, 1, 1])
    err = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        Command(stdout=io.StringIO(), stderr=err).run_from_argv([
            "manage.py", "import_self_assessment", path, "--school", sa.school.code, "--round", sa.sa_round.name,
            "--by", sa.official.username])
    assert exited.value.code == 1 and "只有管理员或本校的学校（填报）账号" in err.getvalue()


def _decisions(sa) -> dict:
    data = json.loads(_run("self_assessment_status", "--round", sa.sa_round.name, "--format", "json"))
    return {r["school_code"]: (r["status"], r["district_decision"], r["district_opinion"]) for r in data["schools"]}


def test_status_json_district_decision_through_the_chain(sa):
    from selfassessment import services

    code = sa.school.code
    assert _decisions(sa)[code] == ("not_started", "", "")
    row = fill(sa)
    assert _decisions(sa)[code] == ("draft", "", "")
    services.self_assessment_submit(self_assessment=row, by=sa.school_user)
    assert _decisions(sa)[code] == ("submitted", "", "")
    services.self_assessment_return(self_assessment=row, by=sa.official, reason="补充")
    assert _decisions(sa)[code] == ("returned", "退回", "")
    services.self_assessment_submit(self_assessment=row, by=sa.school_user)
    assert _decisions(sa)[code] == ("submitted", "", "")
    services.self_assessment_recommend(self_assessment=row, by=sa.official, opinion="同意推荐")
    assert _decisions(sa)[code] == ("recommended", "推荐", "同意推荐")
    services.self_assessment_send_back(self_assessment=row, by=sa.admin, reason="意见过简")
    assert _decisions(sa)[code] == ("submitted", "", "")
    services.self_assessment_recommend(self_assessment=row, by=sa.official, opinion="补充后同意")
    services.self_assessment_decline(self_assessment=row, by=sa.admin, reason="名额已满")
    assert _decisions(sa)[code] == ("declined", "推荐", "补充后同意")


def test_status_json_district_decision_of_an_admitted_school(sa):
    from selfassessment import services

    from .conftest import recommended

    services.self_assessment_admit(self_assessment=recommended(sa), by=sa.admin)
    assert _decisions(sa)[sa.school.code] == ("admitted", "推荐", "办学规范，同意推荐。")
