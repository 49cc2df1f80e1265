"""manage.py import_schools FILE: the import page's rules from the command line."""

import pytest
from django.core.management import CommandError, call_command

from schools.models import School

from .conftest import GOOD_ROWS, make_csv, make_xlsx

pytestmark = pytest.mark.django_db


def test_it_imports_a_file_and_prints_the_counts(tmp_path, capsys):
    path = tmp_path / "学校.xlsx"
    path.write_bytes(make_xlsx(GOOD_ROWS))
    call_command("import_schools", str(path))
    assert "导入完成：新增 3 所，更新 0 所，未变化 0 所。" in capsys.readouterr().out
    call_command("import_schools", str(path))
    assert "新增 0 所，更新 0 所，未变化 3 所" in capsys.readouterr().out
    assert School.objects.count() == 3


def test_a_bad_file_exits_non_zero_with_the_errors_on_stderr(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(make_csv([GOOD_ROWS[0], ["6101130002", "某校", "雁塔区", "高中", "城区", "", ""]], bom=True))
    with pytest.raises(CommandError, match="共 1 处错误"):
        call_command("import_schools", str(path))
    assert "第 3 行「学段」：“高中”不是有效的学段（小学/初中/九年一贯制）。" in capsys.readouterr().err
    assert School.objects.count() == 0


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_schools", str(tmp_path / "none.xlsx"))
