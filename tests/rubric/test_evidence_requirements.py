"""Evidence requirements (佐证要求) per element: fixture, formats (schema 2), clone, diff, editor, lock."""

import importlib
import io
import json
import re

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from rubric.models import EvidenceRequirement, RubricLocked, RubricVersion
from rubric.schema import RubricFormatError, parse_rubric
from rubric.selectors import rubric_as_dict, rubric_compare, rubric_history
from rubric.services import rubric_clone, rubric_export, rubric_import, rubric_publish
from rubric.xlsx import rubric_dict_from_xlsx, rubric_xlsx
from tests.hostile import strings

from .conftest import XIAN, small_dict


def _fixture() -> dict:
    return json.loads(XIAN.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the Xi'an fixture


def test_every_xian_element_asks_for_the_materials_its_dimensions_methods_name():
    data = _fixture()
    assert data["schema"] == 2
    assert "非细则原文" in data["requirements_source"] and "评估方法" in data["requirements_source"]
    for dim in data["dimensions"]:
        for ind in dim["indicators"]:
            for element in ind["elements"]:
                [req] = element["evidence"]
                # Derived only from the methods text: the name is a material the methods tell inspectors to read.
                assert "查阅" + req["name"] in dim["methods"], (element["code"], req["name"])
                assert req["required"] is True and req["kinds"] == ["document", "image"]
                assert "非细则原文" in req["note"]


def test_the_migrated_version_carries_the_fixtures_requirements(db):
    version = RubricVersion.objects.get(code="xian-2020")
    assert EvidenceRequirement.objects.filter(version=version).count() == 84
    a1 = EvidenceRequirement.objects.get(version=version, element__code="C1")
    assert a1.name == "党建工作计划、总结、会议记录和落实措施等材料" and a1.kind_list == ["document", "image"]


def test_the_data_migration_adds_them_once_and_leaves_other_trees_alone(db):
    migration = importlib.import_module("rubric.migrations.0004_xian_2020_evidence_requirements")
    version = RubricVersion.objects.get(code="xian-2020")
    EvidenceRequirement.objects.filter(version=version).delete()  # as a database before this migration
    migration.add(apps, None)
    assert EvidenceRequirement.objects.filter(version=version).count() == 84
    migration.add(apps, None)  # idempotent
    assert EvidenceRequirement.objects.filter(version=version).count() == 84


def test_published_requirements_are_frozen(world):
    req = EvidenceRequirement.objects.filter(version=world.version).first()
    req.name = "改名"
    with pytest.raises(RubricLocked):
        req.save()
    with pytest.raises(RubricLocked):
        req.delete()


# ---------------------------------------------------------------- JSON schema 2


def test_a_schema_1_file_still_imports_without_requirements(db):
    data = small_dict()
    data.pop("schema")
    for e in (e for d in data["dimensions"] for i in d["indicators"] for e in i["elements"]):
        e.pop("evidence")
    version = rubric_import(content=json.dumps(data).encode(), filename="old.json")
    assert not EvidenceRequirement.objects.filter(version=version).exists()
    assert rubric_as_dict(version=version)["schema"] == 2  # export writes the current schema


def test_the_small_sample_round_trips_with_its_requirements(db):
    version = rubric_import(content=json.dumps(small_dict()).encode(), filename="s.json")
    assert rubric_as_dict(version=version) == small_dict()
    assert EvidenceRequirement.objects.get(version=version, element__code="C5").kind_list == ["image"]


def _first(data):
    return data["dimensions"][0]["indicators"][0]["elements"][0]


@pytest.mark.parametrize("change,message", [
    (lambda d: d.update(schema=3), "不支持的格式版本 schema=3"),
    (lambda d: d.pop("schema"), "须在 \"schema\": 2 的文件中填写"),
    (lambda d: _first(d).update(evidence="规划"), "evidence 必须是列表"),
    (lambda d: _first(d)["evidence"][0].update(name=""), "第 1 项佐证要求：材料名称不能为空"),
    (lambda d: _first(d)["evidence"][0].update(name="规\u202e划"), "控制字符"),
    (lambda d: _first(d)["evidence"][0].update(name="规" * 101), "最多 100 个字符"),
    (lambda d: _first(d)["evidence"][0].update(kinds=["video"]), "接受的类型须从文档、图片、表格中选择"),
    (lambda d: _first(d)["evidence"][0].update(kinds=[]), "接受的类型须从"),
    (lambda d: _first(d)["evidence"][0].update(required="yes"), "required 必须是 true 或 false"),
    (lambda d: _first(d)["evidence"].append(dict(_first(d)["evidence"][0])), "重复"),
])
def test_bad_requirements_are_refused_naming_the_element_and_item(db, change, message):
    data = small_dict()
    change(data)
    before = (RubricVersion.objects.count(), EvidenceRequirement.objects.count())
    with pytest.raises(RubricFormatError) as exc:
        rubric_import(content=json.dumps(data).encode(), filename="bad.json")
    assert any(message in e for e in exc.value.errors), exc.value.errors
    assert (RubricVersion.objects.count(), EvidenceRequirement.objects.count()) == before


# ---------------------------------------------------------------- xlsx: the second sheet


def test_the_workbook_has_a_requirements_sheet_that_reads_back(world):
    content = rubric_export(version=world.version, format="xlsx")
    book = load_workbook(io.BytesIO(content))
    sheet = book["佐证要求"]
    assert [c.value for c in sheet[1]] == ["要素编号", "名称", "必需", "类型", "说明"]
    assert [c.value for c in sheet[2]][:4] == ["C1", "党建工作计划、总结、会议记录和落实措施等材料", "是", "文档、图片"]
    assert rubric_dict_from_xlsx(content) == rubric_as_dict(version=world.version)


def _workbook_with(rows) -> bytes:
    content = rubric_xlsx(small_dict())
    book = load_workbook(io.BytesIO(content))
    sheet = book["佐证要求"]
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("row,message", [
    (["C9", "规划", "是", "文档", ""], "工作表“佐证要求”单元格 A2：评估要素“C9”不在“评估细则”工作表中"),
    (["C1", "规划", "也许", "文档", ""], "工作表“佐证要求”单元格 C2：请填“是”或“否”"),
    (["C1", "规划", "是", "视频", ""], "工作表“佐证要求”单元格 D2：类型只能是文档、图片、表格"),
    (["C1", "", "是", "文档", ""], "工作表“佐证要求”单元格 B2：材料名称不能为空"),
    (["C1", "规" * 101, "是", "文档", ""], "工作表“佐证要求”第 2 行：评估要素 C1 第 1 项佐证要求：材料名称最多 100 个字符"),
])
def test_requirement_cells_are_checked_and_named(db, row, message):
    with pytest.raises(RubricFormatError) as exc:
        rubric_dict_from_xlsx(_workbook_with([row]))
    assert any(message in e for e in exc.value.errors), exc.value.errors


def test_a_workbook_without_the_sheet_is_schema_1(db):
    data = small_dict()
    data.pop("schema")
    for e in (e for d in data["dimensions"] for i in d["indicators"] for e in i["elements"]):
        e.pop("evidence")
    content = rubric_xlsx(data)
    assert "佐证要求" not in load_workbook(io.BytesIO(content)).sheetnames
    assert rubric_dict_from_xlsx(content) == data
    parse_rubric(rubric_dict_from_xlsx(content))


def test_hostile_requirement_texts_are_inert_in_the_workbook(db):
    data = small_dict()
    texts = [s for s in strings() if s.strip() and len(s) <= 100 and not any(ord(c) < 32 or 0x7f <= ord(c) < 0xa0 or
                                                                              c in "\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\ufffe\uffff"
                                                                              for c in s)]
    _first(data)["evidence"] = [{"name": t.strip(), "required": True, "kinds": ["document"], "note": t[:500]}
                                for t in dict.fromkeys(t.strip() for t in texts[:20])]
    parse_rubric(data)
    content = rubric_xlsx(data)
    sheet = load_workbook(io.BytesIO(content))["佐证要求"]
    for row in sheet.iter_rows(min_row=2, values_only=True):
        assert not str(row[1]).startswith(("=", "+", "-", "@"))
    assert rubric_dict_from_xlsx(content) == data


# ---------------------------------------------------------------- clone, diff, history


def test_a_clone_copies_the_requirements_and_diff_shows_their_changes(world):
    draft = rubric_clone(version=world.version, code="xian-2027", name="2027", by=world.admin)
    assert EvidenceRequirement.objects.filter(version=draft).count() == 84
    req = EvidenceRequirement.objects.get(version=draft, element__code="C5")
    req.name, req.kinds = "新材料", "spreadsheet"
    req.save()
    [change] = [c for c in rubric_compare(old=world.version, new=draft) if c.code == "C5"]
    assert change.field == "佐证要求" and "新材料（必需；表格" in change.new and "文档、图片" in change.old


# ---------------------------------------------------------------- the editor


@pytest.fixture
def admin(login, world):
    return login(world.admin)


def _fingerprint(admin, version) -> str:
    html = admin.get(reverse("rubric:version_detail", args=[version.pk])).content.decode()
    return re.search(r'name="fingerprint" value="([0-9a-f]{64})"', html).group(1)


def _row(req, **values):
    data = {f"r-{req.pk}-name": values.get("name", req.name),
            f"r-{req.pk}-note": values.get("note", req.note)}
    kinds = values.get("kinds", req.kind_list)
    data[f"r-{req.pk}-kinds"] = kinds
    if values.get("required", req.required):
        data[f"r-{req.pk}-required"] = "on"
    if values.get("delete"):
        data[f"r-{req.pk}-delete"] = "on"
    return data


def test_the_editor_adds_changes_and_deletes_requirements(admin, draft, world):
    c1, c2 = draft.elements.get(code="C1"), draft.elements.get(code="C2")
    r1 = EvidenceRequirement.objects.get(version=draft, element=c1)
    r2 = EvidenceRequirement.objects.get(version=draft, element=c2)
    data = {"fingerprint": _fingerprint(admin, draft),
            **_row(r1, name="党组织会议记录", kinds=["document", "spreadsheet"], required=False, note="近三年"),
            **_row(r2, delete=True),
            f"n-{c1.pk}-name": "党员名册", f"n-{c1.pk}-required": "on", f"n-{c1.pk}-kinds": ["image"]}
    response = admin.post(reverse("rubric:version_save", args=[draft.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    r1.refresh_from_db()
    assert (r1.name, r1.kind_list, r1.required, r1.note) == ("党组织会议记录", ["document", "spreadsheet"], False, "近三年")
    assert not EvidenceRequirement.objects.filter(pk=r2.pk).exists()
    new = EvidenceRequirement.objects.get(version=draft, element=c1, name="党员名册")
    assert new.kind_list == ["image"] and new.required and new.order == 2
    entries = rubric_history(version=draft)
    items = [e.item for e in entries]
    assert "佐证要求 C1：党员名册" in items and any(e.kind == "-" and e.item.startswith("佐证要求 C2") for e in entries)
    html = admin.get(reverse("rubric:version_history", args=[draft.pk])).content.decode()
    assert "党员名册" in html


@pytest.mark.parametrize("values,field,message", [
    ({"name": ""}, "name", "材料名称不能为空"),
    ({"kinds": []}, "kinds", "接受的类型须从"),
    ({"name": "规\u202e划"}, "name", "控制字符"),
    ({"note": "说" * 501}, "note", "最多 500 个字符"),
])
def test_a_bad_requirement_is_shown_at_its_field_and_nothing_is_saved(admin, draft, values, field, message):
    req = EvidenceRequirement.objects.filter(version=draft).order_by("element__order").first()
    c9 = draft.elements.get(code="C9")
    before = sorted(EvidenceRequirement.objects.filter(version=draft).values_list("name", "kinds", "note"))
    before_text = c9.text
    response = admin.post(reverse("rubric:version_save", args=[draft.pk]), {
        "fingerprint": _fingerprint(admin, draft), **_row(req, **values), f"e-{c9.pk}-text": "改 C9"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert f'id="r-{req.pk}-{field}' in response.content.decode()
    assert sorted(EvidenceRequirement.objects.filter(version=draft).values_list("name", "kinds", "note")) == before
    c9.refresh_from_db()
    assert c9.text == before_text


def test_a_duplicate_new_name_is_refused(admin, draft):
    c1 = draft.elements.get(code="C1")
    existing = EvidenceRequirement.objects.get(version=draft, element=c1)
    response = admin.post(reverse("rubric:version_save", args=[draft.pk]), {
        "fingerprint": _fingerprint(admin, draft), f"n-{c1.pk}-name": existing.name, f"n-{c1.pk}-kinds": ["document"]})
    assert response.status_code == 400 and "已有名为" in response.content.decode()
    assert EvidenceRequirement.objects.filter(element=c1).count() == 1


def test_another_admins_requirement_change_makes_a_stale_page_conflict(admin, draft, world, login):
    stale = _fingerprint(admin, draft)
    req = EvidenceRequirement.objects.filter(version=draft).first()
    req.note = "他人修改"
    req.save()
    c9 = draft.elements.get(code="C9")
    response = admin.post(reverse("rubric:version_save", args=[draft.pk]), {"fingerprint": stale, f"e-{c9.pk}-text": "x"})
    assert response.status_code == 409


def test_editing_every_requirement_takes_a_constant_number_of_queries(admin, draft):
    reqs = list(EvidenceRequirement.objects.filter(version=draft).select_related("element"))
    one = {"fingerprint": _fingerprint(admin, draft), **_row(reqs[0], note="改一项")}
    with CaptureQueriesContext(connection) as few:
        assert admin.post(reverse("rubric:version_save", args=[draft.pk]), one).status_code == 302
    every = {"fingerprint": _fingerprint(admin, draft)}
    for n, req in enumerate(reqs):
        every.update(_row(req, note=f"改第 {n} 项"))
    for req in reqs[:10]:
        every.update(_row(req, delete=True))
    for element in draft.elements.all():
        every.update({f"n-{element.pk}-name": "补充材料", f"n-{element.pk}-kinds": ["document"]})
    with CaptureQueriesContext(connection) as many:
        assert admin.post(reverse("rubric:version_save", args=[draft.pk]), every).status_code == 302
    assert EvidenceRequirement.objects.filter(version=draft, name="补充材料").count() == 84
    assert EvidenceRequirement.objects.filter(version=draft, note__startswith="改第").count() == 74
    assert len(many.captured_queries) <= len(few.captured_queries) + 10, (len(few), len(many))


def test_a_published_version_lists_its_requirements_read_only(admin, world):
    html = admin.get(reverse("rubric:version_detail", args=[world.version.pk])).content.decode()
    assert "党建工作计划、总结、会议记录和落实措施等材料（必需；文档、图片）" in html
    assert 'name="r-' not in html


def test_publishing_freezes_the_requirements(admin, draft, world):
    rubric_publish(version=draft, by=world.admin)
    req = EvidenceRequirement.objects.filter(version=draft).first()
    with pytest.raises(RubricLocked):
        req.save()
    response = admin.post(reverse("rubric:version_save", args=[draft.pk]), _row(req, name="改"))
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.name != "改"


def test_the_model_checks_one_requirement(world):
    req = EvidenceRequirement(version=world.version, element=world.version.elements.first(), name="", kinds="video")
    with pytest.raises(ValidationError) as exc:
        req.full_clean()
    assert set(exc.value.message_dict) >= {"name", "kinds"}
