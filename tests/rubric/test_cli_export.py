"""`manage.py rubric export`: JSON reproduces the fixture; xlsx is readable with merged cells."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from audit.models import AuditEvent
from rubric.services import rubric_clone, rubric_publish

from .conftest import xian_dict


def _run(*args) -> str:
    out = io.StringIO()
    call_command("rubric", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_json_export_on_a_fresh_database_reproduces_the_fixture():
    exported = json.loads(_run("export", "--format", "json"))
    assert exported == xian_dict()


@pytest.mark.django_db
def test_points_are_normalised_decimal_strings_with_step():
    exported = json.loads(_run("export"))
    element = exported["dimensions"][0]["indicators"][0]["elements"][0]
    assert element["points"] == "1" and element["step"] == "0.5"
    assert exported["total"] == "100"


@pytest.mark.django_db
def test_export_is_audited():
    _run("export")
    assert AuditEvent.objects.filter(event="rubric.export", object_repr__contains="xian-2020").exists()


def test_default_version_is_the_newest_published(world):
    new = rubric_clone(version=world.version, code="xian-2027", name="新版", by=world.admin)
    assert json.loads(_run("export"))["code"] == "xian-2020"  # a draft is never the default
    rubric_publish(version=new, by=world.admin)
    assert json.loads(_run("export"))["code"] == "xian-2027"


def test_version_option_shows_any_version_including_drafts(world):
    rubric_clone(version=world.version, code="xian-2027", by=world.admin)
    assert json.loads(_run("export", "--version", "xian-2027"))["code"] == "xian-2027"


@pytest.mark.django_db
def test_unknown_version_is_refused():
    with pytest.raises(CommandError, match="找不到细则版本“nope”"):
        _run("export", "--version", "nope")


@pytest.mark.django_db
def test_output_file(tmp_path):
    target = tmp_path / "r.json"
    assert _run("export", "-o", str(target)) == ""
    assert json.loads(target.read_text(encoding="utf-8")) == xian_dict()


@pytest.mark.django_db
def test_xlsx_export_is_a_readable_sheet_with_merged_cells(tmp_path):
    target = tmp_path / "r.xlsx"
    _run("export", "--format", "xlsx", "-o", str(target))
    ws = load_workbook(target)["评估细则"]
    assert ws["B1"].value == "xian-2020" and ws["B3"].value == 100
    assert [c.value for c in ws[5]][:9] == [
        "一级指标", "一级指标名称", "一级指标分值", "二级指标", "二级指标内容", "二级指标分值",
        "评估要素", "评估要素内容", "标准分",
    ]
    assert ws["K5"].value == "评估方法"
    # 84 element rows after the header; A1 (C1..C6 in the fixture) spans several merged rows.
    codes = [ws[f"G{r}"].value for r in range(6, ws.max_row + 1)]
    assert codes == [f"C{n}" for n in range(1, 85)]
    merged = {str(r) for r in ws.merged_cells.ranges}
    a1_rows = len(xian_dict()["dimensions"][0]["indicators"][0]["elements"])
    assert f"A6:A{5 + a1_rows}" in merged
    assert f"K6:K{5 + a1_rows}" in merged
    assert ws["A6"].value == "A1" and ws["D6"].value == "B1" and ws["I6"].value == 1
