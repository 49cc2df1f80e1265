"""The rubric pages for admins: list, tree, draft editor, publish, retire, clone, delete,
import/export and compare."""

import io
import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from accounts import roles
from audit.models import AuditEvent
from rubric.models import Dimension, Element, Indicator, RubricVersion
from rubric.services import rubric_export
from tests import factories as f

from .conftest import xian_dict


@pytest.fixture
def admin(login, world):
    return login(world.admin)


def _el(version, code):
    return version.elements.get(code=code)


def _save(admin, version, data):
    return admin.post(reverse("rubric:version_save", args=[version.pk]), data)


# --- list ---------------------------------------------------------------------------------

def test_list_shows_status_counts_total_and_rounds(admin, world, draft):
    html = admin.get(reverse("rubric:version_list")).content.decode()
    assert "xian-2020" in html and "xian-2027" in html
    assert "已发布" in html and "草稿" in html
    assert "7 / 21 / 84" in html and "100 / 100" in html


def test_list_query_count_is_bounded(admin, world, draft, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        admin.get(reverse("rubric:version_list"))


# --- detail ---------------------------------------------------------------------------------

def test_a_published_version_shows_the_tree_read_only(admin, world):
    html = admin.get(reverse("rubric:version_detail", args=[world.version.pk])).content.decode()
    assert 'id="rubric-editor"' not in html and "rubric/editor.js" not in html
    assert html.count('class="row-c') == 84 and html.count("row-b") == 21
    assert "评估方法" in html and "新建版本（复制）" in html and "停用" in html


def test_a_draft_shows_the_editor_with_its_script_and_no_inline_script(admin, draft):
    html = admin.get(reverse("rubric:version_detail", args=[draft.pk])).content.decode()
    assert 'id="rubric-editor"' in html and "rubric/editor.js" in html
    assert html.count("data-points") == 84
    assert 'id="rubric-live-messages" type="application/json"' in html
    # the only <script> tags are external files or JSON data (CSP: no inline code)
    for chunk in html.split("<script")[1:]:
        assert chunk.lstrip().startswith(("src=", 'id="rubric-live-messages" type="application/json"'))
    assert "onclick" not in html and "oninput" not in html


def test_detail_query_count_is_bounded(admin, draft, django_assert_max_num_queries):
    with django_assert_max_num_queries(13):  # one more since evidence requirements: all of them in one query
        assert admin.get(reverse("rubric:version_detail", args=[draft.pk])).status_code == 200


def test_a_draft_with_problems_highlights_them_at_the_item(admin, draft):
    Element.objects.filter(pk=_el(draft, "C19").pk).update(points=Decimal("2"))
    Element.objects.filter(pk=_el(draft, "C2").pk).update(step=Decimal("0.3"))
    html = admin.get(reverse("rubric:version_detail", args=[draft.pk])).content.decode()
    assert "合计 101 ≠ 100" in html
    assert 'class="row-total table-danger"' in html
    assert 'class="row-c table-danger" id="item-C2"' in html
    assert "评估要素 C2：评分步长 0.3 不能整除标准分 1。" in html
    # the total, and the B and A that hold the extra point (C19 is in B7)
    assert "发布前须修正 4 个问题" in html and "二级指标 B7：合计 4" in html


# --- save -----------------------------------------------------------------------------------

def test_saving_changes_points_step_and_texts(admin, draft, world):
    c19, b1, a1 = _el(draft, "C19"), draft.indicators.get(code="B1"), draft.dimensions.get(code="A1")
    response = _save(admin, draft, {
        f"e-{c19.pk}-points": "1.5", f"e-{c19.pk}-step": "0.25", f"e-{c19.pk}-text": "新的要素内容",
        f"b-{b1.pk}-text": "新的二级指标", f"a-{a1.pk}-name": "新的一级指标", f"a-{a1.pk}-methods": "新的方法",
        "v-name": "改名后的版本", "v-total": "100.5",
    })
    assert response.status_code == 302
    c19.refresh_from_db()
    assert (c19.points, c19.step, c19.text) == (Decimal("1.5"), Decimal("0.25"), "新的要素内容")
    assert Indicator.objects.get(pk=b1.pk).text == "新的二级指标"
    assert Dimension.objects.get(pk=a1.pk).methods == "新的方法"
    draft.refresh_from_db()
    assert (draft.name, draft.total) == ("改名后的版本", Decimal("100.5"))
    page = admin.get(response["Location"]).content.decode()
    assert "已保存 4 处修改" in page  # the version, A1, B1 and C19
    assert "合计 100.5 = 总分 100.5" in page


def test_unchanged_fields_are_not_saved_again(admin, draft, world):
    c1 = _el(draft, "C1")
    _save(admin, draft, {f"e-{c1.pk}-points": "1.00", f"e-{c1.pk}-text": c1.text})
    assert Element.history.filter(id=c1.pk).count() == 1  # only the creation


def _page_fingerprint(admin, version) -> str:
    html = admin.get(reverse("rubric:version_detail", args=[version.pk])).content.decode()
    return re.search(r'name="fingerprint" value="([0-9a-f]{64})"', html).group(1)


def test_a_save_from_a_stale_page_is_refused_and_keeps_both_edits(admin, draft, world, login):
    c19, c9 = _el(draft, "C19"), _el(draft, "C9")
    stale = _page_fingerprint(admin, draft)  # admin one opens the editor (C19 shows 1) …
    # … admin two saves C19 = 2 meanwhile
    colleague = f.user("admin2", roles.ADMIN, name="第二管理员")
    other = login(colleague)
    assert _save(other, draft, {"fingerprint": _page_fingerprint(other, draft), f"e-{c19.pk}-points": "2"}).status_code == 302
    admin = login(world.admin)
    # admin one's page still shows C19 = 1 and they change C9
    response = _save(admin, draft, {"fingerprint": stale, f"e-{c19.pk}-points": "1", f"e-{c9.pk}-points": "1"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "草稿已被其他管理员修改" in html and "本次未保存任何修改" in html
    assert f'id="e-{c9.pk}-points" name="e-{c9.pk}-points" value="1"' in html  # what they typed stays
    # both cells that differ from the stored draft are marked with the stored value
    assert f'is-invalid" id="e-{c9.pk}-points"' in html and f'is-invalid" id="e-{c19.pk}-points"' in html
    assert html.count("最新保存值：2<") == 2
    assert Element.objects.get(pk=c19.pk).points == Decimal("2")  # the colleague's save is not undone
    assert Element.objects.get(pk=c9.pk).points == Decimal("2")  # and nothing of the stale save landed
    # saving again from the re-shown page is a deliberate choice and goes through
    fresh = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', html).group(1)
    assert _save(admin, draft, {"fingerprint": fresh, f"e-{c9.pk}-points": "1"}).status_code == 302
    assert Element.objects.get(pk=c9.pk).points == Decimal("1")


def test_the_fingerprint_changes_with_every_editable_field(draft, world):
    from rubric.selectors import rubric_tree, tree_fingerprint
    from rubric.services import element_update

    before = tree_fingerprint(rubric_tree(version=draft))
    assert before == tree_fingerprint(rubric_tree(version=draft))
    element_update(element=_el(draft, "C3"), step=Decimal("0.25"), by=world.admin)
    after_step = tree_fingerprint(rubric_tree(version=draft))
    element_update(element=_el(draft, "C3"), text="改过的文字", by=world.admin)
    assert len({before, after_step, tree_fingerprint(rubric_tree(version=draft))}) == 3


@pytest.mark.parametrize("value,message,cell", [
    ("abc", "“abc”不是有效数字", "points"),
    ("0", "C19：标准分必须大于 0", "points"),
    ("1.234", "小数", "points"),
    ("1.25", "C19：评分步长 0.5 不能整除标准分 1.25", "step"),
])
def test_a_bad_cell_is_reported_there_and_nothing_is_saved(admin, draft, value, message, cell):
    c19, c1 = _el(draft, "C19"), _el(draft, "C1")
    response = _save(admin, draft, {f"e-{c1.pk}-text": "本应一起保存的修改", f"e-{c19.pk}-points": value})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "本次未保存任何修改" in html
    assert f'id="e-{c19.pk}-points" name="e-{c19.pk}-points" value="{value}"' in html  # what was typed stays
    assert f'is-invalid" id="e-{c19.pk}-{cell}"' in html
    assert Element.objects.get(pk=c1.pk).text != "本应一起保存的修改"
    assert Element.objects.get(pk=c19.pk).points == Decimal("1")


def test_empty_texts_are_refused_at_the_cell(admin, draft):
    b2 = draft.indicators.get(code="B2")
    response = _save(admin, draft, {f"b-{b2.pk}-text": "  "})
    assert response.status_code == 400
    assert "B2：内容不能为空" in response.content.decode()
    from tests.a11y import field_errors

    # the cell says so to a screen reader too: the field is invalid and described by its error
    assert "内容不能为空" in field_errors(response.content.decode())[f"b-{b2.pk}-text"]


def test_saving_a_published_version_is_refused(admin, world):
    c1 = _el(world.version, "C1")
    response = _save(admin, world.version, {f"e-{c1.pk}-points": "3"})
    assert response.status_code == 302
    assert "不能修改" in admin.get(response["Location"]).content.decode()
    assert Element.objects.get(pk=c1.pk).points == Decimal("1")


# --- publish / retire / clone / delete ------------------------------------------------------

def test_publish_refused_lists_every_problem_by_code(admin, draft):
    _save(admin, draft, {f"e-{_el(draft, 'C19').pk}-points": "2", f"e-{_el(draft, 'C3').pk}-step": "0.25"})
    Element.objects.filter(pk=_el(draft, "C5").pk).update(step=Decimal("0.3"))
    response = admin.post(reverse("rubric:version_publish", args=[draft.pk]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "无法发布：4 个问题" in html  # C5's step, the total, and B7 and its A holding the extra point
    assert 'href="#item-C5">C5</a>' in html and "合计 101 ≠ 标明总分 100" in html
    draft.refresh_from_db()
    assert draft.status == RubricVersion.Status.DRAFT


def test_publish_then_retire(admin, draft, world):
    _save(admin, draft, {f"e-{_el(draft, 'C19').pk}-points": "2", f"e-{_el(draft, 'C9').pk}-points": "1"})
    assert admin.post(reverse("rubric:version_publish", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.status == RubricVersion.Status.PUBLISHED
    assert admin.post(reverse("rubric:version_retire", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.status == RubricVersion.Status.RETIRED
    assert AuditEvent.objects.filter(event="rubric.retire", user=world.admin, object_id=str(draft.pk)).exists()


def test_retiring_a_draft_is_refused_with_a_message(admin, draft):
    response = admin.post(reverse("rubric:version_retire", args=[draft.pk]), follow=True)
    assert "只有已发布的版本可以停用" in response.content.decode()


def test_clone_from_the_page(admin, world):
    response = admin.post(reverse("rubric:version_clone", args=[world.version.pk]), {"code": "xian-2028", "name": ""})
    new = RubricVersion.objects.get(code="xian-2028")
    assert response["Location"] == reverse("rubric:version_detail", args=[new.pk])
    assert new.status == RubricVersion.Status.DRAFT and new.based_on == world.version and new.created_by == world.admin


def test_clone_with_a_taken_code_is_refused_at_the_field(admin, world):
    response = admin.post(reverse("rubric:version_clone", args=[world.version.pk]), {"code": "xian-2020"})
    assert response.status_code == 400
    assert "版本代码“xian-2020”已存在" in response.content.decode()
    assert RubricVersion.objects.count() == 1


def test_delete_an_unused_draft(admin, draft):
    response = admin.post(reverse("rubric:version_delete", args=[draft.pk]))
    assert response["Location"] == reverse("rubric:version_list")
    assert not RubricVersion.objects.filter(pk=draft.pk).exists()


def test_a_published_version_cannot_be_deleted_from_the_page(admin, world):
    admin.post(reverse("rubric:version_delete", args=[world.version.pk]))
    assert RubricVersion.objects.filter(pk=world.version.pk).exists()


# --- import / export ------------------------------------------------------------------------

def test_import_a_json_upload(admin, small):
    upload = SimpleUploadedFile("small.json", json.dumps(small, ensure_ascii=False).encode(), "application/json")
    response = admin.post(reverse("rubric:version_import"), {"file": upload})
    version = RubricVersion.objects.get(code="sample-small")
    assert response["Location"] == reverse("rubric:version_detail", args=[version.pk])
    assert version.status == RubricVersion.Status.DRAFT and version.created_by is not None


def test_import_an_xlsx_upload(admin, world):
    data = rubric_export(version=world.version, format="xlsx")
    wb = load_workbook(io.BytesIO(data))
    wb["评估细则"]["B1"] = "xian-from-xlsx"
    out = io.BytesIO()
    wb.save(out)
    upload = SimpleUploadedFile("r.xlsx", out.getvalue())
    assert admin.post(reverse("rubric:version_import"), {"file": upload}).status_code == 302
    assert RubricVersion.objects.get(code="xian-from-xlsx").elements.count() == 84


def test_a_bad_upload_lists_every_problem_and_writes_nothing(admin, small, world):
    small["dimensions"][0]["indicators"][0]["elements"][0]["points"] = 2.0
    small["dimensions"][1]["points"] = "5"
    upload = SimpleUploadedFile("small.json", json.dumps(small).encode())
    response = admin.post(reverse("rubric:version_import"), {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert "文件被拒绝" in html and "评估要素 C1 points" in html and "一级指标 A2：标明 5 分" in html
    assert RubricVersion.objects.count() == 1
    assert AuditEvent.objects.filter(event="rubric.import", outcome="failure").exists()


def test_an_upload_of_another_type_is_refused(admin):
    upload = SimpleUploadedFile("r.csv", b"a,b")
    response = admin.post(reverse("rubric:version_import"), {"file": upload})
    assert response.status_code == 400 and "只接受 .json 或 .xlsx 文件" in response.content.decode()


def test_export_json_download_is_the_fixture(admin, world):
    response = admin.get(reverse("rubric:version_export", args=[world.version.pk, "json"]))
    assert response["Content-Disposition"] == 'attachment; filename="rubric-xian-2020.json"'
    assert json.loads(response.content) == xian_dict()
    assert AuditEvent.objects.filter(event="rubric.export", user=world.admin).exists()


def test_export_xlsx_download_reads_back(admin, world):
    response = admin.get(reverse("rubric:version_export", args=[world.version.pk, "xlsx"]))
    ws = load_workbook(io.BytesIO(response.content))["评估细则"]
    assert ws["B1"].value == "xian-2020" and ws["G89"].value == "C84"


# --- compare --------------------------------------------------------------------------------

def test_compare_shows_changed_points_and_texts(admin, world, draft):
    _save(admin, draft, {f"e-{_el(draft, 'C19').pk}-points": "2", f"e-{_el(draft, 'C1').pk}-text": "新的 C1"})
    response = admin.get(reverse("rubric:version_compare"), {"old": "xian-2020", "new": "xian-2027"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "C19" in html and '<td class="history-old">1</td>' in html and '<td class="history-new">2</td>' in html
    assert "新的 C1" in html
    assert "5 处不同" in html  # the name, C19, B7 and A3 points, C1 text


def test_compare_with_an_unknown_version_is_a_form_error(admin, world):
    response = admin.get(reverse("rubric:version_compare"), {"old": "xian-2020", "new": "nope"})
    assert response.status_code == 400
