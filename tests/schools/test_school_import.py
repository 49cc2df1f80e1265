"""school_import and the file reader: all or nothing, every bad cell named by row and column."""

import csv
import io
import zipfile

import pytest

from schools.importing import MAX_FILE_BYTES, SchoolFileError, read_school_file
from schools.models import School
from schools.services import SchoolImportError, school_import

from .conftest import GOOD_ROWS, HEADERS, make_csv, make_xlsx

pytestmark = pytest.mark.django_db


def import_file(name: str, data: bytes):
    return school_import(rows=read_school_file(name=name, data=data))


def errors_of(name: str, data: bytes) -> list[str]:
    with pytest.raises((SchoolImportError, SchoolFileError)) as info:
        import_file(name, data)
    return info.value.errors


def test_it_imports_a_good_xlsx():
    result = import_file("学校.xlsx", make_xlsx(GOOD_ROWS))
    assert sorted(result.created) == ["6101130001", "6101160002", "6101240003"]
    school = School.objects.select_related("district").get(code="6101240003")
    assert school.district.name == "周至县"  # matched by district code
    assert school.stage == School.Stage.JUNIOR
    assert school.location == School.Location.RURAL
    yanta = School.objects.get(code="6101130001")
    assert (yanta.name, yanta.address, yanta.principal) == ("西安市雁塔区第二小学", "西安市雁塔区小寨路 12 号", "刘芳")


@pytest.mark.parametrize(
    "encoding,bom",
    [("utf-8", False), ("utf-8", True), ("gb18030", False)],
    ids=["utf8", "utf8-bom", "gb18030"],
)
def test_it_imports_csv_in_the_encodings_excel_writes(encoding, bom):
    result = import_file("schools.csv", make_csv(GOOD_ROWS, encoding=encoding, bom=bom))
    assert len(result.created) == 3
    assert School.objects.get(code="6101160002").name == "长安区王曲街道中心小学"


def test_it_reads_utf16_tab_separated_text():
    data = "\ufeff".encode("utf-16-le")[:0] + b"\xff\xfe" + make_csv(GOOD_ROWS, delimiter="\t").decode().encode("utf-16-le")
    assert len(import_file("schools.csv", data).created) == 3


def test_it_matches_columns_by_header_name_in_any_order_and_skips_a_title_row():
    order = [6, 4, 3, 2, 1, 0, 5]
    headers = [HEADERS[i] for i in order]
    rows = [[row[i] for i in order] for row in GOOD_ROWS]
    result = import_file("schools.xlsx", make_xlsx(rows, headers, title_row="西安市义务教育学校名单"))
    assert len(result.created) == 3
    assert School.objects.get(code="6101130001").principal == "刘芳"


def test_a_number_typed_as_code_in_excel_keeps_its_digits():
    rows = [[6101130009, "西安市雁塔区第九小学", "雁塔区", "小学", "城区", "", ""]]
    import_file("schools.xlsx", make_xlsx(rows))
    assert School.objects.filter(code="6101130009").exists()


def test_a_second_import_of_the_same_file_updates_instead_of_duplicating():
    data = make_xlsx(GOOD_ROWS)
    import_file("schools.xlsx", data)
    again = import_file("schools.xlsx", data)
    assert again.created == [] and again.updated == []
    assert len(again.unchanged) == 3
    assert School.objects.count() == 3

    changed = [list(r) for r in GOOD_ROWS]
    changed[0][6] = "新校长"
    changed[1][4] = "城区"
    result = import_file("schools.xlsx", make_xlsx(changed))
    assert sorted(result.updated) == ["6101130001", "6101160002"]
    assert School.objects.count() == 3
    assert School.objects.get(code="6101130001").principal == "新校长"
    assert School.objects.get(code="6101160002").location == School.Location.URBAN


def test_it_reports_every_bad_cell_with_row_and_column_and_writes_nothing():
    rows = [
        GOOD_ROWS[0],
        ["6101130002", "", "雁塔区", "高中", "城区", "", ""],
        ["6101130003", "某学校", "火星区", "小学", "郊区", "", ""],
        ["", "无代码学校", "雁塔区", "小学", "城区", "", ""],
    ]
    errors = errors_of("schools.xlsx", make_xlsx(rows))
    assert "第 3 行「学校名称」：不能为空。" in errors
    assert "第 3 行「学段」：“高中”不是有效的学段（小学/初中/九年一贯制）。" in errors
    assert any(e.startswith("第 4 行「所属区县」：“火星区”不是已知的区县") for e in errors)
    assert "第 4 行「城乡类别」：“郊区”不是有效的城乡类别（城区/镇区/乡村）。" in errors
    assert "第 5 行「学校代码」：不能为空。" in errors
    assert len(errors) == 5
    assert School.objects.count() == 0  # the good first row was not imported either


def test_a_bad_row_leaves_existing_schools_untouched():
    import_file("schools.xlsx", make_xlsx(GOOD_ROWS))
    changed = [list(r) for r in GOOD_ROWS]
    changed[0][1] = "改过的名字"
    changed[2][3] = "大学"
    errors_of("schools.xlsx", make_xlsx(changed))
    assert School.objects.get(code="6101130001").name == "西安市雁塔区第二小学"


