"""`manage.py rubric import FILE`: a new DRAFT; bad files refused in Chinese, nothing written."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from rubric.models import Dimension, Element, Indicator, RubricVersion
from rubric.selectors import rubric_as_dict
from rubric.services import rubric_export

from .conftest import xian_dict


def _run(*args) -> str:
    out = io.StringIO()
    call_command("rubric", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _counts():
    return (RubricVersion.objects.count(), Dimension.objects.count(), Indicator.objects.count(), Element.objects.count())


def _write(tmp_path, data, name="r.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _refused(path, *fragments):
    before = _counts()
    with pytest.raises(CommandError) as info:
        _run("import", path)
    message = str(info.value)
    assert "未写入任何内容" in message
    for fragment in fragments:
        assert fragment in message, message
    assert _counts() == before
    return message


@pytest.mark.django_db
def test_a_json_file_becomes_a_new_draft(tmp_path, small):
    out = _run("import", _write(tmp_path, small))
    version = RubricVersion.objects.get(code="sample-small")
    assert version.status == RubricVersion.Status.DRAFT
    assert "已导入为草稿版本 sample-small" in out
    assert rubric_as_dict(version=version) == small


@pytest.mark.django_db
def test_export_then_import_round_trips_the_xian_rubric(tmp_path):
    data = xian_dict()
    data["code"] = "xian-copy"
    _run("import", _write(tmp_path, data))
    assert rubric_as_dict(version=RubricVersion.objects.get(code="xian-copy")) == data


@pytest.mark.django_db
def test_xlsx_export_imports_back_identically(tmp_path):
    version = RubricVersion.objects.get(code="xian-2020")
    path = tmp_path / "r.xlsx"
    path.write_bytes(rubric_export(version=version, format="xlsx"))
    wb = load_workbook(path)
    wb["评估细则"]["B1"] = "xian-xlsx"
    wb.save(path)
    _run("import", str(path))
    expected = xian_dict()
    expected["code"] = "xian-xlsx"
    assert rubric_as_dict(version=RubricVersion.objects.get(code="xian-xlsx")) == expected


@pytest.mark.django_db
def test_invalid_json_is_refused_with_line_and_column(tmp_path):
    _refused(_write(tmp_path, '{"code": "x",\n  "name": }'), "JSON 格式错误", "第 2 行")


@pytest.mark.django_db
def test_a_file_that_is_neither_json_nor_xlsx_is_refused(tmp_path):
    path = tmp_path / "r.json"
    path.write_bytes("编码".encode("gb18030"))
    _refused(str(path), "UTF-8")


@pytest.mark.django_db
def test_wrong_types_are_refused_naming_the_field(tmp_path, small):
    small["name"] = 5
    small["dimensions"][0]["indicators"] = "B1"
    _refused(_write(tmp_path, small), "字段“name”必须是文本", "一级指标 A1：字段“indicators”必须是非空列表")


@pytest.mark.django_db
def test_floats_are_refused_naming_the_element(tmp_path, small):
    small["dimensions"][1]["indicators"][0]["elements"][1]["points"] = 1.0
    _refused(_write(tmp_path, small), "评估要素 C5 points", "十进制字符串")


@pytest.mark.django_db
def test_duplicate_version_code_is_refused(tmp_path):
    _refused(_write(tmp_path, xian_dict()), "版本代码“xian-2020”已存在")


@pytest.mark.django_db
def test_sums_not_matching_are_refused_at_every_level(tmp_path, small):
    small["dimensions"][0]["indicators"][0]["elements"][0]["points"] = "2.5"  # B1 now 4 ≠ 3.5
    small["dimensions"][1]["points"] = "5"  # A2 says 5, its B's add up to 4
    _refused(
        _write(tmp_path, small),
        "二级指标 B1：标明 3.5 分，但其评估要素合计 4 分",
        "一级指标 A2：标明 5 分，但其二级指标合计 4 分",
        "细则：标明总分 10 分，但一级指标合计 11 分",
    )


@pytest.mark.django_db
def test_every_problem_is_listed_at_once(tmp_path, small):
    small["dimensions"][0]["indicators"][0]["elements"][0]["text"] = ""
    small["dimensions"][0]["indicators"][0]["elements"][1]["step"] = "0.4"
    small["dimensions"][1]["indicators"][0]["elements"][0]["code"] = "C1"
    message = _refused(_write(tmp_path, small), "评估要素 C1：字段“text”不能为空", "步长 0.4 不能整除标准分 1.5", "编号“C1”重复")
    assert message.count("\n") >= 3


@pytest.mark.django_db
def test_missing_file_is_refused():
    with pytest.raises(CommandError, match="文件不存在"):
        _run("import", "/nonexistent/rubric.json")


@pytest.mark.django_db
def test_xlsx_cell_errors_name_the_cell(tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(rubric_export(version=RubricVersion.objects.get(code="xian-2020"), format="xlsx"))
    wb = load_workbook(path)
    ws = wb["评估细则"]
    ws["B1"] = "xian-bad"
    ws["I7"] = "一分"
    ws["I8"] = 0.333
    ws["G9"] = None
    wb.save(path)
    _refused(str(path), "单元格 I7：分值“一分”不是有效数字", "单元格 I8：分值“0.333”最多保留两位小数", "单元格 G9：评估要素编号不能为空")


@pytest.mark.django_db
def test_xlsx_sum_errors_name_the_cell_and_the_code(tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(rubric_export(version=RubricVersion.objects.get(code="xian-2020"), format="xlsx"))
    wb = load_workbook(path)
    ws = wb["评估细则"]
    ws["B1"] = "xian-bad"
    ws["I6"] = 2  # C1: 1 → 2, B1 still says 3
    wb.save(path)
    _refused(str(path), "单元格 F6：二级指标 B1：标明 3 分，但其评估要素合计 4 分")


@pytest.mark.django_db
def test_xlsx_with_a_wrong_header_is_refused(tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(rubric_export(version=RubricVersion.objects.get(code="xian-2020"), format="xlsx"))
    wb = load_workbook(path)
    wb["评估细则"]["H5"] = "内容"
    wb.save(path)
    _refused(str(path), "第 5 行表头应为")


@pytest.mark.django_db
def test_a_broken_xlsx_is_refused(tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    _refused(str(path), "不是有效的 xlsx")


@pytest.mark.django_db
def test_the_sample_fixture_imports_and_publishes(tmp_path):
    from .conftest import SMALL

    _run("import", str(SMALL))
    out = _run("publish", "sample-small")
    assert "已发布 sample-small" in out
    assert RubricVersion.objects.get(code="sample-small").status == RubricVersion.Status.PUBLISHED


@pytest.mark.django_db
def test_an_xlsx_that_inflates_too_far_is_refused_before_openpyxl_reads_it(tmp_path):
    import zipfile

    path = tmp_path / "r.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:  # 60 MB of zeros in a ~60 KB file
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    _refused(str(path), "解压后过大")