def test_duplicate_codes_within_one_file_are_errors():
    rows = [GOOD_ROWS[0], GOOD_ROWS[1], [GOOD_ROWS[0][0], "另一所学校", "碑林区", "小学", "城区", "", ""]]
    errors = errors_of("schools.csv", make_csv(rows))
    assert errors == ["第 4 行「学校代码」：“6101130001”与第 2 行重复。"]
    assert School.objects.count() == 0


def test_too_long_values_are_reported_at_their_column():
    rows = [["6101130001", "校" * 101, "雁塔区", "小学", "城区", "", "长" * 51]]
    errors = errors_of("schools.xlsx", make_xlsx(rows))
    assert len(errors) == 2
    assert errors[0].startswith("第 2 行「学校名称」：")
    assert errors[1].startswith("第 2 行「校长」：")


def test_codes_with_odd_characters_are_refused():
    rows = [["61011 3'; DROP", "某校", "雁塔区", "小学", "城区", "", ""]]
    assert errors_of("schools.csv", make_csv(rows)) == [
        "第 2 行「学校代码」：“61011 3'; DROP”只能包含字母、数字和连字符。"
    ]


def test_a_missing_required_column_is_reported():
    headers = ["学校代码", "学校名称", "所属区县", "城乡类别"]
    errors = errors_of("schools.xlsx", make_xlsx([["1", "某校", "雁塔区", "城区"]], headers))
    assert errors == ["表头缺少列「学段」（第 1 行）。"]


def test_a_file_without_header_is_reported():
    errors = errors_of("schools.csv", "a,b,c\n1,2,3\n".encode())
    assert errors[0].startswith("找不到表头")


def test_a_file_with_only_headers_is_reported():
    assert errors_of("schools.xlsx", make_xlsx([])) == ["文件中没有学校数据。"]


def test_blank_lines_are_skipped_and_row_numbers_stay_true():
    rows = [GOOD_ROWS[0], ["", "", "", "", "", "", ""], ["6101130005", "某校", "雁塔区", "高中", "城区", "", ""]]
    errors = errors_of("schools.xlsx", make_xlsx(rows))
    assert errors == ["第 4 行「学段」：“高中”不是有效的学段（小学/初中/九年一贯制）。"]


def test_a_too_large_file_is_refused_before_parsing():
    errors = errors_of("schools.csv", b"x" * (MAX_FILE_BYTES + 1))
    assert errors[0].startswith("文件过大")


def test_a_zip_bomb_posing_as_xlsx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    assert len(buffer.getvalue()) < MAX_FILE_BYTES
    assert errors_of("bomb.xlsx", buffer.getvalue()) == ["Excel 文件解压后过大，已拒绝处理。"]


def test_garbage_named_xlsx_is_refused_with_a_message():
    errors = errors_of("schools.xlsx", b"this is not a spreadsheet")
    assert errors[0].startswith("无法读取该 Excel 文件")


def test_an_xlsx_with_an_xml_entity_bomb_is_refused():
    data = make_xlsx(GOOD_ROWS)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = bomb.encode() if item.filename == "xl/worksheets/sheet1.xml" else source.read(item.filename)
            target.writestr(item, content)
    errors = errors_of("schools.xlsx", out.getvalue())
    assert errors == ["无法读取该 Excel 文件：文件已损坏或不是有效的 .xlsx。"]
    assert School.objects.count() == 0


def test_unsupported_file_types_are_refused():
    assert errors_of("schools.pdf", b"%PDF-1.4")[0].startswith("不支持的文件类型")


# ---------------------------------------------------------------- the hostile probe (issue 12)


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe" + "学校代码,学校名称".encode("utf-16-le") + b"\x00\xd8garbage",  # lone surrogate, odd length
        b"\xfe\xff\x00a\xdc\x00",
        b"\xef\xbb\xbf\xff\xfe\xfd garbage",
    ],
    ids=["utf16-le", "utf16-be", "utf8-bom"],
)
def test_a_csv_with_a_bom_and_garbage_gets_a_clear_error(data):
    errors = errors_of("schools.csv", data)
    assert len(errors) == 1 and "不是有效的 UTF-" in errors[0]


def test_school_names_that_would_become_paths_or_hide_characters_are_refused():
    from tests.hostile import strings

    hostile = [s for s in strings("path_traversal", "control_and_noncharacters") if "\0" not in s] + ["学校\n第二行"]
    rows = [[f"61011300{i:02d}", name, "雁塔区", "小学", "城区", "", ""] for i, name in enumerate(hostile)]
    data = io.StringIO()
    csv.writer(data).writerows([HEADERS, *rows])  # quoted, so line breaks stay inside their cell
    errors = errors_of("schools.csv", data.getvalue().encode("utf-8"))
    assert len(errors) == len(hostile)
    assert all("「学校名称」" in e and ("不能包含" in e) for e in errors), errors
    assert School.objects.count() == 0


def test_the_school_form_refuses_a_path_as_name(django_user_model):
    from schools.forms import SchoolForm
    from schools.models import District

    district = District.objects.get(name="雁塔区")
    form = SchoolForm({"code": "6101110002", "name": "a/../../../x/zipslip", "district": district.pk,
                       "stage": "primary", "location": "urban"})
    assert not form.is_valid() and "不能包含" in form.errors["name"][0]
